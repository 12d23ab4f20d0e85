#include "mtl/eval/gate_report.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "text_table.h"

namespace mtl::eval {

namespace {

// Keeps keys in insertion order, so that the report reads task, kinds, metric, numbers, verdict.
using Json = nlohmann::ordered_json;

Json number_or_null(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

std::string kind_cell(const TaskVerdict& task) {
  if (task.baseline_kind && task.candidate_kind && *task.baseline_kind != *task.candidate_kind) {
    return fmt::format("{}->{}", to_string(*task.baseline_kind), to_string(*task.candidate_kind));
  }
  if (task.baseline_kind) {
    return to_string(*task.baseline_kind);
  }
  return task.candidate_kind ? to_string(*task.candidate_kind) : "-";
}

Json kind_or_null(const std::optional<TaskKind>& kind) {
  return kind ? Json(to_string(*kind)) : Json(nullptr);
}

Json max_regression_json(const std::optional<RegressionAllowance>& regression) {
  if (!regression) {
    return nullptr;
  }
  const char* key = regression->mode == RegressionAllowance::Mode::kAbsolute ? "absolute" : "relative";
  return Json{{key, regression->value}};
}

}  // namespace

std::string GateReport::format_table() const {
  detail::TextTable table({"task", "kind", "metric", "better", "baseline", "candidate", "delta",
                           "allowed", "verdict"},
                          {false, false, false, false, true, true, true, true, false});
  std::size_t blocked_count = 0;
  for (const TaskVerdict& task : tasks) {
    std::string metric = "-";
    std::string direction = "-";
    if (!task.metric.empty()) {
      metric = task.metric;
      direction = task.higher_is_better ? "higher" : "lower";
    }
    table.add_row({task.task, kind_cell(task), metric, direction,
                   detail::format_value(task.baseline), detail::format_value(task.candidate),
                   detail::format_value(task.delta, true), detail::format_value(task.allowed),
                   to_string(task.verdict)});
    blocked_count += task.verdict == Verdict::kBlocked ? 1 : 0;
  }

  std::string text = table.render();
  std::string notes;
  for (const TaskVerdict& task : tasks) {
    if (!task.reason.empty()) {
      notes += fmt::format("{} {}: {}\n", to_string(task.verdict), task.task, task.reason);
    }
  }
  if (!notes.empty()) {
    text += "\n" + notes;
  }

  if (promote()) {
    text += fmt::format("\ndecision: promote (no task blocked), exit code {}\n", exit_code());
  } else {
    text += fmt::format("\ndecision: blocked ({} of {} tasks blocked), exit code {}\n",
                        blocked_count, tasks.size(), exit_code());
  }
  return text;
}

std::string GateReport::to_json() const {
  Json task_list = Json::array();
  for (const TaskVerdict& task : tasks) {
    task_list.push_back({
        {"task", task.task},
        {"baseline_kind", kind_or_null(task.baseline_kind)},
        {"candidate_kind", kind_or_null(task.candidate_kind)},
        {"metric", task.metric.empty() ? Json(nullptr) : Json(task.metric)},
        {"higher_is_better", task.higher_is_better},
        {"baseline", number_or_null(task.baseline)},
        {"candidate", number_or_null(task.candidate)},
        {"delta", number_or_null(task.delta)},
        {"max_regression", max_regression_json(task.max_regression)},
        {"allowed", number_or_null(task.allowed)},
        {"verdict", to_string(task.verdict)},
        {"reason", task.reason},
    });
  }

  Json report = {
      {"decision", promote() ? "promote" : "blocked"},
      {"exit_code", exit_code()},
      {"tasks", std::move(task_list)},
  };
  return report.dump(2);
}

}  // namespace mtl::eval
