#include "method_runner.h"

#include <fmt/format.h>

#include "feature_store.h"
#include "mtl/error.h"
#include "output_check.h"
#include "torch_boundary.h"

namespace mtl::detail {
namespace {

TensorMap to_tensor_map(const c10::IValue& value) {
  TensorMap outputs;
  for (const auto& entry : value.toGenericDict()) {
    outputs.emplace(entry.key().toStringRef(), entry.value().toTensor());
  }
  return outputs;
}

}  // namespace

Features run_backbone(const ModelState& state, const at::Tensor& input) {
  const std::string context = fmt::format("{}: backbone (method {}) failed", state.source, state.manifest.backbone_method);
  return call_torch(ErrorCode::kInference, context, [&] {
    const c10::IValue value = (*state.backbone)({input});
    std::vector<std::pair<std::string, at::Tensor>> entries;
    for (const auto& entry : value.toGenericDict()) {
      entries.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
    }
    if (entries.empty()) {
      throw Error(ErrorCode::kInference, context + ": it returned an empty dictionary; a backbone must return at "
                                                   "least one feature tensor");
    }
    return Features(std::move(entries));
  });
}

TensorMap run_head(const ModelState& state, int index, const Features& features) {
  TensorMap outputs = run_head_unchecked(state, index, features);
  const TaskInfo& task = state.manifest.tasks[index];
  if (const auto violation = find_output_violation(task, outputs)) {
    throw Error(ErrorCode::kInference, fmt::format("{}: head '{}' ({}) broke the {} output convention on this input: {}",
                                                   state.source, task.name, task.method, to_string(task.kind),
                                                   *violation));
  }
  return outputs;
}

TensorMap run_head_unchecked(const ModelState& state, int index, const Features& features) {
  const TaskInfo& task = state.manifest.tasks.at(index);
  if (features.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("head '{}' of {} got empty features; pass the output of backbone()", task.name, state.source));
  }
  const std::string context = fmt::format("{}: head '{}' (method {}) failed", state.source, task.name, task.method);
  return call_torch(ErrorCode::kInference, context, [&] {
    return to_tensor_map(state.heads[index]({features.store()->dict}));
  });
}

}  // namespace mtl::detail
