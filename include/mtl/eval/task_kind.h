// mtl::eval::TaskKind: the kind of a task head, as the manifest's `tasks[].kind` names it.
//
// The kind decides which evaluator scores a task and which metric names it reports. The names
// match docs/model-format.md: "detection", "segmentation", "classification", "multilabel",
// "depth" and "custom".
//
// Thread safety: the enum and the free functions are stateless and safe for concurrent use.
#pragma once

#include <string>
#include <string_view>

namespace mtl::eval {

/// The kind of a task, which fixes its outputs and its metrics.
enum class TaskKind {
  kDetection,
  kSegmentation,
  kClassification,
  kMultilabel,
  kDepth,
  kCustom,  ///< Outputs that mtl does not interpret; such a task has no metrics.
};

/// Returns the manifest name of `kind`, such as "detection".
const char* to_string(TaskKind kind) noexcept;

/// Parses a manifest kind name such as "segmentation".
///
/// Returns: the kind.
/// Throws: mtl::Error with kInvalidArgument naming `name` and listing the known kinds when
/// `name` is not one of them.
TaskKind parse_task_kind(std::string_view name);

}  // namespace mtl::eval
