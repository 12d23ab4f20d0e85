#include "mtl/multi_task_model.h"

#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <chrono>
#include <optional>

#include "feature_store.h"
#include "input_check.h"
#include "method_optimizer.h"
#include "method_runner.h"
#include "model_loader.h"
#include "model_state.h"
#include "mtl/backbone_cache.h"
#include "mtl/error.h"
#include "tensor_digest.h"
#include "torch_boundary.h"

namespace mtl {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Snapshot of the features before a head, to prove afterwards that the head left them unchanged.
// Tensors with version counters are compared by counter. Inference tensors, made in inference mode
// (for example by a cached request), have no counter, so they are compared by content digest.
class FeatureSnapshot {
 public:
  explicit FeatureSnapshot(const Features& features) {
    for (const auto& entry : features.entries()) {
      const at::Tensor& tensor = entry.second;
      if (tensor.is_inference()) {
        marks_.push_back({-1, detail::tensor_digest(tensor)});
      } else {
        marks_.push_back({tensor._version(), {}});
      }
    }
  }

  /// Returns the name of the first feature that changed, or nullopt.
  std::optional<std::string> find_change(const Features& features) const {
    for (std::size_t i = 0; i < marks_.size(); ++i) {
      const auto& [name, tensor] = features.entries()[i];
      const bool changed = marks_[i].version >= 0 ? tensor._version() != marks_[i].version
                                                  : detail::tensor_digest(tensor) != marks_[i].digest;
      if (changed) {
        return name;
      }
    }
    return std::nullopt;
  }

 private:
  struct Mark {
    int64_t version;
    detail::Hash128 digest;
  };
  std::vector<Mark> marks_;
};

// Copies every feature that shares memory with the caller's input. A backbone may pass its input
// through as a feature, and a cached entry must not change when the caller reuses that buffer.
Features detach_from_input(Features features, const at::Tensor& input) {
  bool aliased = false;
  for (const auto& entry : features.entries()) {
    aliased = aliased || (entry.second.has_storage() && input.has_storage() && entry.second.is_alias_of(input));
  }
  if (!aliased) {
    return features;
  }
  std::vector<std::pair<std::string, at::Tensor>> copies;
  for (const auto& [name, tensor] : features.entries()) {
    copies.emplace_back(name, tensor.is_alias_of(input) ? tensor.clone() : tensor);
  }
  return Features(std::move(copies));
}

}  // namespace

MultiTaskModel::MultiTaskModel(std::shared_ptr<const detail::ModelState> state) : state_(std::move(state)) {}

MultiTaskModel MultiTaskModel::load(const std::string& path, const LoadOptions& options) {
  return MultiTaskModel(detail::load_from_file(path, options));
}

MultiTaskModel MultiTaskModel::load_from_buffer(const void* data, std::size_t size, const LoadOptions& options,
                                                const std::string& source) {
  if (data == nullptr || size == 0) {
    throw Error(ErrorCode::kInvalidModel, fmt::format("model buffer '{}' is empty, expected a TorchScript archive", source));
  }
  return MultiTaskModel(detail::load_from_memory(static_cast<const unsigned char*>(data), size, source, options));
}

const Manifest& MultiTaskModel::manifest() const { return state_->manifest; }

const std::vector<TaskInfo>& MultiTaskModel::tasks() const { return state_->manifest.tasks; }

std::vector<std::string> MultiTaskModel::task_names() const { return state_->task_names; }

int MultiTaskModel::task_count() const { return static_cast<int>(state_->task_names.size()); }

int MultiTaskModel::task_index(const std::string& name) const {
  for (std::size_t i = 0; i < state_->task_names.size(); ++i) {
    if (state_->task_names[i] == name) {
      return static_cast<int>(i);
    }
  }
  throw Error(ErrorCode::kNotFound, fmt::format("unknown task '{}' for model '{}'; known tasks: {}", name,
                                                version_string(), fmt::join(state_->task_names, ", ")));
}

TaskMask MultiTaskModel::mask(const std::string& spec) const { return TaskMask::parse(spec, state_->task_names); }

TaskMask MultiTaskModel::all_tasks() const { return TaskMask::all(task_count()); }

const std::string& MultiTaskModel::backbone_digest() const { return state_->backbone_digest; }

std::string MultiTaskModel::version_string() const {
  return state_->manifest.model_name + " " + state_->manifest.model_version;
}

const std::string& MultiTaskModel::source() const { return state_->source; }

std::vector<MethodInfo> MultiTaskModel::methods() const {
  std::vector<MethodInfo> methods;
  for (const torch::jit::Method& method : state_->module.get_methods()) {
    methods.push_back({method.name(), c10::toString(method.function().getSchema())});
  }
  return methods;
}

std::string MultiTaskModel::graph(const std::string& method) const {
  const auto found = state_->module.find_method(method);
  if (!found) {
    std::vector<std::string> names;
    for (const MethodInfo& info : methods()) {
      names.push_back(info.name);
    }
    throw Error(ErrorCode::kNotFound,
                fmt::format("method '{}' not found in {}; methods: {}", method, state_->source, fmt::join(names, ", ")));
  }
  return detail::describe_graph(*found->graph());
}

