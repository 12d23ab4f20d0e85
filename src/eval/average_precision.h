// Average precision of a ranking, in the three forms of docs/metrics.md. Internal to mtl::eval.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

namespace mtl::eval::detail {

/// Computes the COCO 101-point interpolated AP of a ranking. `true_positive[i]` is 1 when the
/// prediction at rank `i` matched, and `ground_truth_count` (positive) is the number of objects
/// that could be matched. Recall points are compared exactly, as `TP * 100 >= k * G`, so a recall
/// of 29/100 reaches the point 0.29.
///
/// Returns: a value in [0, 1]; 0 for an empty ranking.
double interpolated_average_precision(const std::vector<char>& true_positive,
                                      std::int64_t ground_truth_count);

/// Computes the un-interpolated AP of a ranking: the sum of the precision at every true
/// positive, divided by `ground_truth_count` (positive). Every rank is its own step, even where
/// scores tie.
double uninterpolated_average_precision(const std::vector<char>& true_positive,
                                        std::int64_t ground_truth_count);

/// Computes AP as scikit-learn's average_precision_score does: sort by score, highest first,
/// take precision and recall once per distinct score (tied scores form one step), and sum
/// (R_n - R_{n-1}) * P_n. `positive[i]` is true when item `i` with `scores[i]` is relevant.
///
/// Returns: NaN when no item is positive, else a value in [0, 1]. Scores must not be NaN.
double tied_average_precision(const std::vector<float>& scores, const std::vector<char>& positive);

}  // namespace mtl::eval::detail
