#include "mtl/eval/metrics_io.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

std::vector<TaskMetrics> sample() {
  TaskMetrics detection;
  detection.task = "det";
  detection.kind = TaskKind::kDetection;
  detection.set("map50", 0.61234, true);
  detection.set("ap50/Bag", std::numeric_limits<double>::quiet_NaN(), true);

  TaskMetrics depth;
  depth.task = "depth";
  depth.kind = TaskKind::kDepth;
  depth.set("rmse", 0.41, false);
  return {detection, depth};
}

TEST_CASE("metrics JSON round trip") {
  std::string text = metrics_to_json(sample());
  std::vector<TaskMetrics> tasks = metrics_from_json(text);

  REQUIRE(tasks.size() == 2);
  const TaskMetrics& depth = tasks[0].task == "depth" ? tasks[0] : tasks[1];
  const TaskMetrics& detection = tasks[0].task == "det" ? tasks[0] : tasks[1];
  CHECK(depth.kind == TaskKind::kDepth);
  CHECK(depth.find("rmse")->value == 0.41);
  CHECK_FALSE(depth.find("rmse")->higher_is_better);
  CHECK(detection.find("map50")->value == 0.61234);
  CHECK(std::isnan(detection.find("ap50/Bag")->value));
}

TEST_CASE("metrics JSON layout") {
  nlohmann::json json = nlohmann::json::parse(metrics_to_json(sample()));
  CHECK(json["format"] == "mtl-metrics");
  CHECK(json["format_version"] == 1);
  CHECK(json["tasks"]["det"]["kind"] == "detection");
  CHECK(json["tasks"]["det"]["metrics"]["map50"]["value"] == 0.61234);
  CHECK(json["tasks"]["det"]["metrics"]["ap50/Bag"]["value"].is_null());
  CHECK(json["tasks"]["depth"]["metrics"]["rmse"]["higher_is_better"] == false);
}

TEST_CASE("metrics table lists every value") {
  std::string table = format_metrics_table(sample());
  CHECK(table.find("task   kind       metric     value  better") == 0);
  CHECK(table.find("det    detection  ap50/Bag     n/a  higher") != std::string::npos);
  CHECK(table.find("det    detection  map50     0.6123  higher") != std::string::npos);
  CHECK(table.find("depth  depth      rmse      0.4100  lower") != std::string::npos);
}

TEST_CASE("metrics JSON rejects bad input") {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"format": "mtl-metrics", "format_version": 1, "tasks": {"det": {"kind": "boxes", "metrics": {}}}})",
       "tasks.det.kind is \"boxes\""},
      {R"({"format": "mtl-metrics", "format_version": 1, "tasks": {"det": {"kind": "detection", "metrics": {"map": {"value": "high", "higher_is_better": true}}}}})",
       "tasks.det.metrics.map.value"},
      {R"({"format": "mtl-metrics", "format_version": 1, "tasks": {"det": {"kind": "detection", "metrics": {"map": {"value": 1}}}}})",
       "has no \"higher_is_better\" field"},
      {R"({"format": "mtl-metrics", "format_version": 3, "tasks": {}})", "reads only version 1"},
      {R"({"format_version": 1, "tasks": {}})", "has no \"format\" field"},
      {R"([1, 2])", "expected a JSON object"},
      {"{", "malformed JSON"},
  };
  for (const Case& entry : cases) {
    INFO("input: " << entry.text);
    auto error = catch_error([&] { metrics_from_json(entry.text, "baseline.json"); });
    REQUIRE(error);
    INFO("message: " << error->message);
    CHECK(error->code == ErrorCode::kInvalidData);
    CHECK(error->message.find("baseline.json") != std::string::npos);
    CHECK(error->message.find(entry.expected) != std::string::npos);
  }
}

TEST_CASE("metrics JSON rejects duplicate tasks") {
  std::vector<TaskMetrics> tasks = sample();
  tasks.push_back(tasks[0]);
  auto error = catch_error([&] { metrics_to_json(tasks); });
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kInvalidArgument);
}

TEST_CASE("metrics file load and missing file") {
  testing::TempDir folder;
  auto missing = catch_error([&] { load_metrics_json(folder.path() / "baseline.json"); });
  REQUIRE(missing);
  CHECK(missing->code == ErrorCode::kNotFound);

  testing::write_text(folder.path() / "baseline.json", metrics_to_json(sample()));
  CHECK(load_metrics_json(folder.path() / "baseline.json").size() == 2);
}

TEST_CASE("metric directions by kind and name") {
  CHECK(metric_higher_is_better(TaskKind::kDetection, "map50") == true);
  CHECK(metric_higher_is_better(TaskKind::kDetection, "ap50/T-shirt/top") == true);
  CHECK(metric_higher_is_better(TaskKind::kDetection, "ap50_raw/Bag") == true);
  CHECK_FALSE(metric_higher_is_better(TaskKind::kDetection, "ap50/").has_value());
  CHECK_FALSE(metric_higher_is_better(TaskKind::kDetection, "miou").has_value());
  CHECK(metric_higher_is_better(TaskKind::kSegmentation, "iou/shirt") == true);
  CHECK(metric_higher_is_better(TaskKind::kClassification, "top12") == true);
  CHECK_FALSE(metric_higher_is_better(TaskKind::kClassification, "top0").has_value());
  CHECK_FALSE(metric_higher_is_better(TaskKind::kClassification, "topx").has_value());
  CHECK(metric_higher_is_better(TaskKind::kDepth, "abs_rel") == false);
  CHECK(metric_higher_is_better(TaskKind::kDepth, "delta1") == true);
  CHECK_FALSE(metric_higher_is_better(TaskKind::kCustom, "anything").has_value());
}


}  // namespace
}  // namespace mtl::eval
