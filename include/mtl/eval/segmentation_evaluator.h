// mtl::eval::SegmentationEvaluator: confusion matrix, IoU and pixel accuracy of a segmentation task.
//
// The evaluator is fed one image at a time with the image's target label map, in task label
// indices, and either the head's `[C, H, W]` logits or a predicted label map. From logits it takes
// the arg-max channel, the lower channel on ties. A prediction of another size is resized to the
// target's size with nearest-neighbour sampling. One confusion matrix is accumulated over the set,
// and compute() derives the metrics of docs/metrics.md: "miou", "pixel_accuracy", "iou/<label>".
//
// Thread safety: external synchronization required for add_logits() and add_prediction(), which
// reuse internal buffers. The const functions may run concurrently with each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/eval/label_map.h"
#include "mtl/eval/metric_value.h"

namespace mtl::eval {

/// The scores of a segmentation task. Values are NaN where undefined: the IoU of a class that
/// never occurs in target or prediction, and every mean when no pixel was counted.
struct SegmentationResult {
  std::vector<std::string> labels;
  /// Row-major `labels.size() x labels.size()` counts: row = target class, column = predicted.
  std::vector<std::int64_t> confusion;
  std::vector<double> iou;  ///< Per class, TP / (TP + FP + FN).
  double miou = 0.0;        ///< Mean over the classes with TP + FP + FN > 0.
  double pixel_accuracy = 0.0;
  std::int64_t counted_pixels = 0;  ///< Pixels whose target is not the ignore index.

  /// Returns "miou", "pixel_accuracy", and "iou/<label>" for each class with a defined IoU.
  TaskMetrics to_task_metrics(const std::string& task) const;
};

/// Accumulates a confusion matrix over a set and computes IoU metrics.
class SegmentationEvaluator {
 public:
  /// The target value of a pixel that does not count.
  static constexpr std::int32_t kIgnoreIndex = -1;

  /// Creates an evaluator for a task whose channel `i` is `labels[i]`; label 0 is the background.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `labels` is empty.
  explicit SegmentationEvaluator(std::vector<std::string> labels);

  /// Adds one image given the head's logits, `channels x height x width` floats, row-major, with
  /// `channels == labels.size()`. The predicted class of a pixel is its arg-max channel, the lower
  /// channel on ties. `target` contains label indices or kIgnoreIndex.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `logits` is null, `channels` differs from the
  /// number of labels, a size is not positive, or `target` is empty, its size does not match its
  /// values, or it contains a value that is neither a label index nor kIgnoreIndex.
  void add_logits(const float* logits, int channels, int height, int width, const LabelMap& target);

  /// Adds one image given a predicted label map of label indices.
  ///
  /// Throws: mtl::Error with kInvalidArgument as add_logits() does for `target`, and when
  /// `predicted` is empty, its size does not match its values, or it contains a value outside
  /// [0, labels.size()).
  void add_prediction(const LabelMap& predicted, const LabelMap& target);

  /// Computes IoU, mean IoU and pixel accuracy from the confusion matrix so far.
  SegmentationResult compute() const;

  std::size_t image_count() const noexcept { return image_count_; }

  const std::vector<std::string>& labels() const noexcept { return labels_; }

 private:
  void check_target(const LabelMap& target) const;
  void accumulate(const std::int32_t* predicted, int predicted_height, int predicted_width,
                  const LabelMap& target);

  std::vector<std::string> labels_;
  std::vector<std::int64_t> confusion_;
  std::size_t image_count_ = 0;

  // Buffers reused across images, so that adding an image allocates only when it is larger.
  std::vector<float> best_logit_;
  std::vector<std::int32_t> best_channel_;
  std::vector<std::size_t> source_rows_;
  std::vector<std::size_t> source_columns_;
};

}  // namespace mtl::eval
