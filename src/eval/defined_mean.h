// The mean over the defined (non-NaN) values, used for means over classes. Internal to mtl::eval.
//
// Thread safety: pure functions.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace mtl::eval::detail {

/// The value of a metric that is undefined on the evaluation set.
inline constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

/// Returns the mean of the values that are not NaN, or NaN when every value is NaN or there are
/// none.
inline double mean_of_defined(const std::vector<double>& values) {
  double sum = 0.0;
  std::size_t count = 0;
  for (double value : values) {
    if (!std::isnan(value)) {
      sum += value;
      ++count;
    }
  }
  return count == 0 ? kUndefined : sum / static_cast<double>(count);
}

}  // namespace mtl::eval::detail
