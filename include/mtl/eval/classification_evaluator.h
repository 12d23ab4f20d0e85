// mtl::eval::ClassificationEvaluator: accuracy and top-k accuracy of a classification task.
//
// The evaluator is fed one image at a time with the head's logits and the true label index. An
// image counts as correct when the true label's logit is the arg-max, ties going to the lower
// index ("accuracy"), and as a top-k hit when fewer than k labels rank above the true one
// ("top<k>"). A label ranks above the true one when its logit is greater, or equal with a lower
// index, the same tie rule as the arg-max.
//
// Thread safety: external synchronization required for add(). The const functions may run
// concurrently with each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mtl/eval/metric_value.h"

namespace mtl::eval {

/// The scores of a classification task. Values are NaN when no image was added.
struct ClassificationResult {
  std::vector<std::string> labels;
  double accuracy = 0.0;
  std::vector<std::pair<int, double>> top_k;  ///< (k, share of top-k hits), in the requested order.
  std::size_t image_count = 0;

  /// Returns the metrics under the names of docs/metrics.md: "accuracy" and "top<k>" for each k.
  TaskMetrics to_task_metrics(const std::string& task) const;
};

/// Counts correct and top-k predictions over a set.
class ClassificationEvaluator {
 public:
  /// Creates an evaluator for a task whose label `i` is `labels[i]`, reporting top-k accuracy for
  /// each value in `top_k`. Default: top-5 only.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `labels` is empty or a k is not positive or
  /// repeats.
  explicit ClassificationEvaluator(std::vector<std::string> labels, std::vector<int> top_k = {5});

  /// Adds one image: `count` logits, one per label, and the index of the true label.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `logits` is null, `count` differs from the
  /// number of labels, a logit is NaN, or `target` is outside [0, labels.size()).
  void add(const float* logits, std::size_t count, std::int64_t target);

  /// Adds one image, as the pointer form does.
  void add(const std::vector<float>& logits, std::int64_t target) {
    add(logits.data(), logits.size(), target);
  }

  /// Computes the shares of correct and top-k predictions so far.
  ClassificationResult compute() const;

  std::size_t image_count() const noexcept { return image_count_; }

  const std::vector<std::string>& labels() const noexcept { return labels_; }

 private:
  std::vector<std::string> labels_;
  std::vector<int> top_k_;
  std::vector<std::size_t> top_k_hits_;  // Parallel to top_k_.
  std::size_t correct_ = 0;
  std::size_t image_count_ = 0;
};

}  // namespace mtl::eval
