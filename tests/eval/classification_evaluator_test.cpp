#include "mtl/eval/classification_evaluator.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

const std::vector<std::string> kLabels = {"a", "b", "c", "d"};

TEST_CASE("classification accuracy and top-k") {
  ClassificationEvaluator evaluator(kLabels, {1, 2});
  evaluator.add({0.1f, 0.7f, 0.1f, 0.1f}, 1);  // Correct.
  evaluator.add({0.5f, 0.3f, 0.2f, 0.0f}, 1);  // Second place.
  evaluator.add({0.5f, 0.3f, 0.2f, 0.0f}, 3);  // Last place.

  ClassificationResult result = evaluator.compute();
  CHECK(result.accuracy == doctest::Approx(1.0 / 3.0));
  REQUIRE(result.top_k.size() == 2);
  CHECK(result.top_k[0].first == 1);
  CHECK(result.top_k[0].second == doctest::Approx(1.0 / 3.0));
  CHECK(result.top_k[1].first == 2);
  CHECK(result.top_k[1].second == doctest::Approx(2.0 / 3.0));
}

TEST_CASE("classification ties go to lower index") {
  ClassificationEvaluator evaluator(kLabels, {2});
  evaluator.add({0.4f, 0.4f, 0.1f, 0.1f}, 0);  // Tie: label 0 wins.
  evaluator.add({0.4f, 0.4f, 0.1f, 0.1f}, 1);  // Tie: label 1 loses, but is in the top 2.
  evaluator.add({0.4f, 0.4f, 0.4f, 0.1f}, 2);  // Three-way tie: label 2 ranks third.

  ClassificationResult result = evaluator.compute();
  CHECK(result.accuracy == doctest::Approx(1.0 / 3.0));
  CHECK(result.top_k[0].second == doctest::Approx(2.0 / 3.0));
}

TEST_CASE("classification top-k beyond labels is one") {
  ClassificationEvaluator evaluator(kLabels);
  evaluator.add({0.9f, 0.05f, 0.03f, 0.02f}, 3);

  ClassificationResult result = evaluator.compute();
  CHECK(result.accuracy == 0.0);
  REQUIRE(result.top_k.size() == 1);
  CHECK(result.top_k[0].first == 5);
  CHECK(result.top_k[0].second == doctest::Approx(1.0));
}

TEST_CASE("classification no images is undefined") {
  ClassificationEvaluator evaluator(kLabels);
  ClassificationResult result = evaluator.compute();
  CHECK(std::isnan(result.accuracy));
  CHECK(std::isnan(result.top_k[0].second));
}

TEST_CASE("classification metrics carry names") {
  ClassificationEvaluator evaluator(kLabels, {3, 5});
  evaluator.add({0.9f, 0.05f, 0.03f, 0.02f}, 0);
  TaskMetrics metrics = evaluator.compute().to_task_metrics("cls");
  CHECK(metrics.kind == TaskKind::kClassification);
  CHECK(metrics.find("accuracy") != nullptr);
  CHECK(metrics.find("top3") != nullptr);
  CHECK(metrics.find("top5") != nullptr);
  CHECK(metrics.find("top5")->higher_is_better);
}

TEST_CASE("classification rejects invalid input") {
  ClassificationEvaluator evaluator(kLabels);
  auto count = catch_error([&] { evaluator.add({0.5f, 0.5f}, 0); });
  REQUIRE(count);
  CHECK(count->code == ErrorCode::kInvalidArgument);
  CHECK(count->message.find("got 2 logits") != std::string::npos);

  auto target = catch_error([&] { evaluator.add({0.1f, 0.2f, 0.3f, 0.4f}, 4); });
  REQUIRE(target);
  CHECK(target->message.find("target label 4") != std::string::npos);

  float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(catch_error([&] { evaluator.add({nan, 0.2f, 0.3f, 0.4f}, 0); }).has_value());
  CHECK(catch_error([] { ClassificationEvaluator repeated(kLabels, {5, 5}); }).has_value());
  CHECK(catch_error([] { ClassificationEvaluator zero(kLabels, {0}); }).has_value());
  CHECK(evaluator.image_count() == 0);
}

}  // namespace
}  // namespace mtl::eval
