// mtl::eval::GateReport and run_gate(): the deployment gate's decision on a candidate model.
//
// run_gate() compares the metrics of a candidate model with those of the baseline, task by task,
// under a GatePolicy, and needs no model. A task blocks promotion when its gated metric worsens
// by more than the policy allows, in the metric's own direction, so a lower-is-better metric
// worsens when it rises. A task also blocks when the candidate lacks the task or the metric, when
// the task changed kind, or when a value is NaN or infinite. A worsening exactly at the allowance
// passes. The report renders as a fixed-width table for people and as JSON for machines, and maps
// to the exit codes 0 (promote), 1 (blocked) and 2 (error).
//
// Thread safety: run_gate() and the const functions are pure and safe for concurrent use.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mtl/eval/gate_policy.h"
#include "mtl/eval/metric_value.h"
#include "mtl/task_info.h"

namespace mtl::eval {

/// The exit code of a gate run that promotes the candidate.
inline constexpr int kExitPromote = 0;
/// The exit code of a gate run that blocks the candidate.
inline constexpr int kExitBlocked = 1;
/// The exit code of a gate run that failed before it could decide, such as on a bad file.
inline constexpr int kExitError = 2;

/// The outcome for one task.
enum class Verdict {
  kPass,      ///< Within the allowance.
  kBlocked,   ///< Blocks promotion; `reason` says why.
  kNotGated,  ///< Reported only: a custom task, a task marked not gated, or a new task.
};

/// Returns "pass", "blocked" or "not_gated".
const char* to_string(Verdict verdict) noexcept;

/// The comparison of one task. Numbers are NaN where they could not be determined, such as the
/// candidate value of a missing task.
struct TaskVerdict {
  std::string task;
  std::optional<TaskKind> baseline_kind;   ///< Empty when the baseline lacks the task.
  std::optional<TaskKind> candidate_kind;  ///< Empty when the candidate lacks the task.
  std::string metric;                      ///< Empty when no rule names one.
  bool higher_is_better = true;
  double baseline = 0.0;
  double candidate = 0.0;
  double delta = 0.0;    ///< candidate - baseline.
  double allowed = 0.0;  ///< The allowed worsening in the metric's units.
  std::optional<RegressionAllowance> max_regression;
  Verdict verdict = Verdict::kPass;
  std::string reason;  ///< Why the task is blocked or not gated; empty for a pass.
};

/// The gate's decision over all tasks.
struct GateReport {
  /// Baseline tasks in their order, then tasks only the candidate has, then tasks that only the
  /// policy names.
  std::vector<TaskVerdict> tasks;

  /// Returns whether no task is blocked.
  bool promote() const noexcept;

  /// Returns kExitPromote or kExitBlocked.
  int exit_code() const noexcept { return promote() ? kExitPromote : kExitBlocked; }

  /// Renders the report as a fixed-width table with one row per task, then one line per blocked
  /// task with its reason, then the decision. Values have 4 decimals, reasons 6 significant digits.
  std::string format_table() const;

  /// Renders the report as JSON (format in docs/evaluation.md). NaN values are written as null.
  std::string to_json() const;
};

/// Compares `candidate` with `baseline` under `policy`.
///
/// Returns: the report, whose promote() is the decision.
/// Throws: mtl::Error with kInvalidArgument when `baseline` or `candidate` names a task twice.
GateReport run_gate(const GatePolicy& policy, const std::vector<TaskMetrics>& baseline,
                    const std::vector<TaskMetrics>& candidate);

/// Runs `gate`, a function that loads, compares and prints a report, and returns its exit code:
/// the report's exit_code(), or kExitError when `gate` throws, after writing the error's message
/// to `errors`.
int gate_exit_code(const std::function<GateReport()>& gate, std::ostream& errors);

}  // namespace mtl::eval
