// MultiTaskModel: a loaded multi-task TorchScript archive that runs the backbone once and only
// the heads that a request names.
//
// Load an archive (see docs/model-format.md) with load() or load_from_buffer(), then call run()
// with an input tensor and a TaskMask, or call backbone() and head() yourself. Method handles are
// looked up once at load, every method is optimized for inference, and warm-up runs at load.
//
// Thread safety: safe for concurrent use. Every call sets its own inference-mode guard, because
// LibTorch's grad mode is per thread. A MultiTaskModel is a cheap handle: copies share the loaded
// module, which lives until the last copy is destroyed.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mtl/features.h"
#include "mtl/load_options.h"
#include "mtl/manifest.h"
#include "mtl/run_options.h"
#include "mtl/run_result.h"
#include "mtl/task_mask.h"

namespace mtl {

namespace detail {
struct ModelState;
}  // namespace detail

/// A method of the archive and its TorchScript schema, for inspection.
struct MethodInfo {
  std::string name;
  std::string schema;  ///< Such as "head_det(__torch__.M self, Dict(str, Tensor) features) -> Dict(str, Tensor)".
};

class MultiTaskModel {
 public:
  /// Loads an archive from a file, optimizes and checks it, and warms it up.
  /// Throws: mtl::Error with kNotFound for a missing file. kInvalidModel for a file that is not a
  /// TorchScript archive, a bad manifest, a missing or mistyped method, or a head that writes into
  /// its input features. kInference if the backbone fails on the warm-up input.
  static MultiTaskModel load(const std::string& path, const LoadOptions& options = {});

  /// Loads an archive from memory; `source` names it in messages. Throws: as load().
  static MultiTaskModel load_from_buffer(const void* data, std::size_t size, const LoadOptions& options = {},
                                         const std::string& source = "<buffer>");

  const Manifest& manifest() const;
  const std::vector<TaskInfo>& tasks() const;
  std::vector<std::string> task_names() const;
  int task_count() const;

  /// Returns the index of a task. Throws: mtl::Error (kNotFound) listing the known tasks.
  int task_index(const std::string& name) const;

  /// Parses "det,seg" or "all" against this model's tasks. Throws: as TaskMask::parse.
  TaskMask mask(const std::string& spec) const;

  /// Every task of this model.
  TaskMask all_tasks() const;

  /// The backbone digest, "xxh3:" and XXH3-128 of the backbone graph's weights as loaded (the
  /// manifest's declared digest is in manifest()). Equal digests mean identical backbone weights,
  /// so a BackboneCache shares features between such models and never between others.
  const std::string& backbone_digest() const;

  /// "name version", such as "multifashion 2.0.0".
  std::string version_string() const;

  /// The path or source name the model was loaded from.
  const std::string& source() const;

  /// The archive's methods with their schemas.
  std::vector<MethodInfo> methods() const;

  /// Returns the TorchScript graph of a method as mtl runs it (after optimization), for inspection.
  /// Throws: mtl::Error (kNotFound) listing the methods.
  std::string graph(const std::string& method) const;

  /// Checks an input and returns it as the backbone takes it: `[1, C, H, W]`, float32, contiguous,
  /// on the model's device. Accepts `[C, H, W]`, non-contiguous and channels-last tensors.
  /// Throws: mtl::Error (kInvalidArgument) for a wrong dtype, rank, batch size, channel count or
  /// size, or NaN or infinite values, naming what was expected and found.
  at::Tensor prepare_input(const at::Tensor& input) const;

  /// Runs the backbone alone. Throws: as prepare_input(); kInference if the backbone fails.
  Features backbone(const at::Tensor& input) const;

  /// Runs one head on features from this model's backbone (or a backbone with the same digest).
  /// Throws: mtl::Error: kNotFound for an unknown task; kInference naming the head if it fails.
  TensorMap head(int task, const Features& features) const;
  TensorMap head(const std::string& task, const Features& features) const;

  /// Runs the backbone once (or takes its output from options.cache) and every head in `mask`,
  /// in task order. Heads outside the mask never run.
  /// Throws: as prepare_input() and head(); kInvalidArgument for an empty mask or one naming a task
  /// this model does not have. A failed request leaves the model and the cache usable.
  RunResult run(const at::Tensor& input, TaskMask mask, const RunOptions& options = {}) const;

  /// True if the archive has a `forward` method.
  bool has_forward() const;

  /// Calls the archive's own `forward`, optimized like the other methods, and returns its
  /// task-to-outputs dictionary. Used to check and benchmark the split methods against it.
  /// Throws: mtl::Error: kNotFound without a forward; kInference if it fails or returns another type.
  std::map<std::string, TensorMap> forward(const at::Tensor& input) const;

 private:
  explicit MultiTaskModel(std::shared_ptr<const detail::ModelState> state);

  std::shared_ptr<const detail::ModelState> state_;
};

}  // namespace mtl
