#include "mtl/eval/gate_policy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "json_fields.h"
#include "mtl/error.h"
#include "mtl/eval/metric_value.h"
#include "text_file.h"

namespace mtl::eval {

namespace {

using detail::Json;

void check_allowance(double value, const std::string& where, ErrorCode code) {
  if (!std::isfinite(value) || value < 0.0) {
    throw Error(code, fmt::format("{}: max_regression value {} is invalid, expected a finite "
                                  "number of at least 0",
                                  where, value));
  }
}

// Checks that `metric` is reported for tasks of `kind`, when the kind reports metrics at all.
void check_metric_name(const std::string& where, TaskKind kind, const std::string& metric) {
  if (kind == TaskKind::kCustom || metric_higher_is_better(kind, metric).has_value()) {
    return;
  }
  throw Error(ErrorCode::kInvalidData,
              fmt::format("{}: metric \"{}\" is not reported for {} tasks; expected one of {} or "
                          "a per-label metric (see docs/metrics.md)",
                          where, metric, to_string(kind),
                          fmt::join(summary_metric_names(kind), ", ")));
}

const TaskInfo* find_manifest_task(const std::vector<TaskInfo>& tasks, const std::string& name) {
  auto it = std::find_if(tasks.begin(), tasks.end(),
                         [&](const TaskInfo& task) { return task.name == name; });
  return it == tasks.end() ? nullptr : &*it;
}

RegressionAllowance parse_max_regression(const std::string& source, const Json& value,
                                   const std::string& field) {
  detail::require_object(source, value, field);
  bool has_absolute = value.contains("absolute");
  bool has_relative = value.contains("relative");
  if (value.size() != 1 || has_absolute == has_relative) {
    detail::throw_field_error(source, field,
                              fmt::format("is {}, expected exactly one of {{\"absolute\": d}} or "
                                          "{{\"relative\": r}}",
                                          detail::render(value)));
  }

  RegressionAllowance allowance;
  allowance.mode =
      has_absolute ? RegressionAllowance::Mode::kAbsolute : RegressionAllowance::Mode::kRelative;
  const char* key = has_absolute ? "absolute" : "relative";
  std::string value_field = field + "." + key;
  allowance.value = detail::read_number(source, value.at(key), value_field);
  check_allowance(allowance.value, source + ": " + value_field, ErrorCode::kInvalidData);
  return allowance;
}

void check_keys(const std::string& source, const Json& object, const std::string& field,
                const std::vector<std::string>& known) {
  for (const auto& item : object.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      detail::throw_field_error(source, field,
                                fmt::format("has the unknown key \"{}\", expected only {}",
                                            item.key(), fmt::join(known, ", ")));
    }
  }
}

void check_header(const std::string& source, const Json& root) {
  if (root.contains("format") && root.at("format") != GatePolicy::kFormat) {
    detail::throw_field_error(source, "format",
                              fmt::format("is {}, expected \"{}\"", detail::render(root.at("format")),
                                          GatePolicy::kFormat));
  }
  if (root.contains("format_version")) {
    std::int64_t version = detail::read_integer(source, root.at("format_version"), "format_version");
    if (version != GatePolicy::kFormatVersion) {
      detail::throw_field_error(source, "format_version",
                                fmt::format("is {}, but this version of mtl reads only version {}",
                                            version, GatePolicy::kFormatVersion));
    }
  }
}

// Builds the rule of one `tasks` entry, starting from the manifest's values for the task.
GateRule parse_task_entry(const std::string& source, const std::string& task, const Json& entry,
                          const TaskInfo* manifest_task) {
  std::string field = fmt::format("tasks.{}", task);
  detail::require_object(source, entry, field);
  check_keys(source, entry, field, {"metric", "max_regression", "gated"});

  GateRule rule;
  rule.task = task;
  std::optional<RegressionAllowance> max_regression;
  if (manifest_task != nullptr && !manifest_task->metric.empty()) {
    rule.metric = manifest_task->metric;
    max_regression = manifest_task->max_regression;
  }
  if (entry.contains("metric")) {
    rule.metric = detail::read_string(source, entry.at("metric"), field + ".metric");
  }
  if (entry.contains("max_regression")) {
    max_regression = parse_max_regression(source, entry.at("max_regression"),
                                           field + ".max_regression");
  }
  if (entry.contains("gated")) {
    if (!entry.at("gated").is_boolean()) {
      detail::throw_field_error(source, field + ".gated",
                                fmt::format("is {}, expected true or false",
                                            detail::render(entry.at("gated"))));
    }
    rule.gated = entry.at("gated").get<bool>();
  }

  if (rule.gated && (rule.metric.empty() || !max_regression)) {
    detail::throw_field_error(source, field,
                              fmt::format("leaves the task without a {}; set it here or in the "
                                          "manifest, or set \"gated\": false",
                                          rule.metric.empty() ? "metric" : "max_regression"));
  }
  if (manifest_task != nullptr && !rule.metric.empty()) {
    check_metric_name(fmt::format("{}: {}.metric", source, field), manifest_task->kind,
                      rule.metric);
  }
  rule.max_regression = max_regression.value_or(RegressionAllowance{});
  return rule;
}

}  // namespace

