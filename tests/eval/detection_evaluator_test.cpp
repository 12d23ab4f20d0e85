#include "mtl/eval/detection_evaluator.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

Detections detections(std::vector<Box> boxes, std::vector<float> scores,
                      std::vector<std::int64_t> labels) {
  return Detections{std::move(boxes), std::move(scores), std::move(labels)};
}

GroundTruthBoxes truth(std::vector<Box> boxes, std::vector<std::int64_t> labels) {
  return GroundTruthBoxes{std::move(boxes), std::move(labels)};
}

constexpr Box kSquare{0.0f, 0.0f, 10.0f, 10.0f};
constexpr Box kFarAway{50.0f, 50.0f, 60.0f, 60.0f};

TEST_CASE("detection perfect prediction scores one") {
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({kSquare}, {0.9f}, {0}), truth({kSquare}, {0}));

  DetectionResult result = evaluator.compute();
  CHECK(result.classes[0].ap50 == doctest::Approx(1.0));
  CHECK(result.map50 == doctest::Approx(1.0));
  CHECK(result.map == doctest::Approx(1.0));
  CHECK(result.map50_uninterpolated == doctest::Approx(1.0));
}

TEST_CASE("detection class without ground truth is excluded") {
  DetectionEvaluator evaluator({"cat", "dog"});
  evaluator.add(detections({kSquare, kFarAway}, {0.9f, 0.8f}, {0, 1}), truth({kSquare}, {0}));

  DetectionResult result = evaluator.compute();
  CHECK(std::isnan(result.classes[1].ap50));
  CHECK(std::isnan(result.classes[1].ap));
  CHECK(result.classes[1].ground_truth_count == 0);
  CHECK(result.classes[1].prediction_count == 1);
  CHECK(result.map50 == doctest::Approx(1.0));
  CHECK(result.map == doctest::Approx(1.0));
}

TEST_CASE("detection no predictions gives zero") {
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({}, {}, {}), truth({kSquare}, {0}));

  DetectionResult result = evaluator.compute();
  CHECK(result.classes[0].ap50 == 0.0);
  CHECK(result.map50 == 0.0);
  CHECK(result.map == 0.0);
  CHECK(result.map50_uninterpolated == 0.0);
}

TEST_CASE("detection all predictions wrong gives zero") {
  DetectionEvaluator evaluator({"cat", "dog"});
  // One box misses, one has the wrong class.
  evaluator.add(detections({kFarAway, kSquare}, {0.9f, 0.8f}, {0, 1}), truth({kSquare}, {0}));

  DetectionResult result = evaluator.compute();
  CHECK(result.classes[0].ap50 == 0.0);
  CHECK(std::isnan(result.classes[1].ap50));
  CHECK(result.map50 == 0.0);
}

TEST_CASE("detection no ground truth anywhere is undefined") {
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({kSquare}, {0.9f}, {0}), truth({}, {}));

  DetectionResult result = evaluator.compute();
  CHECK(std::isnan(result.map50));
  CHECK(std::isnan(result.map));
  TaskMetrics metrics = result.to_task_metrics("det");
  REQUIRE(metrics.find("map50") != nullptr);
  CHECK(std::isnan(metrics.find("map50")->value));
}

TEST_CASE("detection tied scores keep image order") {
  DetectionEvaluator evaluator({"cat"});
  // Image 0: a false positive; image 1: a true positive with the same score.
  evaluator.add(detections({kFarAway}, {0.5f}, {0}), truth({}, {}));
  evaluator.add(detections({kSquare}, {0.5f}, {0}), truth({kSquare}, {0}));

  ClassRanking ranking = evaluator.ranking(0, 0.5);
  REQUIRE(ranking.predictions.size() == 2);
  CHECK(ranking.predictions[0].image_index == 0);
  CHECK_FALSE(ranking.predictions[0].true_positive);
  CHECK(ranking.predictions[1].image_index == 1);
  CHECK(ranking.predictions[1].true_positive);

  // Ranking [FP, TP] with one object: precision 0.5 at every recall point.
  DetectionResult result = evaluator.compute();
  CHECK(result.classes[0].ap50 == doctest::Approx(0.5));
  CHECK(result.classes[0].ap50_uninterpolated == doctest::Approx(0.5));
}

