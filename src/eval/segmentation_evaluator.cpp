#include "mtl/eval/segmentation_evaluator.h"

#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/Core>
#include <fmt/format.h>

#include "arg_max.h"
#include "defined_mean.h"
#include "mtl/error.h"
#include "nearest_resize.h"

namespace mtl::eval {

namespace {

constexpr double kNaN = detail::kUndefined;

using CountMatrix = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void check_shape(const LabelMap& map, std::string_view role) {
  std::size_t expected = static_cast<std::size_t>(std::max(map.height, 0)) *
                         static_cast<std::size_t>(std::max(map.width, 0));
  if (map.height <= 0 || map.width <= 0 || map.values.size() != expected) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("segmentation evaluator: the {} label map is {}x{} with {} values, "
                            "expected a positive size and height * width values",
                            role, map.height, map.width, map.values.size()));
  }
}

}  // namespace

SegmentationEvaluator::SegmentationEvaluator(std::vector<std::string> labels)
    : labels_(std::move(labels)) {
  if (labels_.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "segmentation evaluator: the task has no labels, expected at least the background");
  }
  confusion_.assign(labels_.size() * labels_.size(), 0);
}

void SegmentationEvaluator::check_target(const LabelMap& target) const {
  check_shape(target, "target");

  auto class_count = static_cast<std::int32_t>(labels_.size());
  for (std::size_t i = 0; i < target.values.size(); ++i) {
    std::int32_t value = target.values[i];
    if (value != kIgnoreIndex && (value < 0 || value >= class_count)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("segmentation evaluator: target pixel at row {}, column {} has label {}, "
                              "expected an index in [0, {}) or the ignore index {}",
                              i / static_cast<std::size_t>(target.width),
                              i % static_cast<std::size_t>(target.width), value, class_count,
                              kIgnoreIndex));
    }
  }
}

void SegmentationEvaluator::add_logits(const float* logits, int channels, int height, int width,
                                       const LabelMap& target) {
  if (logits == nullptr || height <= 0 || width <= 0 ||
      channels != static_cast<int>(labels_.size())) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("segmentation evaluator: logits of shape [{}, {}, {}]{}, expected "
                            "[{}, H, W] with positive H and W, one channel per label",
                            channels, height, width, logits == nullptr ? " at a null pointer" : "",
                            labels_.size()));
  }
  check_target(target);

  // Arg-max one channel plane at a time, so that every pass reads memory in order.
  std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  best_logit_.assign(logits, logits + plane);
  best_channel_.assign(plane, 0);
  for (int c = 1; c < channels; ++c) {
    detail::update_arg_max(logits + static_cast<std::size_t>(c) * plane, c, plane, best_logit_.data(),
                   best_channel_.data());
  }

  accumulate(best_channel_.data(), height, width, target);
}

void SegmentationEvaluator::add_prediction(const LabelMap& predicted, const LabelMap& target) {
  check_shape(predicted, "predicted");
  auto class_count = static_cast<std::int32_t>(labels_.size());
  for (std::size_t i = 0; i < predicted.values.size(); ++i) {
    std::int32_t value = predicted.values[i];
    if (value < 0 || value >= class_count) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("segmentation evaluator: predicted pixel at row {}, column {} has label {}, "
                              "expected an index in [0, {})",
                              i / static_cast<std::size_t>(predicted.width),
                              i % static_cast<std::size_t>(predicted.width), value, class_count));
    }
  }
  check_target(target);

  accumulate(predicted.values.data(), predicted.height, predicted.width, target);
}

void SegmentationEvaluator::accumulate(const std::int32_t* predicted, int predicted_height,
                                       int predicted_width, const LabelMap& target) {
  std::size_t class_count = labels_.size();
  auto count = [&](std::int32_t target_class, std::int32_t predicted_class) {
    if (target_class != kIgnoreIndex) {
      ++confusion_[static_cast<std::size_t>(target_class) * class_count +
                   static_cast<std::size_t>(predicted_class)];
    }
  };

  if (predicted_height == target.height && predicted_width == target.width) {
    for (std::size_t i = 0; i < target.values.size(); ++i) {
      count(target.values[i], predicted[i]);
    }
  } else {
    detail::nearest_source_indices(predicted_height, target.height, source_rows_);
    detail::nearest_source_indices(predicted_width, target.width, source_columns_);
    auto target_width = static_cast<std::size_t>(target.width);
    for (std::size_t y = 0; y < static_cast<std::size_t>(target.height); ++y) {
      const std::int32_t* target_row = target.values.data() + y * target_width;
      const std::int32_t* predicted_row =
          predicted + source_rows_[y] * static_cast<std::size_t>(predicted_width);
      for (std::size_t x = 0; x < target_width; ++x) {
        count(target_row[x], predicted_row[source_columns_[x]]);
      }
    }
  }

  ++image_count_;
}

SegmentationResult SegmentationEvaluator::compute() const {
  auto class_count = static_cast<Eigen::Index>(labels_.size());
  Eigen::Map<const CountMatrix> confusion(confusion_.data(), class_count, class_count);
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> true_positive = confusion.diagonal();
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> target_total = confusion.rowwise().sum();
  Eigen::Matrix<std::int64_t, 1, Eigen::Dynamic> predicted_total = confusion.colwise().sum();

  SegmentationResult result;
  result.labels = labels_;
  result.confusion = confusion_;
  result.counted_pixels = target_total.sum();

  double iou_sum = 0.0;
  std::size_t present = 0;
  for (Eigen::Index c = 0; c < class_count; ++c) {
    // TP + FP + FN: pixels that are class c in the target or in the prediction.
    std::int64_t union_count = target_total(c) + predicted_total(c) - true_positive(c);
    if (union_count == 0) {
      result.iou.push_back(kNaN);
      continue;
    }
    double iou = static_cast<double>(true_positive(c)) / static_cast<double>(union_count);
    result.iou.push_back(iou);
    iou_sum += iou;
    ++present;
  }

  result.miou = present == 0 ? kNaN : iou_sum / static_cast<double>(present);
  result.pixel_accuracy = result.counted_pixels == 0
                              ? kNaN
                              : static_cast<double>(true_positive.sum()) /
                                    static_cast<double>(result.counted_pixels);
  return result;
}

TaskMetrics SegmentationResult::to_task_metrics(const std::string& task) const {
  TaskMetrics metrics;
  metrics.task = task;
  metrics.kind = TaskKind::kSegmentation;
  metrics.set("miou", miou, true);
  metrics.set("pixel_accuracy", pixel_accuracy, true);
  for (std::size_t c = 0; c < labels.size(); ++c) {
    if (!std::isnan(iou[c])) {
      metrics.set("iou/" + labels[c], iou[c], true);
    }
  }
  return metrics;
}

}  // namespace mtl::eval
