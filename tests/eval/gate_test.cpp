#include "mtl/eval/gate_report.h"

#include <cmath>
#include <limits>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mtl::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TaskMetrics task(const std::string& name, TaskKind kind, const std::string& metric, double value,
                 bool higher_is_better = true) {
  TaskMetrics metrics;
  metrics.task = name;
  metrics.kind = kind;
  metrics.set(metric, value, higher_is_better);
  return metrics;
}

GatePolicy policy(const std::string& name, const std::string& metric,
                  RegressionAllowance regression) {
  GatePolicy result;
  result.set_rule(GateRule{name, metric, regression, true});
  return result;
}

RegressionAllowance absolute(double value) {
  return RegressionAllowance{RegressionAllowance::Mode::kAbsolute, value};
}

RegressionAllowance relative(double value) {
  return RegressionAllowance{RegressionAllowance::Mode::kRelative, value};
}

// Gates one detection-like task whose metric rises with quality.
Verdict gate_higher(double baseline, double candidate, RegressionAllowance regression) {
  GateReport report = run_gate(policy("det", "map50", regression),
                               {task("det", TaskKind::kDetection, "map50", baseline)},
                               {task("det", TaskKind::kDetection, "map50", candidate)});
  return report.tasks.at(0).verdict;
}

// Gates one depth task whose metric falls with quality.
Verdict gate_lower(double baseline, double candidate, RegressionAllowance regression) {
  GateReport report = run_gate(policy("depth", "rmse", regression),
                               {task("depth", TaskKind::kDepth, "rmse", baseline, false)},
                               {task("depth", TaskKind::kDepth, "rmse", candidate, false)});
  return report.tasks.at(0).verdict;
}

TEST_CASE("gate absolute allowance for rising metric") {
  CHECK(gate_higher(0.80, 0.78, absolute(0.02)) == Verdict::kPass);
  CHECK(gate_higher(0.80, 0.7801, absolute(0.02)) == Verdict::kPass);
  CHECK(gate_higher(0.80, 0.779999, absolute(0.02)) == Verdict::kBlocked);
  CHECK(gate_higher(0.80, 0.95, absolute(0.0)) == Verdict::kPass);
  CHECK(gate_higher(0.80, 0.799999, absolute(0.0)) == Verdict::kBlocked);
}

TEST_CASE("gate absolute allowance for falling metric") {
  CHECK(gate_lower(0.40, 0.42, absolute(0.02)) == Verdict::kPass);
  CHECK(gate_lower(0.40, 0.4199, absolute(0.02)) == Verdict::kPass);
  CHECK(gate_lower(0.40, 0.420001, absolute(0.02)) == Verdict::kBlocked);
  CHECK(gate_lower(0.40, 0.10, absolute(0.0)) == Verdict::kPass);
}

TEST_CASE("gate relative allowance for rising metric") {
  // 10% of 0.5 allows a fall of 0.05.
  CHECK(gate_higher(0.5, 0.45, relative(0.1)) == Verdict::kPass);
  CHECK(gate_higher(0.5, 0.4501, relative(0.1)) == Verdict::kPass);
  CHECK(gate_higher(0.5, 0.449999, relative(0.1)) == Verdict::kBlocked);
}

TEST_CASE("gate relative allowance for falling metric") {
  // 10% of 0.2 allows a rise of 0.02.
  CHECK(gate_lower(0.2, 0.22, relative(0.1)) == Verdict::kPass);
  CHECK(gate_lower(0.2, 0.2199, relative(0.1)) == Verdict::kPass);
  CHECK(gate_lower(0.2, 0.220001, relative(0.1)) == Verdict::kBlocked);
}

TEST_CASE("gate report fills numbers") {
  GateReport report = run_gate(policy("depth", "rmse", relative(0.05)),
                               {task("depth", TaskKind::kDepth, "rmse", 0.4, false)},
                               {task("depth", TaskKind::kDepth, "rmse", 0.45, false)});
  const TaskVerdict& verdict = report.tasks.at(0);
  CHECK(verdict.baseline == doctest::Approx(0.4));
  CHECK(verdict.candidate == doctest::Approx(0.45));
  CHECK(verdict.delta == doctest::Approx(0.05));
  CHECK(verdict.allowed == doctest::Approx(0.02));
  CHECK_FALSE(verdict.higher_is_better);
  CHECK(verdict.verdict == Verdict::kBlocked);
  CHECK(verdict.reason.find("rmse rose by 0.05") != std::string::npos);
  CHECK(verdict.reason.find("5% of the baseline 0.4") != std::string::npos);
  CHECK_FALSE(report.promote());
  CHECK(report.exit_code() == kExitBlocked);
}

