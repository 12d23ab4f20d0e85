#include "test_support.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace mtl::test {
namespace {

// One intra-op thread for the whole test binary: results stay bitwise reproducible between
// single-threaded and concurrent runs, and 8 caller threads do not oversubscribe 2 cores.
const bool kThreadsConfigured = [] {
  at::set_num_threads(1);
  return true;
}();

}  // namespace

std::string fixture(const std::string& name) { return std::string(MTL_FIXTURE_DIR) + "/" + name; }

std::string source_path(const std::string& relative) { return std::string(MTL_SOURCE_DIR) + "/" + relative; }

LoadOptions test_options() {
  (void)kThreadsConfigured;
  LoadOptions options;
  options.intra_op_threads = -1;
  options.warmup_runs = 1;
  return options;
}

std::string temp_folder(const std::string& label) {
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("mtl-test-{}-{}-{}", label, ::getpid(), counter.fetch_add(1));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path.string();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE_MESSAGE(file.good(), "could not write " << path);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "could not read " << path);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

at::Tensor random_input(const MultiTaskModel& model, uint64_t seed) {
  const InputSpec& spec = model.manifest().input;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  return at::randn({1, spec.channels, spec.height, spec.width}, generator, at::TensorOptions().dtype(at::kFloat));
}

bool bitwise_equal(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) {
    return false;
  }
  const at::Tensor left = a.contiguous();
  const at::Tensor right = b.contiguous();
  return std::memcmp(left.data_ptr(), right.data_ptr(), left.numel() * left.element_size()) == 0;
}

bool bitwise_equal(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (const auto& [key, tensor] : a) {
    const auto other = b.find(key);
    if (other == b.end() || !bitwise_equal(tensor, other->second)) {
      return false;
    }
  }
  return true;
}

LogSink LogCapture::sink() {
  return [this](LogLevel level, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.emplace_back(level, message);
  };
}

bool LogCapture::contains(LogLevel level, const std::string& text) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [line_level, message] : lines_) {
    if (line_level == level && message.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::size_t LogCapture::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_.size();
}

}  // namespace mtl::test
