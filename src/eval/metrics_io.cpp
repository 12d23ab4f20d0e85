#include "mtl/eval/metrics_io.h"

#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "defined_mean.h"
#include "json_fields.h"
#include "mtl/error.h"
#include "text_file.h"
#include "text_table.h"

namespace mtl::eval {

namespace {

using detail::Json;

TaskMetrics parse_task(const std::string& source, const std::string& name, const Json& entry) {
  std::string field = fmt::format("tasks.{}", name);
  detail::require_object(source, entry, field);

  TaskMetrics task;
  task.task = name;
  std::string kind =
      detail::read_string(source, detail::require_field(source, entry, field, "kind"),
                          field + ".kind");
  std::optional<TaskKind> parsed = parse_task_kind(kind);
  if (!parsed) {
    detail::throw_field_error(source, field + ".kind",
                              fmt::format("is \"{}\", expected one of detection, segmentation, "
                                          "classification, multilabel, depth, custom",
                                          kind));
  }
  task.kind = *parsed;

  const Json& metrics = detail::require_field(source, entry, field, "metrics");
  detail::require_object(source, metrics, field + ".metrics");
  for (const auto& item : metrics.items()) {
    std::string metric_field = fmt::format("{}.metrics.{}", field, item.key());
    const Json& metric = item.value();
    detail::require_object(source, metric, metric_field);

    const Json& value = detail::require_field(source, metric, metric_field, "value");
    double number = value.is_null()
                        ? detail::kUndefined
                        : detail::read_number(source, value, metric_field + ".value");
    const Json& direction =
        detail::require_field(source, metric, metric_field, "higher_is_better");
    if (!direction.is_boolean()) {
      detail::throw_field_error(source, metric_field + ".higher_is_better",
                                fmt::format("is {}, expected true or false",
                                            detail::render(direction)));
    }
    task.set(item.key(), number, direction.get<bool>());
  }
  return task;
}

}  // namespace

std::string metrics_to_json(const std::vector<TaskMetrics>& tasks) {
  // Insertion order: the header first, then tasks in the caller's order.
  using OrderedJson = nlohmann::ordered_json;
  OrderedJson task_map = OrderedJson::object();
  for (const TaskMetrics& task : tasks) {
    if (task_map.contains(task.task)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("metrics_to_json: task \"{}\" appears twice, expected each task "
                              "once",
                              task.task));
    }

    OrderedJson metrics = OrderedJson::object();
    for (const auto& [name, metric] : task.values) {
      metrics[name] = {
          {"value", std::isfinite(metric.value) ? OrderedJson(metric.value) : OrderedJson(nullptr)},
          {"higher_is_better", metric.higher_is_better},
      };
    }
    task_map[task.task] = {{"kind", to_string(task.kind)}, {"metrics", std::move(metrics)}};
  }

  OrderedJson root = {
      {"format", kMetricsFormat},
      {"format_version", kMetricsFormatVersion},
      {"tasks", std::move(task_map)},
  };
  return root.dump(2);
}

std::vector<TaskMetrics> metrics_from_json(const std::string& text, const std::string& source) {
  const Json root = detail::parse_json(source, text);
  detail::require_object(source, root, "the top level");

  const Json& format = detail::require_field(source, root, "the top level", "format");
  if (format != kMetricsFormat) {
    detail::throw_field_error(source, "format",
                              fmt::format("is {}, expected \"{}\"", detail::render(format),
                                          kMetricsFormat));
  }
  std::int64_t version = detail::read_integer(
      source, detail::require_field(source, root, "the top level", "format_version"),
      "format_version");
  if (version != kMetricsFormatVersion) {
    detail::throw_field_error(source, "format_version",
                              fmt::format("is {}, but this version of mtl reads only version {}",
                                          version, kMetricsFormatVersion));
  }

  const Json& tasks = detail::require_field(source, root, "the top level", "tasks");
  detail::require_object(source, tasks, "tasks");
  std::vector<TaskMetrics> result;
  for (const auto& item : tasks.items()) {
    result.push_back(parse_task(source, item.key(), item.value()));
  }
  return result;
}

std::vector<TaskMetrics> load_metrics_json(const std::filesystem::path& path) {
  return metrics_from_json(detail::read_text_file(path, "metrics file"), path.string());
}

std::string format_metrics_table(const std::vector<TaskMetrics>& tasks) {
  detail::TextTable table({"task", "kind", "metric", "value", "better"},
                          {false, false, false, true, false});
  for (const TaskMetrics& task : tasks) {
    for (const auto& [name, metric] : task.values) {
      table.add_row({task.task, to_string(task.kind), name, detail::format_value(metric.value),
                     metric.higher_is_better ? "higher" : "lower"});
    }
  }
  return table.render();
}

}  // namespace mtl::eval
