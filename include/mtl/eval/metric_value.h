// mtl::eval::MetricValue and TaskMetrics: the scores of one task, as every evaluator reports them.
//
// A MetricValue carries its direction, so the deployment gate, the JSON writer and the table
// writer never need to know which metrics rise and which fall as a model improves. The metric
// names are those of docs/metrics.md, such as "map50", "miou" or "iou/<label>".
//
// Thread safety: plain values. Concurrent reads are safe; a write needs external synchronization.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtl/task_info.h"

namespace mtl::eval {

/// One score of a task, with its direction. `value` is NaN when the metric is undefined on the
/// evaluation set, for example a detection class without ground truth.
struct MetricValue {
  std::string name;
  double value = 0.0;
  bool higher_is_better = true;
};

/// The metrics of one task, keyed by metric name.
struct TaskMetrics {
  std::string task;
  TaskKind kind = TaskKind::kCustom;
  std::map<std::string, MetricValue> values;

  /// Inserts the metric `name` or replaces its value and direction.
  void set(const std::string& name, double value, bool higher_is_better);

  /// Returns the metric called `name`, or nullptr when this task has no such metric.
  const MetricValue* find(std::string_view name) const;
};

/// Looks up the direction of a metric that the evaluator of `kind` reports, such as "rmse" for
/// depth or "ap50/<label>" for detection, with any label after the slash.
///
/// Returns: true when higher is better, false when lower is better, and std::nullopt when the
/// evaluator of `kind` reports no metric called `metric`.
std::optional<bool> metric_higher_is_better(TaskKind kind, std::string_view metric);

/// Returns the names of the summary metrics that the evaluator of `kind` reports, in the order of
/// docs/metrics.md, leaving out the per-label ones. Empty for kCustom. Used in error messages.
std::vector<std::string> summary_metric_names(TaskKind kind);

}  // namespace mtl::eval
