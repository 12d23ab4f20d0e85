#include "mtl/model_gate.h"

#include <fmt/format.h>

#include <limits>

#include "mtl/error.h"

namespace mtl {
namespace {

// A report that blocks every baseline task for one reason, used when the candidate cannot run.
eval::GateReport block_all(const std::vector<eval::TaskMetrics>& baseline, const eval::GatePolicy& policy,
                           const std::string& reason) {
  eval::GateReport report;
  for (const eval::TaskMetrics& metrics : baseline) {
    eval::TaskVerdict verdict;
    verdict.task = metrics.task;
    verdict.baseline_kind = metrics.kind;
    if (const eval::GateRule* rule = policy.find(metrics.task)) {
      verdict.metric = rule->metric;
      if (const eval::MetricValue* value = metrics.find(rule->metric)) {
        verdict.baseline = value->value;
        verdict.higher_is_better = value->higher_is_better;
      }
    }
    // Nothing of the candidate was measured, so its figures are undefined (n/a, null in JSON).
    verdict.candidate = std::numeric_limits<double>::quiet_NaN();
    verdict.delta = std::numeric_limits<double>::quiet_NaN();
    verdict.allowed = std::numeric_limits<double>::quiet_NaN();
    verdict.verdict = eval::Verdict::kBlocked;
    verdict.reason = reason;
    report.tasks.push_back(std::move(verdict));
  }
  return report;
}

}  // namespace

GateOutcome gate_candidate(const eval::GatePolicy& policy, const std::vector<eval::TaskMetrics>& baseline,
                           const std::function<MultiTaskModel()>& load_candidate, const eval::EvalDataset& dataset,
                           const EvaluateOptions& options) {
  GateOutcome outcome;
  std::optional<MultiTaskModel> candidate;
  try {
    candidate = load_candidate();
  } catch (const std::exception& error) {
    outcome.candidate_failure = fmt::format("the candidate failed to load: {}", error.what());
  }

  if (candidate) {
    // Evaluate every task the candidate has, so a task it dropped or changed shows in the report.
    EvaluateOptions candidate_options = options;
    candidate_options.tasks.reset();
    try {
      outcome.candidate = evaluate_model(*candidate, dataset, candidate_options);
    } catch (const Error& error) {
      // The set was validated when it loaded, so only a file that vanished since is not the
      // candidate's fault.
      if (error.code() == ErrorCode::kIo || error.code() == ErrorCode::kNotFound) {
        throw;
      }
      outcome.candidate_failure = fmt::format("the candidate failed on the evaluation set: {}", error.what());
    } catch (const std::exception& error) {
      // Anything else thrown while the candidate runs is the candidate's failure too.
      outcome.candidate_failure = fmt::format("the candidate failed on the evaluation set: {}", error.what());
    }
  }

  if (!outcome.candidate_failure.empty()) {
    outcome.report = block_all(baseline, policy, outcome.candidate_failure);
    return outcome;
  }
  outcome.report = eval::run_gate(policy, baseline, outcome.candidate->tasks);
  return outcome;
}

}  // namespace mtl
