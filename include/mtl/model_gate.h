// gate_candidate: evaluates a candidate model and decides whether it may replace the baseline.
//
// The candidate is loaded through a caller-supplied function, so a candidate that fails to load
// or to run is reported as blocked with the error as the reason, instead of escaping as an
// exception: for a deployment pipeline a broken candidate is a negative verdict, not a crash.
//
// Thread safety: as evaluate_model.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mtl/eval/gate_policy.h"
#include "mtl/eval/gate_report.h"
#include "mtl/model_evaluation.h"
#include "mtl/multi_task_model.h"

namespace mtl {

struct GateOutcome {
  eval::GateReport report;
  std::optional<EvaluationReport> candidate;  ///< Empty when the candidate failed.
  std::string candidate_failure;              ///< Why the candidate could not be evaluated, or empty.
};

/// Loads the candidate with `load_candidate`, evaluates it on `dataset` (with `options`) and
/// gates its metrics against `baseline` under `policy`.
/// Throws: mtl::Error only for problems of the set or the policy; a failing candidate is blocked.
GateOutcome gate_candidate(const eval::GatePolicy& policy, const std::vector<eval::TaskMetrics>& baseline,
                           const std::function<MultiTaskModel()>& load_candidate, const eval::EvalDataset& dataset,
                           const EvaluateOptions& options = {});

}  // namespace mtl