double allowed_regression(const RegressionAllowance& allowance, double baseline) noexcept {
  return allowance.mode == RegressionAllowance::Mode::kAbsolute
             ? allowance.value
             : allowance.value * std::fabs(baseline);
}

GatePolicy GatePolicy::from_manifest(const std::vector<TaskInfo>& tasks) {
  GatePolicy policy;
  for (const TaskInfo& task : tasks) {
    if (task.metric.empty()) {
      continue;
    }
    std::string where = fmt::format("manifest task \"{}\"", task.name);
    check_metric_name(where, task.kind, task.metric);
    check_allowance(task.max_regression.value, where, ErrorCode::kInvalidData);
    policy.set_rule(GateRule{task.name, task.metric, task.max_regression, true});
  }
  return policy;
}

GatePolicy GatePolicy::parse(const std::string& text, const std::vector<TaskInfo>& tasks,
                             const std::string& source) {
  const Json root = detail::parse_json(source, text);
  detail::require_object(source, root, "the top level");
  check_keys(source, root, "the top level", {"format", "format_version", "tasks"});
  check_header(source, root);

  GatePolicy policy = from_manifest(tasks);
  if (!root.contains("tasks")) {
    return policy;
  }
  const Json& entries = root.at("tasks");
  detail::require_object(source, entries, "tasks");
  for (const auto& item : entries.items()) {
    const TaskInfo* manifest_task = find_manifest_task(tasks, item.key());
    policy.set_rule(parse_task_entry(source, item.key(), item.value(), manifest_task));
  }
  return policy;
}

GatePolicy GatePolicy::load(const std::filesystem::path& path, const std::vector<TaskInfo>& tasks) {
  return parse(detail::read_text_file(path, "gate policy file"), tasks, path.string());
}

const GateRule* GatePolicy::find(std::string_view task) const {
  auto it = std::find_if(rules_.begin(), rules_.end(),
                         [&](const GateRule& rule) { return rule.task == task; });
  return it == rules_.end() ? nullptr : &*it;
}

void GatePolicy::set_rule(GateRule rule) {
  if (rule.task.empty() || (rule.gated && rule.metric.empty())) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("gate rule for task \"{}\" with metric \"{}\": expected a task name "
                            "and, for a gated task, a metric name",
                            rule.task, rule.metric));
  }
  check_allowance(rule.max_regression.value, fmt::format("gate rule for task \"{}\"", rule.task),
                  ErrorCode::kInvalidArgument);

  auto it = std::find_if(rules_.begin(), rules_.end(),
                         [&](const GateRule& existing) { return existing.task == rule.task; });
  if (it != rules_.end()) {
    *it = std::move(rule);
  } else {
    rules_.push_back(std::move(rule));
  }
}

}  // namespace mtl::eval
