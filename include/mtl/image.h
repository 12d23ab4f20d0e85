// Image: an 8-bit RGB image in memory, decoded from PNG or JPEG with stb_image.
//
// Thread safety: a plain value; load() and decode() may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mtl {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  ///< Row-major, 3 bytes per pixel (R, G, B), no padding.

  /// Decodes a PNG or JPEG file (grey and alpha images become RGB).
  /// Throws: mtl::Error: kNotFound for a missing file; kInvalidData for an unreadable image or one
  /// of more than 100 megapixels.
  static Image load(const std::string& path);

  /// Decodes an image held in memory; `source` names it in messages. Throws: as load().
  static Image decode(const void* data, std::size_t size, const std::string& source);

  /// Writes the image as PNG. Throws: mtl::Error (kIo) if the file cannot be written.
  void save_png(const std::string& path) const;

  uint8_t* at(int x, int y) { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  const uint8_t* at(int x, int y) const { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
};

}  // namespace mtl
