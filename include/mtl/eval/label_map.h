// mtl::eval::LabelMap: a per-pixel map of integer labels, such as a segmentation label map.
//
// Thread safety: a plain value. Concurrent reads are safe; a write needs external synchronization.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtl::eval {

/// A `height x width` image of integer labels, stored row-major in `values`. Depending on where
/// it comes from, a value is a category id from the evaluation set (EvalDataset) or a task label
/// index (LabelMapping::to_class_map, SegmentationEvaluator).
struct LabelMap {
  int height = 0;
  int width = 0;
  std::vector<std::int32_t> values;

  /// Returns the value at row `y`, column `x`.
  std::int32_t at(int y, int x) const {
    return values[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
};

}  // namespace mtl::eval
