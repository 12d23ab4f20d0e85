// Minimal raster drawing on an RGB Image: rectangles, alpha blending and text.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "mtl/image.h"

namespace mtl::detail {

using Color = std::array<uint8_t, 3>;

/// A distinct colour per class index, stable across runs (golden-angle hue steps).
Color class_color(int index);

/// A colour per class name (FNV-1a hash of the name), so that one class has one colour in every
/// task, whatever its index there.
Color class_color(const std::string& name);

class Canvas {
 public:
  explicit Canvas(Image& image) : image_(image) {}

  /// Blends `color` into one pixel with opacity `alpha` (0 to 1); ignores pixels outside.
  void blend(int x, int y, const Color& color, float alpha);

  void fill_rect(int x0, int y0, int x1, int y1, const Color& color, float alpha = 1.0f);

  /// Outline of the box [x0, x1] x [y0, y1], `thickness` pixels wide, drawn inside the box.
  void stroke_rect(int x0, int y0, int x1, int y1, const Color& color, int thickness);

  /// Text in stb_easy_font's 8-pixel font scaled by `scale`, on a filled label background.
  /// Returns the width in pixels of the drawn label.
  int label(int x, int y, const std::string& text, const Color& background, int scale);

  static int text_width(const std::string& text, int scale);

 private:
  Image& image_;
};

}  // namespace mtl::detail
