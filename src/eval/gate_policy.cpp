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

void check_amount(double amount, const std::string& where, ErrorCode code) {
  if (!std::isfinite(amount) || amount < 0.0) {
    throw Error(code, fmt::format("{}: max_regression amount {} is invalid, expected a finite "
                                  "number of at least 0",
                                  where, amount));
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

const ManifestGateDefaults* find_defaults(const std::vector<ManifestGateDefaults>& defaults,
                                          const std::string& task) {
  auto it = std::find_if(defaults.begin(), defaults.end(),
                         [&](const ManifestGateDefaults& entry) { return entry.task == task; });
  return it == defaults.end() ? nullptr : &*it;
}

MaxRegression parse_max_regression(const std::string& source, const Json& value,
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

  MaxRegression regression;
  regression.mode = has_absolute ? MaxRegression::Mode::kAbsolute : MaxRegression::Mode::kRelative;
  const char* key = has_absolute ? "absolute" : "relative";
  std::string amount_field = field + "." + key;
  regression.amount = detail::read_number(source, value.at(key), amount_field);
  check_amount(regression.amount, source + ": " + amount_field, ErrorCode::kInvalidData);
  return regression;
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
                          const ManifestGateDefaults* defaults) {
  std::string field = fmt::format("tasks.{}", task);
  detail::require_object(source, entry, field);
  check_keys(source, entry, field, {"metric", "max_regression", "gated"});

  GateRule rule;
  rule.task = task;
  std::optional<MaxRegression> max_regression;
  if (defaults != nullptr) {
    rule.metric = defaults->metric;
    max_regression = defaults->max_regression;
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
  if (defaults != nullptr && !rule.metric.empty()) {
    check_metric_name(fmt::format("{}: {}.metric", source, field), defaults->kind, rule.metric);
  }
  rule.max_regression = max_regression.value_or(MaxRegression{});
  return rule;
}

}  // namespace

double MaxRegression::allowed(double baseline) const noexcept {
  return mode == Mode::kAbsolute ? amount : amount * std::fabs(baseline);
}

GatePolicy GatePolicy::from_manifest(const std::vector<ManifestGateDefaults>& defaults) {
  GatePolicy policy;
  for (const ManifestGateDefaults& entry : defaults) {
    if (entry.metric.empty() || !entry.max_regression) {
      continue;
    }
    std::string where = fmt::format("manifest task \"{}\"", entry.task);
    check_metric_name(where, entry.kind, entry.metric);
    check_amount(entry.max_regression->amount, where, ErrorCode::kInvalidData);
    policy.set_rule(GateRule{entry.task, entry.metric, *entry.max_regression, true});
  }
  return policy;
}

GatePolicy GatePolicy::parse(const std::string& text,
                             const std::vector<ManifestGateDefaults>& defaults,
                             const std::string& source) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& error) {
    throw Error(ErrorCode::kInvalidData,
                fmt::format("{}: malformed JSON ({}); fix the file's syntax", source, error.what()));
  }
  detail::require_object(source, root, "the top level");
  check_keys(source, root, "the top level", {"format", "format_version", "tasks"});
  check_header(source, root);

  GatePolicy policy = from_manifest(defaults);
  if (!root.contains("tasks")) {
    return policy;
  }
  const Json& tasks = root.at("tasks");
  detail::require_object(source, tasks, "tasks");
  for (const auto& item : tasks.items()) {
    const ManifestGateDefaults* task_defaults = find_defaults(defaults, item.key());
    policy.set_rule(parse_task_entry(source, item.key(), item.value(), task_defaults));
  }
  return policy;
}

GatePolicy GatePolicy::load(const std::filesystem::path& path,
                            const std::vector<ManifestGateDefaults>& defaults) {
  return parse(detail::read_text_file(path, "gate policy file"), defaults, path.string());
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
  check_amount(rule.max_regression.amount, fmt::format("gate rule for task \"{}\"", rule.task),
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
