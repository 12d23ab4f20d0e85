#include "mtl/eval/depth_evaluator.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

DepthMap depth_map(int height, int width, std::vector<float> metres) {
  return DepthMap{height, width, std::move(metres)};
}

TEST_CASE("depth metrics match hand computation") {
  DepthEvaluator evaluator;
  // Ground truth 1, 2, none, 4; prediction 1.1, 2, 5 (not counted), -1 (counts as 1e-6).
  evaluator.add(depth_map(2, 2, {1.1f, 2.0f, 5.0f, -1.0f}), depth_map(2, 2, {1.0f, 2.0f, 0.0f, 4.0f}));

  DepthResult result = evaluator.compute();
  double d0 = static_cast<double>(1.1f);
  double d3 = DepthEvaluator::kMinimumDepth;
  CHECK(result.pixel_count == 3);
  CHECK(result.abs_rel == doctest::Approx(((d0 - 1.0) + 0.0 + (4.0 - d3) / 4.0) / 3.0));
  CHECK(result.rmse == doctest::Approx(std::sqrt(((d0 - 1.0) * (d0 - 1.0) + (4.0 - d3) * (4.0 - d3)) / 3.0)));
  CHECK(result.delta1 == doctest::Approx(2.0 / 3.0));
}

TEST_CASE("depth directions are declared") {
  DepthEvaluator evaluator;
  evaluator.add(depth_map(1, 1, {1.0f}), depth_map(1, 1, {1.0f}));
  TaskMetrics metrics = evaluator.compute().to_task_metrics("depth");
  CHECK(metrics.kind == TaskKind::kDepth);
  CHECK_FALSE(metrics.find("abs_rel")->higher_is_better);
  CHECK_FALSE(metrics.find("rmse")->higher_is_better);
  CHECK(metrics.find("delta1")->higher_is_better);
}

TEST_CASE("depth delta threshold is strict") {
  DepthEvaluator evaluator;
  // Both pixels have max(d / g, g / d) = 1.25 exactly, which is not below 1.25.
  evaluator.add(depth_map(1, 2, {1.25f, 1.0f}), depth_map(1, 2, {1.0f, 1.25f}));
  CHECK(evaluator.compute().delta1 == 0.0);
}

TEST_CASE("depth accumulates pixels over images") {
  DepthEvaluator evaluator;
  evaluator.add(depth_map(1, 1, {2.0f}), depth_map(1, 1, {1.0f}));
  evaluator.add(depth_map(1, 3, {1.0f, 1.0f, 1.0f}), depth_map(1, 3, {1.0f, 1.0f, 1.0f}));

  DepthResult result = evaluator.compute();
  CHECK(result.pixel_count == 4);
  CHECK(result.abs_rel == doctest::Approx(0.25));
  CHECK(result.rmse == doctest::Approx(0.5));
  CHECK(result.delta1 == doctest::Approx(0.75));
  CHECK(result.image_count == 2);
}

TEST_CASE("depth resizes prediction by nearest") {
  DepthEvaluator evaluator;
  evaluator.add(depth_map(1, 1, {2.0f}), depth_map(2, 2, {2.0f, 2.0f, 2.0f, 1.0f}));

  DepthResult result = evaluator.compute();
  CHECK(result.pixel_count == 4);
  CHECK(result.abs_rel == doctest::Approx(0.25));
  CHECK(result.delta1 == doctest::Approx(0.75));
}

TEST_CASE("depth without measurements is undefined") {
  DepthEvaluator evaluator;
  evaluator.add(depth_map(1, 2, {1.0f, 1.0f}), depth_map(1, 2, {0.0f, 0.0f}));

  DepthResult result = evaluator.compute();
  CHECK(result.pixel_count == 0);
  CHECK(std::isnan(result.abs_rel));
  CHECK(std::isnan(result.rmse));
  CHECK(std::isnan(result.delta1));
}

TEST_CASE("depth NaN only matters where measured") {
  DepthEvaluator evaluator;
  float nan = std::numeric_limits<float>::quiet_NaN();
  evaluator.add(depth_map(1, 2, {nan, 1.0f}), depth_map(1, 2, {0.0f, 1.0f}));
  CHECK(evaluator.compute().abs_rel == 0.0);

  auto error = catch_error([&] { evaluator.add(depth_map(1, 1, {nan}), depth_map(1, 1, {1.0f})); });
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kInvalidArgument);
  CHECK(error->message.find("row 0, column 0 is nan") != std::string::npos);
}

TEST_CASE("depth rejects invalid ground truth") {
  DepthEvaluator evaluator;
  auto negative = catch_error([&] { evaluator.add(depth_map(1, 1, {1.0f}), depth_map(1, 1, {-2.0f})); });
  REQUIRE(negative);
  CHECK(negative->message.find("row 0, column 0 is -2") != std::string::npos);

  auto shape = catch_error([&] { evaluator.add(depth_map(1, 1, {1.0f}), depth_map(2, 2, {1.0f})); });
  REQUIRE(shape);
  CHECK(shape->message.find("2x2 with 1 values") != std::string::npos);

  CHECK(catch_error([&] { evaluator.add(nullptr, 1, 1, depth_map(1, 1, {1.0f})); }).has_value());
  CHECK(catch_error([&] { evaluator.add(depth_map(2, 2, {1.0f}), depth_map(1, 1, {1.0f})); }).has_value());
  CHECK(evaluator.image_count() == 0);
}

}  // namespace
}  // namespace mtl::eval
