#include "average_precision.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

namespace mtl::eval::detail {

namespace {

constexpr std::int64_t kRecallPointCount = 101;

}  // namespace

double interpolated_average_precision(const std::vector<char>& true_positive,
                                      std::int64_t ground_truth_count) {
  assert(ground_truth_count > 0);
  std::size_t count = true_positive.size();
  if (count == 0) {
    return 0.0;
  }

  std::vector<std::int64_t> matched(count);
  std::vector<double> precision(count);
  std::int64_t tp = 0;
  for (std::size_t i = 0; i < count; ++i) {
    tp += true_positive[i] ? 1 : 0;
    matched[i] = tp;
    precision[i] = static_cast<double>(tp) / static_cast<double>(i + 1);
  }

  // Make precision monotone: each value becomes the maximum at any equal or higher recall.
  for (std::size_t i = count - 1; i > 0; --i) {
    precision[i - 1] = std::max(precision[i - 1], precision[i]);
  }

  // Recall only grows along the ranking, so one pointer walks it for all recall points.
  double sum = 0.0;
  std::size_t position = 0;
  for (std::int64_t k = 0; k < kRecallPointCount; ++k) {
    while (position < count && matched[position] * 100 < k * ground_truth_count) {
      ++position;
    }
    if (position == count) {
      break;
    }
    sum += precision[position];
  }
  return sum / static_cast<double>(kRecallPointCount);
}

double uninterpolated_average_precision(const std::vector<char>& true_positive,
                                        std::int64_t ground_truth_count) {
  assert(ground_truth_count > 0);
  double sum = 0.0;
  std::int64_t tp = 0;
  for (std::size_t i = 0; i < true_positive.size(); ++i) {
    if (true_positive[i]) {
      ++tp;
      sum += static_cast<double>(tp) / static_cast<double>(i + 1);
    }
  }
  return sum / static_cast<double>(ground_truth_count);
}

double tied_average_precision(const std::vector<float>& scores, const std::vector<char>& positive) {
  assert(scores.size() == positive.size());
  std::int64_t positive_count =
      std::count_if(positive.begin(), positive.end(), [](char p) { return p != 0; });
  if (positive_count == 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }

  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });

  // One step per distinct score: precision and recall after the last item of a tie group.
  double sum = 0.0;
  double previous_recall = 0.0;
  std::int64_t tp = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    tp += positive[order[i]] ? 1 : 0;
    bool last_of_group = i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]];
    if (!last_of_group) {
      continue;
    }
    double recall = static_cast<double>(tp) / static_cast<double>(positive_count);
    double precision = static_cast<double>(tp) / static_cast<double>(i + 1);
    sum += (recall - previous_recall) * precision;
    previous_recall = recall;
  }
  return sum;
}

}  // namespace mtl::eval::detail
