// mtl::eval::DetectionEvaluator: average precision of a detection task over an evaluation set.
//
// The evaluator is fed one image at a time with the head's boxes, scores and labels and that
// image's ground truth, all as plain vectors. It computes the metrics of docs/metrics.md:
// per-class AP at IoU 0.5 ("ap50/<label>"), their mean ("map50") and the COCO mean over the IoU
// thresholds 0.50, 0.55, ..., 0.95 ("map"), all 101-point interpolated. It also reports the
// un-interpolated AP at IoU 0.5 per class ("ap50_raw/<label>") and exposes the matched ranking
// of a class, so that a test can recompute AP with another implementation.
//
// Thread safety: external synchronization required for add(). The const functions may run
// concurrently with each other.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/eval/box.h"
#include "mtl/eval/metric_value.h"

namespace mtl::eval {

/// The output of a detection head for one image. `boxes[i]`, `scores[i]` and `labels[i]` describe
/// detection `i`; a label is an index into the task's labels.
struct Detections {
  std::vector<Box> boxes;
  std::vector<float> scores;
  std::vector<std::int64_t> labels;
};

/// The ground-truth objects of one image. `labels[i]` is the task label index of `boxes[i]`.
struct GroundTruthBoxes {
  std::vector<Box> boxes;
  std::vector<std::int64_t> labels;
};

/// One prediction of a class ranking: its score, whether it matched a ground-truth box, and the
/// index of its image in the order of add() calls.
struct RankedPrediction {
  float score = 0.0f;
  bool true_positive = false;
  std::size_t image_index = 0;
};

/// All predictions of one class over the set, highest score first, after matching at one IoU
/// threshold.
struct ClassRanking {
  std::int64_t label = 0;
  double iou_threshold = 0.5;
  std::int64_t ground_truth_count = 0;  ///< Ground-truth boxes of the class in the whole set.
  std::vector<RankedPrediction> predictions;
};

/// The number of IoU thresholds of the COCO mean: 0.50, 0.55, ..., 0.95.
inline constexpr std::size_t kCocoThresholdCount = 10;

/// Returns the IoU threshold `index` of the COCO mean, (50 + 5 * index) / 100.
double coco_iou_threshold(std::size_t index) noexcept;

/// The scores of one class. Each AP is NaN when the class has no ground truth in the set.
struct ClassAveragePrecision {
  std::string label;
  std::int64_t ground_truth_count = 0;
  std::int64_t prediction_count = 0;
  double ap50 = 0.0;                ///< 101-point interpolated AP at IoU 0.5.
  double ap50_uninterpolated = 0.0; ///< Sum over true positives of precision / ground truth count.
  double ap = 0.0;                  ///< Mean of `ap_per_threshold`.
  std::array<double, kCocoThresholdCount> ap_per_threshold{};
};

/// The scores of a detection task. A mean is NaN when no class has ground truth.
struct DetectionResult {
  std::vector<ClassAveragePrecision> classes;  ///< One entry per task label, in label order.
  double map50 = 0.0;
  double map = 0.0;
  double map50_uninterpolated = 0.0;

  /// Returns "map50", "map", and "ap50/<label>" and "ap50_raw/<label>" for each class with
  /// ground truth. A mean without any class is NaN.
  TaskMetrics to_task_metrics(const std::string& task) const;
};

/// Accumulates detections and ground truth over a set and computes average precision.
class DetectionEvaluator {
 public:
  /// Creates an evaluator for a task whose label `i` is `labels[i]`.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `labels` is empty.
  explicit DetectionEvaluator(std::vector<std::string> labels);

  /// Adds one image: the head's detections and the image's ground truth. An image without ground
  /// truth still counts, since all of its detections are false positives.
  ///
  /// Throws: mtl::Error with kInvalidArgument when the vectors of `predictions` or of
  /// `ground_truth` differ in length, a label is outside [0, labels.size()), a score or a
  /// coordinate is not finite, or a ground-truth box has no positive width and height. Nothing is
  /// added then.
  void add(const Detections& predictions, const GroundTruthBoxes& ground_truth);

  /// Matches every class at every COCO threshold and computes the APs.
  DetectionResult compute() const;

  /// Matches the predictions of class `label` at `iou_threshold` and returns the ranking.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `label` is outside [0, labels.size()) or
  /// `iou_threshold` is outside (0, 1].
  ClassRanking ranking(std::int64_t label, double iou_threshold) const;

  /// Returns the number of images added so far.
  std::size_t image_count() const noexcept { return image_count_; }

  const std::vector<std::string>& labels() const noexcept { return labels_; }

 private:
  // One box of the set, flattened over all images. `image` is the add() call's index.
  struct StoredBox {
    Box box;
    std::int64_t label = 0;
    std::size_t image = 0;
    float score = 0.0f;  // Unused for ground truth.
  };

  std::vector<std::string> labels_;
  std::vector<StoredBox> predictions_;
  std::vector<StoredBox> ground_truth_;
  std::size_t image_count_ = 0;
};

}  // namespace mtl::eval
