#include <algorithm>
#include <cmath>
#include <exception>
#include <set>

#include <fmt/format.h>

#include "defined_mean.h"
#include "mtl/error.h"
#include "mtl/eval/gate_report.h"

namespace mtl::eval {

namespace {

// Slack for rounding in the comparison with the allowance, relative to the metric's magnitude.
// Without it, 0.80 - 0.78 = 0.020000000000000018 in binary floating point would exceed an
// allowance of 0.02, although the decimal values sit exactly at the threshold.
constexpr double kRoundingSlack = 1e-9;

const TaskMetrics* find_task(const std::vector<TaskMetrics>& tasks, const std::string& name) {
  auto it = std::find_if(tasks.begin(), tasks.end(),
                         [&](const TaskMetrics& task) { return task.task == name; });
  return it == tasks.end() ? nullptr : &*it;
}

void check_unique(const std::vector<TaskMetrics>& tasks, const char* side) {
  std::set<std::string> names;
  for (const TaskMetrics& task : tasks) {
    if (!names.insert(task.task).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("the {} metrics name task \"{}\" twice, expected each task once",
                              side, task.task));
    }
  }
}

TaskVerdict blocked(TaskVerdict verdict, std::string reason) {
  verdict.verdict = Verdict::kBlocked;
  verdict.reason = std::move(reason);
  return verdict;
}

TaskVerdict not_gated(TaskVerdict verdict, std::string reason) {
  verdict.verdict = Verdict::kNotGated;
  verdict.reason = std::move(reason);
  return verdict;
}

std::string describe_allowance(const RegressionAllowance& regression, double baseline) {
  if (regression.mode == RegressionAllowance::Mode::kAbsolute) {
    return fmt::format("{:.6g}", regression.value);
  }
  return fmt::format("{:.6g} ({:.6g}% of the baseline {:.6g})", allowed_regression(regression, baseline),
                     regression.value * 100.0, baseline);
}

// Compares the rule's metric once both models have the task with the same kind.
TaskVerdict compare_metric(TaskVerdict verdict, const GateRule& rule, const TaskMetrics& baseline,
                           const TaskMetrics& candidate) {
  const MetricValue* before = baseline.find(rule.metric);
  const MetricValue* after = candidate.find(rule.metric);
  if (before == nullptr) {
    return blocked(verdict, fmt::format("the baseline has no metric \"{}\"", rule.metric));
  }
  verdict.higher_is_better = before->higher_is_better;
  verdict.baseline = before->value;
  verdict.allowed = allowed_regression(rule.max_regression, before->value);
  if (after == nullptr) {
    return blocked(verdict, fmt::format("the candidate has no metric \"{}\"", rule.metric));
  }
  verdict.candidate = after->value;
  verdict.delta = after->value - before->value;

  if (after->higher_is_better != before->higher_is_better) {
    return blocked(verdict, fmt::format("the direction of \"{}\" differs between baseline and "
                                        "candidate, so they cannot be compared",
                                        rule.metric));
  }
  if (!std::isfinite(before->value) || !std::isfinite(after->value)) {
    return blocked(verdict, fmt::format("\"{}\" is {} in the baseline and {} in the candidate, "
                                        "expected finite values on both sides",
                                        rule.metric, before->value, after->value));
  }

  double worsening = before->higher_is_better ? -verdict.delta : verdict.delta;
  double slack = kRoundingSlack * std::max({1.0, std::fabs(before->value), std::fabs(after->value)});
  if (worsening > verdict.allowed + slack) {
    return blocked(verdict, fmt::format("{} {} by {:.6g}, more than the allowed {}", rule.metric,
                                        before->higher_is_better ? "fell" : "rose", worsening,
                                        describe_allowance(rule.max_regression, before->value)));
  }
  return verdict;
}

TaskVerdict compare_task(const GateRule* rule, const std::string& task,
                         const TaskMetrics* baseline, const TaskMetrics* candidate) {
  TaskVerdict verdict;
  verdict.task = task;
  verdict.baseline = detail::kUndefined;
  verdict.candidate = detail::kUndefined;
  verdict.delta = detail::kUndefined;
  verdict.allowed = detail::kUndefined;
  if (baseline != nullptr) {
    verdict.baseline_kind = baseline->kind;
  }
  if (candidate != nullptr) {
    verdict.candidate_kind = candidate->kind;
  }
  if (rule != nullptr) {
    verdict.metric = rule->metric;
    if (rule->gated) {
      verdict.max_regression = rule->max_regression;
    }
  }

  if (rule != nullptr && !rule->gated) {
    return not_gated(verdict, "the policy marks the task as not gated");
  }
  if (baseline == nullptr && candidate == nullptr) {
    return blocked(verdict, fmt::format("the policy names task \"{}\", but neither model has it; "
                                        "check the task name in the policy",
                                        task));
  }
  if (baseline == nullptr) {
    return not_gated(verdict, "a new task: the baseline has no such task to compare with");
  }
  if (candidate == nullptr) {
    return blocked(verdict, fmt::format("the candidate has no task \"{}\"", task));
  }
  if (baseline->kind != candidate->kind) {
    return blocked(verdict, fmt::format("the task's kind changed from {} to {}",
                                        to_string(baseline->kind), to_string(candidate->kind)));
  }
  if (rule == nullptr) {
    if (baseline->kind == TaskKind::kCustom) {
      return not_gated(verdict, "custom tasks have no metrics");
    }
    return blocked(verdict, "no gate rule: set metric and max_regression in the manifest or the "
                            "policy, or mark the task \"gated\": false");
  }
  return compare_metric(verdict, *rule, *baseline, *candidate);
}

}  // namespace

const char* to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kBlocked:
      return "blocked";
    case Verdict::kNotGated:
      return "not_gated";
  }
  return "unknown";
}

bool GateReport::promote() const noexcept {
  return std::none_of(tasks.begin(), tasks.end(),
                      [](const TaskVerdict& task) { return task.verdict == Verdict::kBlocked; });
}

GateReport run_gate(const GatePolicy& policy, const std::vector<TaskMetrics>& baseline,
                    const std::vector<TaskMetrics>& candidate) {
  check_unique(baseline, "baseline");
  check_unique(candidate, "candidate");

  GateReport report;
  for (const TaskMetrics& task : baseline) {
    report.tasks.push_back(compare_task(policy.find(task.task), task.task, &task,
                                        find_task(candidate, task.task)));
  }
  for (const TaskMetrics& task : candidate) {
    if (find_task(baseline, task.task) == nullptr) {
      report.tasks.push_back(compare_task(policy.find(task.task), task.task, nullptr, &task));
    }
  }
  for (const GateRule& rule : policy.rules()) {
    if (find_task(baseline, rule.task) == nullptr && find_task(candidate, rule.task) == nullptr) {
      report.tasks.push_back(compare_task(&rule, rule.task, nullptr, nullptr));
    }
  }
  return report;
}

int gate_exit_code(const std::function<GateReport()>& gate, std::ostream& errors) {
  try {
    return gate().exit_code();
  } catch (const Error& error) {
    errors << "error (" << to_string(error.code()) << "): " << error.what() << "\n";
  } catch (const std::exception& error) {
    errors << "error: " << error.what() << "\n";
  }
  return kExitError;
}

}  // namespace mtl::eval
