// mtl::eval::DepthMap: a per-pixel depth image in metres.
//
// Thread safety: a plain value. Concurrent reads are safe; a write needs external synchronization.
#pragma once

#include <cstddef>
#include <vector>

namespace mtl::eval {

/// A `height x width` depth image in metres, stored row-major in `metres`. In ground truth, 0
/// means that the pixel has no measurement.
struct DepthMap {
  int height = 0;
  int width = 0;
  std::vector<float> metres;

  /// Returns the depth at row `y`, column `x`.
  float at(int y, int x) const {
    return metres[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
};

}  // namespace mtl::eval