TEST_CASE("gate blocks missing candidate task") {
  GateReport report = run_gate(policy("det", "map50", absolute(0.02)),
                               {task("det", TaskKind::kDetection, "map50", 0.5)}, {});
  REQUIRE(report.tasks.size() == 1);
  CHECK(report.tasks[0].verdict == Verdict::kBlocked);
  CHECK(report.tasks[0].reason.find("the candidate has no task \"det\"") != std::string::npos);
  CHECK_FALSE(report.tasks[0].candidate_kind.has_value());
}

TEST_CASE("gate blocks changed kind") {
  GateReport report = run_gate(policy("head", "map50", absolute(0.02)),
                               {task("head", TaskKind::kDetection, "map50", 0.5)},
                               {task("head", TaskKind::kSegmentation, "map50", 0.5)});
  CHECK(report.tasks.at(0).verdict == Verdict::kBlocked);
  CHECK(report.tasks.at(0).reason.find("from detection to segmentation") != std::string::npos);
}

TEST_CASE("gate blocks NaN values") {
  CHECK(gate_higher(0.5, kNaN, absolute(0.02)) == Verdict::kBlocked);
  CHECK(gate_higher(kNaN, 0.5, absolute(0.02)) == Verdict::kBlocked);
  CHECK(gate_lower(0.5, std::numeric_limits<double>::infinity(), absolute(0.02)) == Verdict::kBlocked);
}

TEST_CASE("gate blocks missing metric") {
  GateReport missing_candidate = run_gate(policy("det", "map", absolute(0.02)),
                                          {task("det", TaskKind::kDetection, "map", 0.5)},
                                          {task("det", TaskKind::kDetection, "map50", 0.5)});
  CHECK(missing_candidate.tasks.at(0).verdict == Verdict::kBlocked);
  CHECK(missing_candidate.tasks.at(0).reason.find("the candidate has no metric \"map\"") != std::string::npos);

  GateReport missing_baseline = run_gate(policy("det", "map", absolute(0.02)),
                                         {task("det", TaskKind::kDetection, "map50", 0.5)},
                                         {task("det", TaskKind::kDetection, "map", 0.5)});
  CHECK(missing_baseline.tasks.at(0).verdict == Verdict::kBlocked);
}

TEST_CASE("gate blocks task without rule") {
  GateReport report = run_gate(GatePolicy(), {task("det", TaskKind::kDetection, "map50", 0.5)},
                               {task("det", TaskKind::kDetection, "map50", 0.6)});
  CHECK(report.tasks.at(0).verdict == Verdict::kBlocked);
  CHECK(report.tasks.at(0).reason.find("no gate rule") != std::string::npos);
}

TEST_CASE("gate skips custom and new tasks") {
  TaskMetrics custom;
  custom.task = "embedding";
  custom.kind = TaskKind::kCustom;
  GateReport report = run_gate(GatePolicy(), {custom},
                               {custom, task("det", TaskKind::kDetection, "map50", 0.6)});
  REQUIRE(report.tasks.size() == 2);
  CHECK(report.tasks[0].verdict == Verdict::kNotGated);
  CHECK(report.tasks[1].task == "det");
  CHECK(report.tasks[1].verdict == Verdict::kNotGated);
  CHECK(report.tasks[1].reason.find("new task") != std::string::npos);
  CHECK(report.promote());
}

TEST_CASE("gate honours not gated rule") {
  GatePolicy rules;
  rules.set_rule(GateRule{"det", "", RegressionAllowance{}, false});
  GateReport report = run_gate(rules, {task("det", TaskKind::kDetection, "map50", 0.9)},
                               {task("det", TaskKind::kDetection, "map50", 0.1)});
  CHECK(report.tasks.at(0).verdict == Verdict::kNotGated);
  CHECK(report.promote());
}

