// Writing and reading task metrics: JSON for machines, a fixed-width table for people.
//
// The JSON form lets a host store a baseline model's metrics once and gate later candidates
// against the file, without evaluating the baseline again. The format is described in
// docs/evaluation.md.
//
// Thread safety: pure functions, safe for concurrent use.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mtl/eval/metric_value.h"

namespace mtl::eval {

/// The `format` value of a metrics file.
inline constexpr const char* kMetricsFormat = "mtl-metrics";
/// The only `format_version` of a metrics file that this version reads.
inline constexpr int kMetricsFormatVersion = 1;

/// Renders `tasks` as JSON, indented by two spaces. NaN values are written as null.
///
/// Throws: mtl::Error with kInvalidArgument when two tasks have the same name.
std::string metrics_to_json(const std::vector<TaskMetrics>& tasks);

/// Parses metrics written by metrics_to_json(). A null value becomes NaN. `source` names the text
/// in error messages.
///
/// Returns: the tasks in the file's order of task names.
/// Throws: mtl::Error with kInvalidData for malformed JSON, a wrong format or version, an unknown
/// kind, or a field of the wrong type.
std::vector<TaskMetrics> metrics_from_json(const std::string& text,
                                           const std::string& source = "metrics");

/// Reads and parses the metrics file at `path`.
///
/// Throws: mtl::Error with kNotFound or kIo when the file cannot be read, else as
/// metrics_from_json().
std::vector<TaskMetrics> load_metrics_json(const std::filesystem::path& path);

/// Renders `tasks` as a fixed-width table with one row per metric: task, kind, metric, value with
/// 4 decimals ("n/a" for NaN) and direction.
std::string format_metrics_table(const std::vector<TaskMetrics>& tasks);

}  // namespace mtl::eval