TEST_CASE("detection tied scores keep head order") {
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({kSquare, kFarAway}, {0.5f, 0.5f}, {0, 0}), truth({kSquare}, {0}));

  ClassRanking ranking = evaluator.ranking(0, 0.5);
  REQUIRE(ranking.predictions.size() == 2);
  CHECK(ranking.predictions[0].true_positive);
  CHECK_FALSE(ranking.predictions[1].true_positive);
  CHECK(evaluator.compute().classes[0].ap50 == doctest::Approx(1.0));
}

TEST_CASE("detection empty image changes nothing") {
  DetectionEvaluator with_empty({"cat"});
  DetectionEvaluator without_empty({"cat"});
  for (DetectionEvaluator* evaluator : {&with_empty, &without_empty}) {
    evaluator->add(detections({kSquare, kFarAway}, {0.9f, 0.4f}, {0, 0}), truth({kSquare}, {0}));
  }
  with_empty.add(detections({}, {}, {}), truth({}, {}));

  CHECK(with_empty.image_count() == 2);
  CHECK(with_empty.compute().map50 == doctest::Approx(without_empty.compute().map50));
  CHECK(with_empty.compute().map == doctest::Approx(without_empty.compute().map));
}

TEST_CASE("detection interpolated AP matches hand computation") {
  // Ranking [TP, FP, TP] over two objects: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
  // Monotone precision is 1 for recall points 0..0.50 (51 points) and 2/3 for 0.51..1 (50).
  DetectionEvaluator evaluator({"cat"});
  Box second{20.0f, 20.0f, 30.0f, 30.0f};
  evaluator.add(detections({kSquare, kFarAway, second}, {0.9f, 0.8f, 0.7f}, {0, 0, 0}),
                truth({kSquare, second}, {0, 0}));

  DetectionResult result = evaluator.compute();
  CHECK(result.classes[0].ap50 == doctest::Approx((51.0 + 50.0 * 2.0 / 3.0) / 101.0).epsilon(1e-12));
  CHECK(result.classes[0].ap50_uninterpolated == doctest::Approx((1.0 + 2.0 / 3.0) / 2.0));
}

TEST_CASE("detection recall points compare exactly") {
  // 29 of 100 objects found with perfect precision: recall 0.29 reaches the point 0.29, so 30
  // points (0, 0.01, ..., 0.29) have precision 1.
  DetectionEvaluator evaluator({"cat"});
  std::vector<Box> objects;
  for (int i = 0; i < 100; ++i) {
    float x = static_cast<float>(i * 20);
    objects.push_back(Box{x, 0.0f, x + 10.0f, 10.0f});
  }
  std::vector<Box> found(objects.begin(), objects.begin() + 29);
  std::vector<float> scores(29, 0.9f);
  std::vector<std::int64_t> labels(29, 0);
  evaluator.add(detections(found, scores, labels), truth(objects, std::vector<std::int64_t>(100, 0)));

  CHECK(evaluator.compute().classes[0].ap50 == doctest::Approx(30.0 / 101.0).epsilon(1e-12));
}

TEST_CASE("detection COCO mean spans thresholds") {
  // IoU 0.7 matches at 0.50, 0.55, 0.60, 0.65 and 0.70, and misses at the five higher thresholds.
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({Box{0.0f, 0.0f, 10.0f, 7.0f}}, {0.9f}, {0}), truth({kSquare}, {0}));

  DetectionResult result = evaluator.compute();
  CHECK(result.classes[0].ap_per_threshold[4] == doctest::Approx(1.0));
  CHECK(result.classes[0].ap_per_threshold[5] == 0.0);
  CHECK(result.map50 == doctest::Approx(1.0));
  CHECK(result.map == doctest::Approx(0.5));
}

TEST_CASE("detection matches highest unmatched IoU") {
  Box left{0.0f, 0.0f, 10.0f, 10.0f};
  Box right{3.0f, 0.0f, 13.0f, 10.0f};
  DetectionEvaluator evaluator({"cat"});
  // The first prediction equals `right` (IoU 1) but also overlaps `left` (IoU 0.54). The second
  // overlaps only `left` enough (IoU 0.54, and 0.25 with `right`). Matching the first box above
  // the threshold would give `left` to the first prediction and leave the second unmatched.
  evaluator.add(detections({right, Box{-3.0f, 0.0f, 7.0f, 10.0f}}, {0.9f, 0.8f}, {0, 0}),
                truth({left, right}, {0, 0}));

  ClassRanking ranking = evaluator.ranking(0, 0.5);
  REQUIRE(ranking.predictions.size() == 2);
  CHECK(ranking.predictions[0].true_positive);
  CHECK(ranking.predictions[1].true_positive);
  CHECK(evaluator.compute().map50 == doctest::Approx(1.0));
}

