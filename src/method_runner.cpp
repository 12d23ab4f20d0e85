#include "method_runner.h"

#include <fmt/format.h>

#include "feature_store.h"
#include "mtl/error.h"
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
    return Features(std::move(entries));
  });
}

TensorMap run_head(const ModelState& state, int index, const Features& features) {
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