at::Tensor MultiTaskModel::prepare_input(const at::Tensor& input) const {
  c10::InferenceMode inference;
  return detail::call_torch(ErrorCode::kInvalidArgument, fmt::format("input for model '{}'", version_string()), [&] {
    return detail::check_input(input, state_->manifest.input, state_->device, version_string());
  });
}

Features MultiTaskModel::backbone(const at::Tensor& input) const {
  c10::InferenceMode inference;
  const at::Tensor checked = prepare_input(input);
  return detail::run_backbone(*state_, checked);
}

TensorMap MultiTaskModel::head(int task, const Features& features) const {
  if (task < 0 || task >= task_count()) {
    throw Error(ErrorCode::kNotFound, fmt::format("task index {} is out of range for model '{}', which has {} tasks",
                                                  task, version_string(), task_count()));
  }
  c10::InferenceMode inference;
  return detail::run_head(*state_, task, features);
}

TensorMap MultiTaskModel::head(const std::string& task, const Features& features) const {
  return head(task_index(task), features);
}

RunResult MultiTaskModel::run(const at::Tensor& input, TaskMask mask, const RunOptions& options) const {
  const Clock::time_point start = Clock::now();
  if (mask.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("task mask is empty; ask for one or more of: {}", fmt::join(state_->task_names, ", ")));
  }
  if (!all_tasks().includes(mask)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("task mask has bits {:#x}, but model '{}' has only {} tasks ({})", mask.bits(),
                            version_string(), task_count(), fmt::join(state_->task_names, ", ")));
  }

  // Grad mode is per thread, so the request sets its own: inference mode normally, plain no-grad
  // when feature checks need tensor version counters (inference tensors have none).
  const c10::InferenceMode inference(!options.check_features);
  const c10::AutoGradMode no_grad(false);
  RunResult result;
  result.model_name = state_->manifest.model_name;
  result.model_version = state_->manifest.model_version;
  result.mask = mask;

  const at::Tensor checked = detail::call_torch(
      ErrorCode::kInvalidArgument, fmt::format("input for model '{}'", version_string()),
      [&] { return detail::check_input(input, state_->manifest.input, state_->device, version_string()); });

  const Clock::time_point backbone_start = Clock::now();
  std::optional<CacheKey> key;
  if (options.cache != nullptr) {
    const std::string& digest = state_->backbone_digest;
    key = options.cache_key ? CacheKey::for_id(digest, *options.cache_key) : CacheKey::for_input(digest, checked);
    BackboneCache::Lookup lookup = options.cache->get_or_compute(*key, [&] {
      return detach_from_input(detail::run_backbone(*state_, checked), input);
    });
    result.features = std::move(lookup.features);
    result.backbone_cached = lookup.hit;
  } else {
    result.features = detail::run_backbone(*state_, checked);
  }
  result.backbone_ms = milliseconds_since(backbone_start);

  for (int index : mask) {
    const Clock::time_point head_start = Clock::now();
    std::optional<FeatureSnapshot> snapshot;
    if (options.check_features) {
      snapshot.emplace(result.features);
    }

    TaskResult task;
    task.index = index;
    task.name = state_->task_names[index];
    std::string head_error;
    try {
      task.outputs = detail::run_head(*state_, index, result.features);
    } catch (const Error& error) {
      if (!snapshot) {
        throw;
      }
      // A head may write into the features and fail afterwards (LibTorch rejects in-place writes
      // to inference tensors only after the write), so the check below runs on failure too.
      head_error = error.what();
    }
    if (snapshot) {
      if (const auto changed = snapshot->find_change(result.features)) {
        // The changed features must not reach later requests.
        if (key) {
          options.cache->erase(*key);
        }
        throw Error(ErrorCode::kInference,
                    fmt::format("{}: head '{}' (method {}) changed its input feature '{}'; heads must not write into "
                                "the shared features{}",
                                state_->source, task.name, state_->manifest.tasks[index].method, *changed,
                                head_error.empty() ? "" : " (the head then failed: " + head_error + ")"));
      }
      if (!head_error.empty()) {
        throw Error(ErrorCode::kInference, head_error);
      }
    }
    task.head_ms = milliseconds_since(head_start);
    result.tasks.push_back(std::move(task));
  }

  result.total_ms = milliseconds_since(start);
  return result;
}

bool MultiTaskModel::has_forward() const { return state_->forward != nullptr; }

std::map<std::string, TensorMap> MultiTaskModel::forward(const at::Tensor& input) const {
  if (!state_->forward) {
    throw Error(ErrorCode::kNotFound, fmt::format("{}: the archive has no forward method", state_->source));
  }
  c10::InferenceMode inference;
  const at::Tensor checked = prepare_input(input);
  return detail::call_torch(ErrorCode::kInference, fmt::format("{}: forward failed", state_->source), [&] {
    std::map<std::string, TensorMap> outputs;
    const c10::IValue value = (*state_->forward)({checked});
    for (const auto& task : value.toGenericDict()) {
      TensorMap& task_outputs = outputs[task.key().toStringRef()];
      for (const auto& entry : task.value().toGenericDict()) {
        task_outputs.emplace(entry.key().toStringRef(), entry.value().toTensor());
      }
    }
    return outputs;
  });
}

}  // namespace mtl
