#include "mtl/eval/segmentation_evaluator.h"

#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>

#include "test_support.h"

namespace mtl::eval {
namespace {

using testing::catch_error;

constexpr std::int32_t kIgnore = SegmentationEvaluator::kIgnoreIndex;

LabelMap label_map(int height, int width, std::vector<std::int32_t> values) {
  return LabelMap{height, width, std::move(values)};
}

TEST_CASE("segmentation perfect prediction scores one") {
  SegmentationEvaluator evaluator({"background", "shirt"});
  LabelMap target = label_map(2, 2, {0, 1, 1, 0});
  evaluator.add_prediction(target, target);

  SegmentationResult result = evaluator.compute();
  CHECK(result.miou == doctest::Approx(1.0));
  CHECK(result.pixel_accuracy == doctest::Approx(1.0));
  CHECK(result.counted_pixels == 4);
}

TEST_CASE("segmentation IoU matches hand computation") {
  SegmentationEvaluator evaluator({"background", "shirt", "shoe"});
  // Target:     0 0 1 1      Prediction: 0 1 1 1
  //             2 2 1 ignore             2 0 1 2
  evaluator.add_prediction(label_map(2, 4, {0, 1, 1, 1, 2, 0, 1, 2}),
                           label_map(2, 4, {0, 0, 1, 1, 2, 2, 1, kIgnore}));

  SegmentationResult result = evaluator.compute();
  // background: TP 1, FP 1 (target 2 predicted 0), FN 1 (target 0 predicted 1) -> 1/3.
  // shirt: TP 3, FP 1, FN 0 -> 3/4. shoe: TP 1, FP 0, FN 1 -> 1/2. The ignored pixel is skipped.
  CHECK(result.iou[0] == doctest::Approx(1.0 / 3.0));
  CHECK(result.iou[1] == doctest::Approx(3.0 / 4.0));
  CHECK(result.iou[2] == doctest::Approx(1.0 / 2.0));
  CHECK(result.miou == doctest::Approx((1.0 / 3.0 + 3.0 / 4.0 + 1.0 / 2.0) / 3.0));
  CHECK(result.pixel_accuracy == doctest::Approx(5.0 / 7.0));
  CHECK(result.counted_pixels == 7);
  CHECK(result.confusion[2 * 3 + 0] == 1);  // Target shoe, predicted background.
}

TEST_CASE("segmentation absent class is left out") {
  SegmentationEvaluator evaluator({"background", "shirt", "shoe"});
  evaluator.add_prediction(label_map(1, 2, {0, 1}), label_map(1, 2, {0, 1}));

  SegmentationResult result = evaluator.compute();
  CHECK(std::isnan(result.iou[2]));
  CHECK(result.miou == doctest::Approx(1.0));
  TaskMetrics metrics = result.to_task_metrics("seg");
  CHECK(metrics.find("iou/shoe") == nullptr);
  REQUIRE(metrics.find("iou/shirt") != nullptr);
  CHECK(metrics.find("miou")->higher_is_better);
}

TEST_CASE("segmentation all wrong gives zero") {
  SegmentationEvaluator evaluator({"background", "shirt"});
  evaluator.add_prediction(label_map(1, 2, {1, 0}), label_map(1, 2, {0, 1}));

  SegmentationResult result = evaluator.compute();
  CHECK(result.miou == 0.0);
  CHECK(result.pixel_accuracy == 0.0);
}

TEST_CASE("segmentation fully ignored image is undefined") {
  SegmentationEvaluator evaluator({"background", "shirt"});
  evaluator.add_prediction(label_map(1, 2, {1, 0}), label_map(1, 2, {kIgnore, kIgnore}));

  SegmentationResult result = evaluator.compute();
  CHECK(result.counted_pixels == 0);
  CHECK(std::isnan(result.miou));
  CHECK(std::isnan(result.pixel_accuracy));
  CHECK(evaluator.image_count() == 1);
}

TEST_CASE("segmentation logits arg-max prefers lower channel") {
  SegmentationEvaluator evaluator({"background", "shirt", "shoe"});
  // Channel-major [3, 1, 3]: pixel 0 ties channels 0 and 1, pixel 1 ties 1 and 2, pixel 2 is 2.
  std::vector<float> logits = {
      1.0f, 0.0f, 0.0f,  // channel 0
      1.0f, 2.0f, 0.0f,  // channel 1
      0.0f, 2.0f, 3.0f,  // channel 2
  };
  evaluator.add_logits(logits.data(), 3, 1, 3, label_map(1, 3, {0, 1, 2}));

  SegmentationResult result = evaluator.compute();
  CHECK(result.pixel_accuracy == doctest::Approx(1.0));
  CHECK(result.miou == doctest::Approx(1.0));
}

TEST_CASE("segmentation resizes prediction by nearest") {
  SegmentationEvaluator evaluator({"background", "shirt"});
  // A 2x2 prediction covers a 4x4 target in 2x2 blocks.
  LabelMap predicted = label_map(2, 2, {0, 1, 1, 0});
  LabelMap target = label_map(4, 4, {0, 0, 1, 1,
                                     0, 0, 1, 1,
                                     1, 1, 0, 0,
                                     1, 1, 0, 0});
  evaluator.add_prediction(predicted, target);
  CHECK(evaluator.compute().pixel_accuracy == doctest::Approx(1.0));
}

TEST_CASE("segmentation resize samples exact floor") {
  // From 3 to 2 pixels, nearest samples floor(i * 3 / 2): sources 0 and 1, not 0 and 2.
  SegmentationEvaluator evaluator({"background", "shirt"});
  std::vector<float> logits = {
      1.0f, 0.0f, 0.0f,  // channel 0
      0.0f, 1.0f, 1.0f,  // channel 1
  };
  evaluator.add_logits(logits.data(), 2, 1, 3, label_map(1, 2, {0, 1}));
  CHECK(evaluator.compute().pixel_accuracy == doctest::Approx(1.0));
}

TEST_CASE("segmentation resize uses integer arithmetic") {
  // From 2 to 82 pixels, column 41 samples floor(41 * 2 / 82) = 1. PyTorch's single-precision
  // scale gives 0 there, which would make one pixel wrong.
  SegmentationEvaluator evaluator({"background", "shirt"});
  std::vector<float> logits = {
      1.0f, 0.0f,  // channel 0
      0.0f, 1.0f,  // channel 1
  };
  std::vector<std::int32_t> target(82, 0);
  std::fill(target.begin() + 41, target.end(), 1);
  evaluator.add_logits(logits.data(), 2, 1, 2, label_map(1, 82, target));
  CHECK(evaluator.compute().pixel_accuracy == doctest::Approx(1.0));
}

TEST_CASE("segmentation accumulates over images") {
  SegmentationEvaluator evaluator({"background", "shirt"});
  evaluator.add_prediction(label_map(1, 2, {0, 1}), label_map(1, 2, {0, 1}));
  evaluator.add_prediction(label_map(1, 2, {0, 0}), label_map(1, 2, {1, 1}));

  SegmentationResult result = evaluator.compute();
  // shirt: TP 1, FN 2 -> 1/3; background: TP 1, FP 2 -> 1/3.
  CHECK(result.iou[1] == doctest::Approx(1.0 / 3.0));
  CHECK(result.iou[0] == doctest::Approx(1.0 / 3.0));
  CHECK(result.pixel_accuracy == doctest::Approx(0.5));
  CHECK(evaluator.image_count() == 2);
}

TEST_CASE("segmentation rejects invalid input") {
  SegmentationEvaluator evaluator({"background", "shirt"});
  std::vector<float> logits(2 * 2 * 2, 0.0f);

  auto channels = catch_error([&] { evaluator.add_logits(logits.data(), 3, 2, 2, label_map(2, 2, {0, 0, 0, 0})); });
  REQUIRE(channels);
  CHECK(channels->code == ErrorCode::kInvalidArgument);
  CHECK(channels->message.find("[3, 2, 2]") != std::string::npos);

  auto target_value = catch_error([&] { evaluator.add_logits(logits.data(), 2, 2, 2, label_map(2, 2, {0, 0, 2, 0})); });
  REQUIRE(target_value);
  CHECK(target_value->message.find("row 1, column 0") != std::string::npos);

  auto target_shape = catch_error([&] { evaluator.add_prediction(label_map(1, 1, {0}), label_map(2, 2, {0})); });
  REQUIRE(target_shape);
  CHECK(target_shape->message.find("target") != std::string::npos);

  auto predicted_value = catch_error([&] { evaluator.add_prediction(label_map(1, 1, {5}), label_map(1, 1, {0})); });
  REQUIRE(predicted_value);
  CHECK(predicted_value->message.find("label 5") != std::string::npos);

  CHECK(catch_error([&] { evaluator.add_logits(nullptr, 2, 2, 2, label_map(2, 2, {0, 0, 0, 0})); }).has_value());
  CHECK(evaluator.image_count() == 0);
  CHECK(evaluator.compute().counted_pixels == 0);
}

}  // namespace
}  // namespace mtl::eval
