#include "mtl/eval/multilabel_evaluator.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

TEST_CASE("multilabel perfect ranking scores one") {
  MultilabelEvaluator evaluator({"striped", "dotted"});
  evaluator.add({2.0f, -2.0f}, {0});
  evaluator.add({-1.0f, 3.0f}, {1});

  MultilabelResult result = evaluator.compute();
  CHECK(result.ap[0] == doctest::Approx(1.0));
  CHECK(result.ap[1] == doctest::Approx(1.0));
  CHECK(result.map == doctest::Approx(1.0));
  CHECK(result.f1_micro == doctest::Approx(1.0));
  CHECK(result.macro_f1 == doctest::Approx(1.0));
}

TEST_CASE("multilabel AP matches hand computation") {
  MultilabelEvaluator evaluator({"striped"});
  // Scores 3, 2, 1, 0 with truth 1, 0, 1, 0: precision 1 at recall 1/2, 2/3 at recall 1.
  evaluator.add({3.0f}, {0});
  evaluator.add({2.0f}, {});
  evaluator.add({1.0f}, {0});
  evaluator.add({0.0f}, {});

  CHECK(evaluator.compute().ap[0] == doctest::Approx(0.5 * 1.0 + 0.5 * 2.0 / 3.0));
}

TEST_CASE("multilabel tied scores form one step") {
  MultilabelEvaluator evaluator({"striped"});
  // All tied: one step at recall 1 with precision 1/2, whatever the order.
  evaluator.add({1.0f}, {0});
  evaluator.add({1.0f}, {});

  CHECK(evaluator.compute().ap[0] == doctest::Approx(0.5));
}

TEST_CASE("multilabel label without positives is excluded") {
  MultilabelEvaluator evaluator({"striped", "dotted"});
  evaluator.add({2.0f, -3.0f}, {0});
  evaluator.add({-2.0f, -3.0f}, {});

  MultilabelResult result = evaluator.compute();
  CHECK(std::isnan(result.ap[1]));
  CHECK(std::isnan(result.f1[1]));
  CHECK(result.map == doctest::Approx(1.0));
  CHECK(result.macro_f1 == doctest::Approx(1.0));
  CHECK(result.to_task_metrics("tags").find("ap/dotted") == nullptr);
}

TEST_CASE("multilabel F1 uses probability one half") {
  MultilabelEvaluator evaluator({"striped", "dotted"});
  // striped: predicted on image 0 (right) and image 1 (wrong), missed on image 2.
  // dotted: never predicted, positive on image 1.
  evaluator.add({0.0f, -1.0f}, {0});
  evaluator.add({0.5f, -1.0f}, {1});
  evaluator.add({-0.5f, -1.0f}, {0});

  MultilabelResult result = evaluator.compute();
  // striped: TP 1, FP 1, FN 1 -> F1 1/2. dotted: TP 0, FN 1 -> F1 0.
  CHECK(result.f1[0] == doctest::Approx(0.5));
  CHECK(result.f1[1] == doctest::Approx(0.0));
  CHECK(result.macro_f1 == doctest::Approx(0.25));
  // Micro: TP 1, FP 1, FN 2 -> 2 / 5.
  CHECK(result.f1_micro == doctest::Approx(0.4));
}

TEST_CASE("multilabel large logits do not tie") {
  MultilabelEvaluator evaluator({"striped"});
  // Both sigmoids round to 1.0f, but the logits still rank the positive image first.
  evaluator.add({40.0f}, {0});
  evaluator.add({30.0f}, {});
  CHECK(evaluator.compute().ap[0] == doctest::Approx(1.0));
}

TEST_CASE("multilabel tiny negative logit is not predicted") {
  MultilabelEvaluator evaluator({"striped"});
  evaluator.add({-1e-9f}, {0});
  MultilabelResult result = evaluator.compute();
  CHECK(result.f1[0] == 0.0);
  CHECK(result.f1_micro == 0.0);
}

TEST_CASE("multilabel no predictions and no positives") {
  MultilabelEvaluator evaluator({"striped"});
  evaluator.add({-5.0f}, {});

  MultilabelResult result = evaluator.compute();
  CHECK(std::isnan(result.map));
  CHECK(std::isnan(result.f1_micro));
  CHECK(std::isnan(result.macro_f1));
}

TEST_CASE("multilabel no images is undefined") {
  MultilabelEvaluator evaluator({"striped"});
  MultilabelResult result = evaluator.compute();
  CHECK(std::isnan(result.map));
  CHECK(result.image_count == 0);
}

TEST_CASE("multilabel metrics carry names") {
  MultilabelEvaluator evaluator({"striped"});
  evaluator.add({1.0f}, {0});
  TaskMetrics metrics = evaluator.compute().to_task_metrics("tags");
  CHECK(metrics.kind == TaskKind::kMultilabel);
  CHECK(metrics.find("map") != nullptr);
  CHECK(metrics.find("f1") != nullptr);
  CHECK(metrics.find("macro_f1") != nullptr);
  CHECK(metrics.find("ap/striped") != nullptr);
  CHECK(metrics.find("ap/striped")->higher_is_better);
}

TEST_CASE("multilabel rejects invalid input") {
  MultilabelEvaluator evaluator({"striped", "dotted"});
  auto count = catch_error([&] { evaluator.add({1.0f}, {}); });
  REQUIRE(count);
  CHECK(count->message.find("got 1 logits") != std::string::npos);

  auto nan = catch_error([&] { evaluator.add({std::numeric_limits<float>::quiet_NaN(), 0.0f}, {}); });
  REQUIRE(nan);
  CHECK(nan->message.find("NaN") != std::string::npos);

  auto label = catch_error([&] { evaluator.add({1.0f, 0.0f}, {2}); });
  REQUIRE(label);
  CHECK(label->message.find("positive label 2") != std::string::npos);
  CHECK(evaluator.image_count() == 0);
}

}  // namespace
}  // namespace mtl::eval
