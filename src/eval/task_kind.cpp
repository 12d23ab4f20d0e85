#include "mtl/eval/task_kind.h"

#include <array>

#include <fmt/format.h>

#include "mtl/error.h"

namespace mtl::eval {

namespace {

constexpr std::array<TaskKind, 6> kAllKinds = {
    TaskKind::kDetection, TaskKind::kSegmentation, TaskKind::kClassification,
    TaskKind::kMultilabel, TaskKind::kDepth,        TaskKind::kCustom,
};

}  // namespace

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
  return "unknown";
}

TaskKind parse_task_kind(std::string_view name) {
  for (TaskKind kind : kAllKinds) {
    if (name == to_string(kind)) {
      return kind;
    }
  }

  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("unknown task kind \"{}\": expected one of detection, segmentation, "
                          "classification, multilabel, depth, custom",
                          name));
}

}  // namespace mtl::eval
