// mtl::eval::MultilabelEvaluator: average precision and F1 of a multi-label tagging task.
//
// The evaluator is fed one image at a time with the head's logits, one independent sigmoid per
// label, and the label indices present in the image. It computes the metrics of docs/metrics.md:
// "map" (per-label AP with tied scores forming one step, as scikit-learn's
// average_precision_score), "f1" (micro-averaged at probability 0.5), "macro_f1" and "ap/<label>".
//
// AP ranks images by the raw logit. The sigmoid is monotonic, so this is the ranking by
// probability, without the ties that single-precision sigmoid creates for large logits. A label
// counts as predicted when `logit >= 0`, which is exactly `sigmoid(logit) >= 0.5`. The Python
// reference metrics make the same two choices.
//
// Thread safety: external synchronization required for add(). The const functions may run
// concurrently with each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mtl/eval/metric_value.h"

namespace mtl::eval {

/// The scores of a multi-label task. Values are NaN where undefined: the AP of a label without a
/// positive image, the F1 of a label with no positives and no predictions, and a mean over no
/// labels.
struct MultilabelResult {
  std::vector<std::string> labels;
  std::vector<double> ap;  ///< Per label.
  std::vector<double> f1;  ///< Per label, at probability 0.5.
  double map = 0.0;        ///< Mean of the defined per-label APs.
  double f1_micro = 0.0;   ///< 2 TP / (2 TP + FP + FN) summed over all labels and images.
  double macro_f1 = 0.0;   ///< Mean of the defined per-label F1 values.
  std::size_t image_count = 0;

  /// Returns "map", "f1", "macro_f1", and "ap/<label>" for each label with a positive image.
  TaskMetrics to_task_metrics(const std::string& task) const;
};

/// Accumulates multi-label scores over a set and computes AP and F1.
class MultilabelEvaluator {
 public:
  /// Creates an evaluator for a task whose label `i` is `labels[i]`.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `labels` is empty.
  explicit MultilabelEvaluator(std::vector<std::string> labels);

  /// Adds one image: `count` logits, one per label, and the indices of the labels present.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `logits` is null, `count` differs from the
  /// number of labels, a logit is NaN, or a positive label is outside [0, labels.size()).
  void add(const float* logits, std::size_t count, const std::vector<std::int64_t>& positive_labels);

  /// Adds one image, as the pointer form does.
  void add(const std::vector<float>& logits, const std::vector<std::int64_t>& positive_labels) {
    add(logits.data(), logits.size(), positive_labels);
  }

  /// Computes AP and F1 over the images so far.
  MultilabelResult compute() const;

  std::size_t image_count() const noexcept { return image_count_; }

  const std::vector<std::string>& labels() const noexcept { return labels_; }

 private:
  std::vector<std::string> labels_;
  std::size_t image_count_ = 0;
  std::vector<float> logits_;   // Image-major: image * labels_.size() + label.
  std::vector<char> positive_;  // Same layout as logits_.
};

}  // namespace mtl::eval
