// TaskInfo: one task of a multi-task model, as its manifest describes it.
//
// Thread safety: plain values; safe to read from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mtl {

/// The kind of output a head produces. Each known kind has one output convention (see
/// docs/model-format.md), so drawing, JSON output and evaluation need no per-model code.
enum class TaskKind { kDetection, kSegmentation, kClassification, kMultilabel, kDepth, kCustom };

/// Returns the manifest spelling of a kind, such as "detection".
const char* to_string(TaskKind kind) noexcept;

/// Parses a manifest spelling; returns nullopt for an unknown name.
std::optional<TaskKind> parse_task_kind(const std::string& name);

/// The largest worsening of a task's metric that the deployment gate accepts.
struct RegressionAllowance {
  enum class Mode { kAbsolute, kRelative };
  Mode mode = Mode::kAbsolute;
  double value = 0.0;  ///< Metric units for kAbsolute, a fraction of the baseline for kRelative.
};

struct TaskInfo {
  std::string name;                 ///< Name used in task masks, such as "det".
  std::string method;               ///< The head method in the archive, such as "head_det".
  TaskKind kind = TaskKind::kCustom;
  std::vector<std::string> labels;  ///< Class names; output index i means labels[i].
  std::string metric;               ///< The metric the gate compares; empty if none is declared.
  RegressionAllowance max_regression;
  bool critical = false;            ///< May be routed to a fallback model when a version regresses it.
};

}  // namespace mtl
