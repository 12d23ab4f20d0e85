#include "mtl/eval/gate_policy.h"

#include <doctest/doctest.h>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

TaskInfo manifest_task(const std::string& name, TaskKind kind, const std::string& metric,
                       RegressionAllowance allowance = {}) {
  TaskInfo task;
  task.name = name;
  task.kind = kind;
  task.metric = metric;
  task.max_regression = allowance;
  return task;
}

std::vector<TaskInfo> manifest() {
  return {
      manifest_task("det", TaskKind::kDetection, "map50",
                    RegressionAllowance{RegressionAllowance::Mode::kAbsolute, 0.02}),
      manifest_task("depth", TaskKind::kDepth, "rmse"),
      manifest_task("raw", TaskKind::kCustom, ""),
      manifest_task("seg", TaskKind::kSegmentation, ""),
  };
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("policy from manifest keeps tasks with metric") {
  GatePolicy policy = GatePolicy::from_manifest(manifest());
  REQUIRE(policy.rules().size() == 2);
  const GateRule* rule = policy.find("det");
  REQUIRE(rule != nullptr);
  CHECK(rule->metric == "map50");
  CHECK(rule->max_regression.value == 0.02);
  CHECK(rule->gated);

  // No max_regression in the manifest: the parser's default, no worsening at all.
  const GateRule* depth = policy.find("depth");
  REQUIRE(depth != nullptr);
  CHECK(depth->max_regression.mode == RegressionAllowance::Mode::kAbsolute);
  CHECK(depth->max_regression.value == 0.0);
  CHECK(policy.find("raw") == nullptr);
  CHECK(policy.find("seg") == nullptr);
}

TEST_CASE("policy file overrides manifest") {
  GatePolicy policy = GatePolicy::parse(R"({
    "format": "mtl-gate-policy", "format_version": 1,
    "tasks": {
      "det": {"metric": "map", "max_regression": {"relative": 0.05}},
      "depth": {"max_regression": {"absolute": 0.01}},
      "raw": {"gated": false}
    }
  })", manifest());

  const GateRule* det = policy.find("det");
  REQUIRE(det != nullptr);
  CHECK(det->metric == "map");
  CHECK(det->max_regression.mode == RegressionAllowance::Mode::kRelative);
  CHECK(det->max_regression.value == 0.05);

  const GateRule* depth = policy.find("depth");
  REQUIRE(depth != nullptr);
  CHECK(depth->metric == "rmse");
  CHECK(depth->max_regression.mode == RegressionAllowance::Mode::kAbsolute);
  CHECK(depth->max_regression.value == 0.01);

  const GateRule* raw = policy.find("raw");
  REQUIRE(raw != nullptr);
  CHECK_FALSE(raw->gated);
}

TEST_CASE("policy adds task unknown to manifest") {
  GatePolicy policy = GatePolicy::parse(
      R"({"tasks": {"seg": {"metric": "miou", "max_regression": {"absolute": 0.0}}}})", {});
  REQUIRE(policy.find("seg") != nullptr);
  CHECK(policy.find("seg")->max_regression.value == 0.0);
}

TEST_CASE("policy allowance in metric units") {
  RegressionAllowance absolute{RegressionAllowance::Mode::kAbsolute, 0.02};
  RegressionAllowance relative{RegressionAllowance::Mode::kRelative, 0.1};
  CHECK(allowed_regression(absolute, 0.5) == doctest::Approx(0.02));
  CHECK(allowed_regression(relative, 0.5) == doctest::Approx(0.05));
  CHECK(allowed_regression(relative, -2.0) == doctest::Approx(0.2));
}

TEST_CASE("policy rejects invalid files") {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"tasks": {"det": {"max_regresion": {"absolute": 0.1}}}})",
       "tasks.det has the unknown key \"max_regresion\""},
      {R"({"task": {}})", "the top level has the unknown key \"task\""},
      {R"({"tasks": {"det": {"max_regression": {"absolute": 0.1, "relative": 0.1}}}})",
       "expected exactly one of"},
      {R"({"tasks": {"det": {"max_regression": {"absolute": -0.1}}}})", "value -0.1 is invalid"},
      {R"({"tasks": {"det": {"max_regression": {"absolute": "0.1"}}}})", "expected a finite number"},
      {R"({"tasks": {"det": {"metric": "mAP"}}})", "metric \"mAP\" is not reported for detection"},
      {R"({"tasks": {"seg": {"metric": "miou"}}})", "without a max_regression"},
      {R"({"tasks": {"new": {"max_regression": {"absolute": 0.1}}}})", "without a metric"},
      {R"({"tasks": {"det": {"gated": "no"}}})", "expected true or false"},
      {R"({"format": "other"})", "format is \"other\""},
      {R"({"format_version": 2})", "reads only version 1"},
      {R"({"tasks": [1, 2]})", "expected a JSON object"},
      {R"({"tasks": {)", "malformed JSON"},
  };

  for (const Case& entry : cases) {
    INFO("policy: " << entry.text);
    auto error = catch_error([&] { GatePolicy::parse(entry.text, manifest(), "policy.json"); });
    REQUIRE(error);
    CHECK(error->code == ErrorCode::kInvalidData);
    INFO("message: " << error->message);
    CHECK(contains(error->message, "policy.json"));
    CHECK(contains(error->message, entry.expected));
  }
}

TEST_CASE("policy rejects invalid manifest values") {
  std::vector<TaskInfo> wrong_metric = {manifest_task("det", TaskKind::kDetection, "miou")};
  auto metric = catch_error([&] { GatePolicy::from_manifest(wrong_metric); });
  REQUIRE(metric);
  CHECK(contains(metric->message, "manifest task \"det\""));
  CHECK(contains(metric->message, "expected one of map50, map or a per-label metric"));

  std::vector<TaskInfo> negative = {manifest_task(
      "det", TaskKind::kDetection, "map50",
      RegressionAllowance{RegressionAllowance::Mode::kRelative, -1.0})};
  CHECK(catch_error([&] { GatePolicy::from_manifest(negative); }).has_value());
}

TEST_CASE("policy load reports missing file") {
  testing::TempDir folder;
  auto missing = catch_error([&] { GatePolicy::load(folder.path() / "policy.json", {}); });
  REQUIRE(missing);
  CHECK(missing->code == ErrorCode::kNotFound);
  CHECK(contains(missing->message, "policy.json"));

  testing::write_text(folder.path() / "policy.json",
                      R"({"tasks": {"cls": {"metric": "top5", "max_regression": {"absolute": 0.01}}}})");
  GatePolicy policy = GatePolicy::load(folder.path() / "policy.json", {});
  CHECK(policy.find("cls") != nullptr);
}

TEST_CASE("policy set rule replaces and validates") {
  GatePolicy policy;
  policy.set_rule(GateRule{"det", "map50", RegressionAllowance{}, true});
  policy.set_rule(GateRule{"det", "map", RegressionAllowance{}, true});
  REQUIRE(policy.rules().size() == 1);
  CHECK(policy.find("det")->metric == "map");

  auto empty_metric = catch_error([&] { policy.set_rule(GateRule{"seg", "", RegressionAllowance{}, true}); });
  REQUIRE(empty_metric);
  CHECK(empty_metric->code == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mtl::eval
