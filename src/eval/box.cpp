#include "mtl/eval/box.h"

#include <algorithm>

namespace mtl::eval {

namespace {

double area(const Box& box) {
  double width = std::max(0.0, static_cast<double>(box.x2) - box.x1);
  double height = std::max(0.0, static_cast<double>(box.y2) - box.y1);
  return width * height;
}

}  // namespace

double intersection_over_union(const Box& a, const Box& b) noexcept {
  double overlap_width =
      std::min<double>(a.x2, b.x2) - std::max<double>(a.x1, b.x1);
  double overlap_height =
      std::min<double>(a.y2, b.y2) - std::max<double>(a.y1, b.y1);
  if (overlap_width <= 0.0 || overlap_height <= 0.0) {
    return 0.0;
  }

  double intersection = overlap_width * overlap_height;
  double union_area = area(a) + area(b) - intersection;
  return union_area > 0.0 ? intersection / union_area : 0.0;
}

}  // namespace mtl::eval
