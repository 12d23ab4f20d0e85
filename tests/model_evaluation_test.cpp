#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "mtl/error.h"
#include "mtl/eval/gate_policy.h"
#include "mtl/model_evaluation.h"
#include "mtl/model_gate.h"
#include "test_support.h"

using mtl::EvaluateOptions;
using mtl::MultiTaskModel;
using mtl::eval::EvalDataset;
using mtl::test::fixture;
using mtl::test::test_options;

namespace {

const EvalDataset& tiny_set() {
  static const EvalDataset dataset = EvalDataset::load(fixture("tiny_eval"));
  return dataset;
}

double metric(const mtl::EvaluationReport& report, const std::string& task, const std::string& name) {
  const mtl::eval::TaskMetrics* metrics = report.find(task);
  REQUIRE_MESSAGE(metrics != nullptr, "task " << task << " was not evaluated");
  const mtl::eval::MetricValue* value = metrics->find(name);
  REQUIRE_MESSAGE(value != nullptr, "metric " << name << " is missing");
  return value->value;
}

mtl::GateOutcome gate(const std::string& baseline_file, const std::function<MultiTaskModel()>& candidate) {
  const MultiTaskModel baseline = MultiTaskModel::load(fixture(baseline_file), test_options());
  const mtl::EvaluationReport report = mtl::evaluate_model(baseline, tiny_set());
  const mtl::eval::GatePolicy policy = mtl::eval::GatePolicy::from_manifest(baseline.tasks());
  return mtl::gate_candidate(policy, report.tasks, candidate, tiny_set());
}

}  // namespace

TEST_CASE("evaluation scores every labelled task") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  std::size_t last_done = 0;
  std::size_t calls = 0;
  EvaluateOptions options;
  options.progress = [&](std::size_t done, std::size_t total) {
    CHECK(total == 6);
    CHECK(done == last_done + 1);
    last_done = done;
    ++calls;
  };
  const mtl::EvaluationReport report = mtl::evaluate_model(model, tiny_set(), options);

  CHECK(report.model_name == "tiny");
  CHECK(report.images == 6);
  CHECK(calls == 6);
  REQUIRE(report.tasks.size() == 4);
  CHECK(report.skipped.empty());
  for (const char* task : {"det", "seg", "cls", "depth"}) {
    CAPTURE(task);
    CHECK(report.find(task) != nullptr);
  }
  CHECK(metric(report, "seg", "miou") >= 0.0);
  CHECK(metric(report, "seg", "miou") <= 1.0);
  CHECK(metric(report, "cls", "accuracy") >= 0.0);
  CHECK(metric(report, "depth", "rmse") > 0.0);
  CHECK(report.model_seconds > 0.0);
  CHECK(report.metrics_seconds >= 0.0);
  CHECK(report.total_seconds >= report.model_seconds);
}

TEST_CASE("evaluation is deterministic and honours limits") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const mtl::EvaluationReport first = mtl::evaluate_model(model, tiny_set());
  const mtl::EvaluationReport second = mtl::evaluate_model(model, tiny_set());
  CHECK(metric(first, "seg", "miou") == metric(second, "seg", "miou"));
  CHECK(metric(first, "depth", "abs_rel") == metric(second, "depth", "abs_rel"));

  EvaluateOptions options;
  options.max_images = 2;
  options.tasks = model.mask("seg");
  const mtl::EvaluationReport limited = mtl::evaluate_model(model, tiny_set(), options);
  CHECK(limited.images == 2);
  REQUIRE(limited.tasks.size() == 1);
  CHECK(limited.tasks[0].task == "seg");
}

TEST_CASE("evaluation skips tasks without labels") {
  // raising.pt has a classification task and two custom ones; only the former can be scored.
  const MultiTaskModel model = MultiTaskModel::load(fixture("raising.pt"), test_options());
  const mtl::EvaluationReport report = mtl::evaluate_model(model, tiny_set());
  REQUIRE(report.tasks.size() == 1);
  CHECK(report.tasks[0].task == "cls");
  CHECK(report.skipped.size() == 2);

  EvaluateOptions options;
  options.tasks = model.mask("energy");
  CHECK_THROWS_WITH_AS(mtl::evaluate_model(model, tiny_set(), options), doctest::Contains("'energy'"), mtl::Error);
}

TEST_CASE("gate promotes an identical candidate") {
  const mtl::GateOutcome outcome =
      gate("tiny.pt", [] { return MultiTaskModel::load(fixture("tiny.pt"), test_options()); });
  CHECK(outcome.report.promote());
  CHECK(outcome.report.exit_code() == 0);
  CHECK(outcome.candidate_failure.empty());
}

TEST_CASE("gate blocks a candidate that fails to load") {
  const mtl::GateOutcome outcome =
      gate("tiny.pt", [] { return MultiTaskModel::load(fixture("manifest_not_json.pt"), test_options()); });
  CHECK_FALSE(outcome.report.promote());
  CHECK(outcome.report.exit_code() == 1);
  CHECK(outcome.candidate_failure.find("failed to load") != std::string::npos);
  REQUIRE(outcome.report.tasks.size() == 4);
  for (const auto& verdict : outcome.report.tasks) {
    CHECK(verdict.verdict == mtl::eval::Verdict::kBlocked);
  }
}

TEST_CASE("gate blocks a changed task kind") {
  const mtl::GateOutcome outcome =
      gate("tiny.pt", [] { return MultiTaskModel::load(fixture("tiny_kind_changed.pt"), test_options()); });
  CHECK_FALSE(outcome.report.promote());
  bool found = false;
  for (const auto& verdict : outcome.report.tasks) {
    if (verdict.task == "cls") {
      found = true;
      CHECK(verdict.verdict == mtl::eval::Verdict::kBlocked);
      CHECK(verdict.reason.find("kind changed") != std::string::npos);
    } else {
      CHECK(verdict.verdict == mtl::eval::Verdict::kPass);
    }
  }
  CHECK(found);
}

TEST_CASE("gate blocks missing tasks") {
  const mtl::GateOutcome outcome =
      gate("tiny.pt", [] { return MultiTaskModel::load(fixture("raising.pt"), test_options()); });
  CHECK_FALSE(outcome.report.promote());
  int blocked = 0;
  for (const auto& verdict : outcome.report.tasks) {
    if (verdict.verdict == mtl::eval::Verdict::kBlocked) {
      ++blocked;
    }
  }
  CHECK(blocked == 3);  // det, seg and depth are gone; raising.pt has a cls task too
}
