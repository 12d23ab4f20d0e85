#include "canvas.h"

#include <algorithm>
#include <cmath>
#include <vector>

// stb_easy_font is header-only with static functions; it turns text into quads.
#include <stb/stb_easy_font.h>

namespace mtl::detail {

Color class_color(int index) {
  const double hue = std::fmod(index * 137.508, 360.0) / 60.0;
  const double chroma = 0.85;
  const double second = chroma * (1.0 - std::fabs(std::fmod(hue, 2.0) - 1.0));
  double red = 0;
  double green = 0;
  double blue = 0;
  switch (static_cast<int>(hue)) {
    case 0: red = chroma; green = second; break;
    case 1: red = second; green = chroma; break;
    case 2: green = chroma; blue = second; break;
    case 3: green = second; blue = chroma; break;
    case 4: red = second; blue = chroma; break;
    default: red = chroma; blue = second; break;
  }
  const double lift = 0.15;
  return {static_cast<uint8_t>((red + lift) * 255), static_cast<uint8_t>((green + lift) * 255),
          static_cast<uint8_t>((blue + lift) * 255)};
}

Color class_color(const std::string& name) {
  uint32_t hash = 2166136261u;
  for (const char c : name) {
    hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  }
  return class_color(static_cast<int>(hash % 360));
}

void Canvas::blend(int x, int y, const Color& color, float alpha) {
  if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) {
    return;
  }
  uint8_t* pixel = image_.at(x, y);
  for (int c = 0; c < 3; ++c) {
    pixel[c] = static_cast<uint8_t>(std::lround(pixel[c] * (1.0f - alpha) + color[c] * alpha));
  }
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, const Color& color, float alpha) {
  for (int y = std::max(0, y0); y <= std::min(image_.height - 1, y1); ++y) {
    for (int x = std::max(0, x0); x <= std::min(image_.width - 1, x1); ++x) {
      blend(x, y, color, alpha);
    }
  }
}

void Canvas::stroke_rect(int x0, int y0, int x1, int y1, const Color& color, int thickness) {
  for (int t = 0; t < thickness; ++t) {
    fill_rect(x0 + t, y0 + t, x1 - t, y0 + t, color);
    fill_rect(x0 + t, y1 - t, x1 - t, y1 - t, color);
    fill_rect(x0 + t, y0 + t, x0 + t, y1 - t, color);
    fill_rect(x1 - t, y0 + t, x1 - t, y1 - t, color);
  }
}

int Canvas::text_width(const std::string& text, int scale) {
  return stb_easy_font_width(const_cast<char*>(text.c_str())) * scale;
}

int Canvas::label(int x, int y, const std::string& text, const Color& background, int scale) {
  const int width = text_width(text, scale) + 2 * scale;
  const int height = 9 * scale;
  // Keep the label inside the image when there is room for it.
  x = std::max(0, std::min(x, image_.width - width));
  fill_rect(x, y, x + width - 1, y + height - 1, background, 0.85f);

  // Dark text on light backgrounds, white on dark ones (Rec. 601 luma).
  const double luma = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2];
  const Color ink = luma > 140 ? Color{0, 0, 0} : Color{255, 255, 255};

  std::vector<char> quads(text.size() * 300 + 64);
  const int count = stb_easy_font_print(0, 0, const_cast<char*>(text.c_str()), nullptr, quads.data(),
                                        static_cast<int>(quads.size()));
  // Each quad is 4 vertices of (x, y, z, colour) as floats and bytes: 16 bytes per vertex.
  for (int q = 0; q < count; ++q) {
    const float* first = reinterpret_cast<const float*>(quads.data() + q * 64);
    const float* third = reinterpret_cast<const float*>(quads.data() + q * 64 + 32);
    fill_rect(x + scale + static_cast<int>(first[0]) * scale, y + scale + static_cast<int>(first[1]) * scale,
              x + scale + static_cast<int>(third[0]) * scale - 1, y + scale + static_cast<int>(third[1]) * scale - 1,
              ink);
  }
  return width;
}

}  // namespace mtl::detail
