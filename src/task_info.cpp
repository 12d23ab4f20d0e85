#include "mtl/task_info.h"

namespace mtl {

const char* to_string(TaskKind kind) noexcept {
  switch (kind) {
    case TaskKind::kDetection:
      return "detection";
    case TaskKind::kSegmentation:
      return "segmentation";
    case TaskKind::kClassification:
      return "classification";
    case TaskKind::kMultilabel:
      return "multilabel";
    case TaskKind::kDepth:
      return "depth";
    case TaskKind::kCustom:
      return "custom";
  }
  return "custom";
}

std::optional<TaskKind> parse_task_kind(const std::string& name) {
  for (TaskKind kind : {TaskKind::kDetection, TaskKind::kSegmentation, TaskKind::kClassification,
                        TaskKind::kMultilabel, TaskKind::kDepth, TaskKind::kCustom}) {
    if (name == to_string(kind)) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace mtl
