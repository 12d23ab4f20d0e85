// mtl::eval::DepthEvaluator: AbsRel, RMSE and delta < 1.25 of a depth task.
//
// The evaluator is fed one image at a time with the head's depth in metres and the ground-truth
// depth map. Means run over all pixels of all images that have a measurement (ground truth
// above 0). A prediction of another size is resized to the ground truth's size with
// nearest-neighbour sampling, and a predicted depth at or below 0 counts as 1e-6 m so that the
// ratios stay finite. Metric names follow docs/metrics.md: "abs_rel" and "rmse" (lower is
// better), "delta1" (higher is better).
//
// Thread safety: external synchronization required for add(), which reuses an internal buffer.
// The const functions may run concurrently with each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/eval/depth_map.h"
#include "mtl/eval/metric_value.h"

namespace mtl::eval {

/// The scores of a depth task. Values are NaN when no pixel had a measurement.
struct DepthResult {
  double abs_rel = 0.0;  ///< Mean of |d - g| / g.
  double rmse = 0.0;     ///< sqrt(mean((d - g)^2)), in metres.
  double delta1 = 0.0;   ///< Share of pixels with max(d / g, g / d) < 1.25.
  std::int64_t pixel_count = 0;
  std::size_t image_count = 0;

  /// Returns the metrics under the names of docs/metrics.md.
  TaskMetrics to_task_metrics(const std::string& task) const;
};

/// Accumulates depth errors over a set.
class DepthEvaluator {
 public:
  /// The depth in metres that replaces a prediction at or below 0.
  static constexpr double kMinimumDepth = 1e-6;

  /// Adds one image: the predicted depth, `height x width` floats in metres, row-major, and the
  /// ground truth.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `depth` is null or a size is not positive. It
  /// also throws when `target` is empty, its size does not match its values, or a ground-truth
  /// value is negative or not finite, and when a measured pixel samples a non-finite prediction.
  void add(const float* depth, int height, int width, const DepthMap& target);

  /// Adds one image, as the pointer form does.
  void add(const DepthMap& prediction, const DepthMap& target);

  /// Computes the means over the measured pixels so far.
  DepthResult compute() const;

  std::size_t image_count() const noexcept { return image_count_; }

 private:
  double absolute_relative_sum_ = 0.0;
  double squared_error_sum_ = 0.0;
  std::int64_t delta_hits_ = 0;
  std::int64_t pixel_count_ = 0;
  std::size_t image_count_ = 0;

  // Reused across images: the prediction resampled to the ground truth's size.
  std::vector<float> resampled_;
  std::vector<std::size_t> source_rows_;
  std::vector<std::size_t> source_columns_;
};

}  // namespace mtl::eval
