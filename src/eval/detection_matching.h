// Greedy matching of one class's predictions to its ground truth. Internal to mtl::eval.
//
// Thread safety: match() is const and may run concurrently on one ClassMatcher.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mtl/eval/box.h"

namespace mtl::eval::detail {

/// A prediction or ground-truth box of one class, with the index of its image.
struct ClassBox {
  Box box;
  std::size_t image = 0;
  float score = 0.0f;
};

/// Ranks the predictions of one class and matches them to ground truth at any IoU threshold.
/// The IoUs are computed once, in the constructor, for the pairs in the same image that overlap.
class ClassMatcher {
 public:
  /// `predictions` in image order, then head output order; `ground_truth` in image order.
  ClassMatcher(std::vector<ClassBox> predictions, const std::vector<ClassBox>& ground_truth);

  /// Walks the ranking and matches each prediction to the unmatched ground-truth box of its image
  /// with the highest IoU, if that IoU is at least `iou_threshold`. Among equal IoUs the box added
  /// first wins.
  ///
  /// Returns: the true-positive flag of each prediction in rank order.
  std::vector<char> match(double iou_threshold) const;

  /// Returns the predictions, highest score first; equal scores keep their input order.
  const std::vector<ClassBox>& ranked_predictions() const noexcept { return predictions_; }

  std::int64_t ground_truth_count() const noexcept { return ground_truth_count_; }

 private:
  std::vector<ClassBox> predictions_;
  std::int64_t ground_truth_count_ = 0;

  // The overlapping ground truth of prediction i is at [candidate_offsets_[i],
  // candidate_offsets_[i + 1]) in candidate_index_ and candidate_iou_.
  std::vector<std::size_t> candidate_offsets_;
  std::vector<std::size_t> candidate_index_;
  std::vector<double> candidate_iou_;
};

}  // namespace mtl::eval::detail
