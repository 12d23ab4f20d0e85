#include "mtl/eval/depth_evaluator.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "defined_mean.h"
#include "mtl/error.h"
#include "nearest_resize.h"

namespace mtl::eval {

namespace {

constexpr double kDeltaThreshold = 1.25;

void check_target(const DepthMap& target) {
  std::size_t expected = static_cast<std::size_t>(std::max(target.height, 0)) *
                         static_cast<std::size_t>(std::max(target.width, 0));
  if (target.height <= 0 || target.width <= 0 || target.metres.size() != expected) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("depth evaluator: the ground truth is {}x{} with {} values, expected "
                            "a positive size and height * width values",
                            target.height, target.width, target.metres.size()));
  }

  for (std::size_t i = 0; i < target.metres.size(); ++i) {
    float value = target.metres[i];
    if (!std::isfinite(value) || value < 0.0f) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("depth evaluator: ground truth at row {}, column {} is {}, expected "
                              "a finite depth in metres, or 0 for no measurement",
                              i / static_cast<std::size_t>(target.width),
                              i % static_cast<std::size_t>(target.width), value));
    }
  }
}

}  // namespace

void DepthEvaluator::add(const DepthMap& prediction, const DepthMap& target) {
  std::size_t expected = static_cast<std::size_t>(std::max(prediction.height, 0)) *
                         static_cast<std::size_t>(std::max(prediction.width, 0));
  if (prediction.metres.size() != expected) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("depth evaluator: the prediction is {}x{} with {} values, expected "
                            "height * width values",
                            prediction.height, prediction.width, prediction.metres.size()));
  }
  add(prediction.metres.data(), prediction.height, prediction.width, target);
}

void DepthEvaluator::add(const float* depth, int height, int width, const DepthMap& target) {
  if (depth == nullptr || height <= 0 || width <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("depth evaluator: the prediction is {}x{}{}, expected a positive size",
                            height, width, depth == nullptr ? " at a null pointer" : ""));
  }
  check_target(target);

  // Bring the prediction to the ground truth's size, so that both are one flat array.
  const float* sampled = depth;
  if (height != target.height || width != target.width) {
    detail::nearest_source_indices(height, target.height, source_rows_);
    detail::nearest_source_indices(width, target.width, source_columns_);
    resampled_.resize(target.metres.size());
    auto target_width = static_cast<std::size_t>(target.width);
    for (std::size_t y = 0; y < static_cast<std::size_t>(target.height); ++y) {
      const float* row = depth + source_rows_[y] * static_cast<std::size_t>(width);
      for (std::size_t x = 0; x < target_width; ++x) {
        resampled_[y * target_width + x] = row[source_columns_[x]];
      }
    }
    sampled = resampled_.data();
  }

  // One pass in double precision, so that long sums over many pixels keep their accuracy.
  double absolute_relative_sum = 0.0;
  double squared_error_sum = 0.0;
  std::int64_t delta_hits = 0;
  std::int64_t pixel_count = 0;
  for (std::size_t i = 0; i < target.metres.size(); ++i) {
    double g = target.metres[i];
    if (!(g > 0.0)) {
      continue;
    }
    double d = sampled[i];
    if (!std::isfinite(d)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("depth evaluator: the predicted depth sampled for row {}, column {} "
                              "is {}, expected finite metres; check the head's depth output",
                              i / static_cast<std::size_t>(target.width),
                              i % static_cast<std::size_t>(target.width), d));
    }
    d = d > 0.0 ? d : kMinimumDepth;

    double error = d - g;
    absolute_relative_sum += std::fabs(error) / g;
    squared_error_sum += error * error;
    delta_hits += std::max(d / g, g / d) < kDeltaThreshold ? 1 : 0;
    ++pixel_count;
  }

  // Publish only after the whole image passed, so that a bad prediction adds nothing.
  absolute_relative_sum_ += absolute_relative_sum;
  squared_error_sum_ += squared_error_sum;
  delta_hits_ += delta_hits;
  pixel_count_ += pixel_count;
  ++image_count_;
}

DepthResult DepthEvaluator::compute() const {
  DepthResult result;
  result.pixel_count = pixel_count_;
  result.image_count = image_count_;
  if (pixel_count_ == 0) {
    result.abs_rel = detail::kUndefined;
    result.rmse = detail::kUndefined;
    result.delta1 = detail::kUndefined;
    return result;
  }

  auto pixels = static_cast<double>(pixel_count_);
  result.abs_rel = absolute_relative_sum_ / pixels;
  result.rmse = std::sqrt(squared_error_sum_ / pixels);
  result.delta1 = static_cast<double>(delta_hits_) / pixels;
  return result;
}

TaskMetrics DepthResult::to_task_metrics(const std::string& task) const {
  TaskMetrics metrics;
  metrics.task = task;
  metrics.kind = TaskKind::kDepth;
  metrics.set("abs_rel", abs_rel, false);
  metrics.set("rmse", rmse, false);
  metrics.set("delta1", delta1, true);
  return metrics;
}

}  // namespace mtl::eval