TEST_CASE("gate blocks policy task nobody has") {
  GateReport report = run_gate(policy("dett", "map50", absolute(0.02)),
                               {task("det", TaskKind::kDetection, "map50", 0.5)},
                               {task("det", TaskKind::kDetection, "map50", 0.5)});
  REQUIRE(report.tasks.size() == 2);
  CHECK(report.tasks[1].task == "dett");
  CHECK(report.tasks[1].verdict == Verdict::kBlocked);
  CHECK(report.tasks[1].reason.find("neither model has it") != std::string::npos);
}

TEST_CASE("gate rejects duplicate task names") {
  auto error = testing::catch_error([] {
    run_gate(GatePolicy(), {task("det", TaskKind::kDetection, "map50", 0.5),
                            task("det", TaskKind::kDetection, "map50", 0.5)}, {});
  });
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kInvalidArgument);
  CHECK(error->message.find("baseline metrics name task \"det\" twice") != std::string::npos);
}

TEST_CASE("gate table shows rows and decision") {
  GatePolicy rules = policy("det", "map50", absolute(0.02));
  rules.set_rule(GateRule{"depth", "rmse", relative(0.05), true});
  GateReport report = run_gate(rules,
                               {task("det", TaskKind::kDetection, "map50", 0.612),
                                task("depth", TaskKind::kDepth, "rmse", 0.41, false)},
                               {task("det", TaskKind::kDetection, "map50", 0.601),
                                task("depth", TaskKind::kDepth, "rmse", 0.45, false)});
  std::string table = report.format_table();

  CHECK(table.find("task   kind       metric  better  baseline  candidate    delta  allowed  verdict") == 0);
  CHECK(table.find("det    detection  map50   higher    0.6120     0.6010  -0.0110   0.0200  pass") != std::string::npos);
  CHECK(table.find("depth  depth      rmse    lower     0.4100     0.4500  +0.0400   0.0205  blocked") != std::string::npos);
  CHECK(table.find("blocked depth: rmse rose by 0.04") != std::string::npos);
  CHECK(table.find("decision: blocked (1 of 2 tasks blocked), exit code 1") != std::string::npos);
}

TEST_CASE("gate JSON carries every field") {
  GateReport report = run_gate(policy("det", "map50", absolute(0.02)),
                               {task("det", TaskKind::kDetection, "map50", 0.5)},
                               {task("det", TaskKind::kDetection, "map50", kNaN)});
  nlohmann::json json = nlohmann::json::parse(report.to_json());

  CHECK(json["decision"] == "blocked");
  CHECK(json["exit_code"] == 1);
  const nlohmann::json& entry = json["tasks"][0];
  CHECK(entry["task"] == "det");
  CHECK(entry["baseline_kind"] == "detection");
  CHECK(entry["candidate_kind"] == "detection");
  CHECK(entry["metric"] == "map50");
  CHECK(entry["higher_is_better"] == true);
  CHECK(entry["baseline"] == 0.5);
  CHECK(entry["candidate"].is_null());
  CHECK(entry["delta"].is_null());
  CHECK(entry["max_regression"]["absolute"] == 0.02);
  CHECK(entry["allowed"] == 0.02);
  CHECK(entry["verdict"] == "blocked");
  CHECK(entry["reason"].get<std::string>().find("nan") != std::string::npos);
}

TEST_CASE("gate exit codes cover all outcomes") {
  std::ostringstream errors;
  GateReport passing = run_gate(policy("det", "map50", absolute(0.02)),
                                {task("det", TaskKind::kDetection, "map50", 0.5)},
                                {task("det", TaskKind::kDetection, "map50", 0.5)});
  CHECK(gate_exit_code([&] { return passing; }, errors) == kExitPromote);

  GateReport failing = run_gate(GatePolicy(), {task("det", TaskKind::kDetection, "map50", 0.5)}, {});
  CHECK(gate_exit_code([&] { return failing; }, errors) == kExitBlocked);
  CHECK(errors.str().empty());

  int code = gate_exit_code(
      []() -> GateReport { throw Error(ErrorCode::kNotFound, "baseline.json: the file does not exist"); },
      errors);
  CHECK(code == kExitError);
  CHECK(errors.str().find("error (not_found): baseline.json") != std::string::npos);
}

}  // namespace
}  // namespace mtl::eval