TEST_CASE("detection duplicate prediction is false positive") {
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({kSquare, kSquare}, {0.9f, 0.8f}, {0, 0}), truth({kSquare}, {0}));

  ClassRanking ranking = evaluator.ranking(0, 0.5);
  REQUIRE(ranking.predictions.size() == 2);
  CHECK(ranking.predictions[0].true_positive);
  CHECK_FALSE(ranking.predictions[1].true_positive);
  CHECK(ranking.ground_truth_count == 1);
}

TEST_CASE("detection boxes match only within image") {
  DetectionEvaluator evaluator({"cat"});
  evaluator.add(detections({kSquare}, {0.9f}, {0}), truth({}, {}));
  evaluator.add(detections({}, {}, {}), truth({kSquare}, {0}));

  CHECK(evaluator.compute().map50 == 0.0);
}

TEST_CASE("detection metrics carry names and directions") {
  DetectionEvaluator evaluator({"cat", "dog"});
  evaluator.add(detections({kSquare}, {0.9f}, {0}), truth({kSquare}, {0}));

  TaskMetrics metrics = evaluator.compute().to_task_metrics("det");
  CHECK(metrics.task == "det");
  CHECK(metrics.kind == TaskKind::kDetection);
  REQUIRE(metrics.find("ap50/cat") != nullptr);
  CHECK(metrics.find("ap50/cat")->higher_is_better);
  CHECK(metrics.find("map") != nullptr);
  REQUIRE(metrics.find("ap50_raw/cat") != nullptr);
  CHECK(metrics.find("ap50_raw/cat")->value == doctest::Approx(1.0));
  // "dog" has no ground truth, so its AP is undefined and left out.
  CHECK(metrics.find("ap50/dog") == nullptr);
  CHECK(metrics.find("ap50_raw/dog") == nullptr);
}

TEST_CASE("detection rejects invalid input") {
  DetectionEvaluator evaluator({"cat"});
  float nan = std::numeric_limits<float>::quiet_NaN();

  auto label_error = catch_error([&] { evaluator.add(detections({kSquare}, {0.9f}, {1}), truth({}, {})); });
  REQUIRE(label_error);
  CHECK(label_error->code == ErrorCode::kInvalidArgument);
  CHECK(label_error->message.find("label 1") != std::string::npos);

  auto score_error = catch_error([&] { evaluator.add(detections({kSquare}, {nan}, {0}), truth({}, {})); });
  REQUIRE(score_error);
  CHECK(score_error->message.find("score") != std::string::npos);

  auto size_error = catch_error([&] { evaluator.add(detections({kSquare}, {}, {0}), truth({}, {})); });
  REQUIRE(size_error);
  CHECK(size_error->code == ErrorCode::kInvalidArgument);

  auto box_error = catch_error(
      [&] { evaluator.add(detections({}, {}, {}), truth({Box{5.0f, 5.0f, 5.0f, 9.0f}}, {0})); });
  REQUIRE(box_error);
  CHECK(box_error->message.find("ground-truth box 0") != std::string::npos);

  CHECK(evaluator.image_count() == 0);
  CHECK(catch_error([&] { evaluator.ranking(0, 0.0); }).has_value());
  CHECK(catch_error([&] { evaluator.ranking(3, 0.5); }).has_value());
  CHECK(catch_error([] { DetectionEvaluator empty({}); }).has_value());
}

TEST_CASE("box IoU uses continuous coordinates") {
  CHECK(intersection_over_union(kSquare, kSquare) == doctest::Approx(1.0));
  CHECK(intersection_over_union(kSquare, Box{5.0f, 0.0f, 15.0f, 10.0f}) == doctest::Approx(50.0 / 150.0));
  CHECK(intersection_over_union(kSquare, kFarAway) == 0.0);
  CHECK(intersection_over_union(kSquare, Box{10.0f, 0.0f, 20.0f, 10.0f}) == 0.0);
  CHECK(intersection_over_union(Box{3.0f, 3.0f, 1.0f, 1.0f}, kSquare) == 0.0);
}

}  // namespace
}  // namespace mtl::eval
