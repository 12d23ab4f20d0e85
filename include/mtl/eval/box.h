// mtl::eval::Box: an axis-aligned box in pixel coordinates, as detection heads output them.
//
// Coordinates are continuous: a box covers [x1, x2) x [y1, y2) and its area is
// (x2 - x1) * (y2 - y1), with no +1 as in some older benchmarks.
//
// Thread safety: a plain value; the free function is pure.
#pragma once

namespace mtl::eval {

/// A box given by its corners `x1, y1` (top left) and `x2, y2` (bottom right), in input pixels.
struct Box {
  float x1 = 0.0f;
  float y1 = 0.0f;
  float x2 = 0.0f;
  float y2 = 0.0f;
};

/// Computes the intersection over union of two boxes in double precision. A box with
/// `x2 <= x1` or `y2 <= y1` has area 0.
///
/// Returns: a value in [0, 1]; 0 when the union is empty.
double intersection_over_union(const Box& a, const Box& b) noexcept;

}  // namespace mtl::eval
