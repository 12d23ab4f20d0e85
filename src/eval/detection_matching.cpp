#include "detection_matching.h"

#include <algorithm>

namespace mtl::eval::detail {

ClassMatcher::ClassMatcher(std::vector<ClassBox> predictions,
                           const std::vector<ClassBox>& ground_truth)
    : predictions_(std::move(predictions)),
      ground_truth_count_(static_cast<std::int64_t>(ground_truth.size())) {
  std::stable_sort(predictions_.begin(), predictions_.end(),
                   [](const ClassBox& a, const ClassBox& b) { return a.score > b.score; });

  candidate_offsets_.reserve(predictions_.size() + 1);
  candidate_offsets_.push_back(0);
  auto by_image = [](const ClassBox& box, std::size_t image) { return box.image < image; };
  for (const ClassBox& prediction : predictions_) {
    auto first = std::lower_bound(ground_truth.begin(), ground_truth.end(), prediction.image,
                                  by_image);
    for (auto it = first; it != ground_truth.end() && it->image == prediction.image; ++it) {
      double iou = intersection_over_union(prediction.box, it->box);
      if (iou > 0.0) {
        candidate_index_.push_back(static_cast<std::size_t>(it - ground_truth.begin()));
        candidate_iou_.push_back(iou);
      }
    }
    candidate_offsets_.push_back(candidate_index_.size());
  }
}

std::vector<char> ClassMatcher::match(double iou_threshold) const {
  std::vector<char> matched(static_cast<std::size_t>(ground_truth_count_), 0);
  std::vector<char> true_positive(predictions_.size(), 0);

  for (std::size_t i = 0; i < predictions_.size(); ++i) {
    std::size_t best = 0;
    double best_iou = -1.0;
    for (std::size_t c = candidate_offsets_[i]; c < candidate_offsets_[i + 1]; ++c) {
      if (!matched[candidate_index_[c]] && candidate_iou_[c] > best_iou) {
        best = candidate_index_[c];
        best_iou = candidate_iou_[c];
      }
    }

    if (best_iou >= iou_threshold) {
      matched[best] = 1;
      true_positive[i] = 1;
    }
  }
  return true_positive;
}

}  // namespace mtl::eval::detail
