// Helpers shared by the test suites: fixture paths, quiet load options, log capture, inputs.
#pragma once

#include <ATen/core/Tensor.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "mtl/load_options.h"
#include "mtl/multi_task_model.h"
#include "mtl/run_result.h"

namespace mtl::test {

/// Path of a model archive exported by tests/fixtures/make_fixtures.py at build time.
std::string fixture(const std::string& name);

/// Path of a file in the source tree.
std::string source_path(const std::string& relative);

/// Load options for tests: one warm-up run, intra-op threads left as the test binary set them.
LoadOptions test_options();

/// A fresh, empty folder under the system temp folder, unique to this process and call.
std::string temp_folder(const std::string& label);

/// Writes bytes to a file. Fails the test if that is impossible.
void write_file(const std::string& path, const std::string& bytes);

/// Reads a whole file into a string.
std::string read_file(const std::string& path);

/// A deterministic random input of the model's declared input size.
at::Tensor random_input(const MultiTaskModel& model, uint64_t seed);

/// True if both tensors have the same dtype, shape and bytes.
bool bitwise_equal(const at::Tensor& a, const at::Tensor& b);

/// True if both maps have the same keys and bitwise-equal tensors.
bool bitwise_equal(const TensorMap& a, const TensorMap& b);

/// Collects log lines from a model, for tests of warnings.
class LogCapture {
 public:
  LogSink sink();
  bool contains(LogLevel level, const std::string& text) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

}  // namespace mtl::test
