#include "output_check.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <utility>
#include <vector>

namespace mtl::detail {
namespace {

struct Expected {
  const char* key;
  int64_t rank;
  bool floating;
};

std::vector<Expected> required_outputs(TaskKind kind) {
  switch (kind) {
    case TaskKind::kDetection:
      return {{"boxes", 2, true}, {"scores", 1, true}, {"labels", 1, false}};
    case TaskKind::kSegmentation:
      return {{"logits", 3, true}};
    case TaskKind::kClassification:
    case TaskKind::kMultilabel:
      return {{"logits", 1, true}};
    case TaskKind::kDepth:
      return {{"depth", 2, true}};
    case TaskKind::kCustom:
      return {};
  }
  return {};
}

std::vector<std::string> keys_of(const TensorMap& outputs) {
  std::vector<std::string> keys;
  for (const auto& entry : outputs) {
    keys.push_back(entry.first);
  }
  return keys;
}

}  // namespace

std::optional<std::string> find_output_violation(const TaskInfo& task, const TensorMap& outputs) {
  for (const Expected& expected : required_outputs(task.kind)) {
    const auto found = outputs.find(expected.key);
    if (found == outputs.end()) {
      return fmt::format("output '{}' is missing (the head returned {})", expected.key, keys_of(outputs));
    }
    const at::Tensor& tensor = found->second;
    if (tensor.dim() != expected.rank) {
      return fmt::format("output '{}' has shape {}, expected rank {}", expected.key, tensor.sizes(), expected.rank);
    }
    if (tensor.is_floating_point() != expected.floating) {
      return fmt::format("output '{}' has dtype {}, expected a {} dtype", expected.key,
                         c10::toString(tensor.scalar_type()), expected.floating ? "floating-point" : "integer");
    }
  }

  if (task.kind == TaskKind::kDetection) {
    const at::Tensor& boxes = outputs.at("boxes");
    const at::Tensor& labels = outputs.at("labels");
    if (boxes.size(1) != 4 || outputs.at("scores").size(0) != boxes.size(0) || labels.size(0) != boxes.size(0)) {
      return fmt::format("boxes {}, scores {} and labels {} do not match; expected [N, 4], [N] and [N]", boxes.sizes(),
                         outputs.at("scores").sizes(), labels.sizes());
    }
    if (!task.labels.empty() && labels.numel() > 0) {
      const int64_t lowest = labels.min().item<int64_t>();
      const int64_t highest = labels.max().item<int64_t>();
      if (lowest < 0 || highest >= static_cast<int64_t>(task.labels.size())) {
        return fmt::format("labels range from {} to {}, but the manifest lists {} labels", lowest, highest,
                           task.labels.size());
      }
    }
  }
  for (const char* dense : {"logits", "depth"}) {
    const auto found = outputs.find(dense);
    if (task.kind != TaskKind::kCustom && found != outputs.end() && found->second.numel() == 0) {
      return fmt::format("output '{}' has shape {}, expected a non-empty tensor", dense, found->second.sizes());
    }
  }
  const bool labelled_logits = task.kind == TaskKind::kSegmentation || task.kind == TaskKind::kClassification ||
                               task.kind == TaskKind::kMultilabel;
  if (labelled_logits && !task.labels.empty() &&
      outputs.at("logits").size(0) != static_cast<int64_t>(task.labels.size())) {
    return fmt::format("logits have {} classes, but the manifest lists {} labels", outputs.at("logits").size(0),
                       task.labels.size());
  }
  return std::nullopt;
}

}  // namespace mtl::detail
