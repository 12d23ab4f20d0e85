// Image file checks and decoding with stb_image, for the evaluation set. Internal to mtl::eval.
//
// Every function throws mtl::Error whose message starts with the file's path and names `role`,
// such as "label map of image id 4", so that a caller sees which index entry refers to the file.
//
// Thread safety: safe for concurrent use. stb_image keeps its failure reason per thread, and
// these functions never change stb's global settings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mtl::eval::detail {

/// The size and format of an image file, from its header.
struct ImageHeader {
  int width = 0;
  int height = 0;
  int channels = 0;
  bool sixteen_bit = false;
};

/// Reads the header of the image at `path` without decoding its pixels.
///
/// Throws: kNotFound when the file does not exist, kInvalidData when stb_image cannot read it as
/// an image.
ImageHeader read_image_header(const std::filesystem::path& path, const std::string& role);

/// Checks that the header of `path` gives the size `width x height`.
///
/// Throws: as read_image_header(), and kInvalidData when the size differs.
void check_image_size(const std::filesystem::path& path, const std::string& role, int width,
                      int height);

/// Decodes an 8-bit single-channel PNG of `width x height`, such as a segmentation label map.
///
/// Throws: as read_image_header(), and kInvalidData when the file is 16-bit, has more than one
/// channel, has another size, or its pixel data cannot be decoded.
std::vector<std::uint8_t> decode_gray8(const std::filesystem::path& path, const std::string& role,
                                       int width, int height);

/// Decodes a 16-bit single-channel PNG of `width x height`, such as a depth map.
///
/// Throws: as decode_gray8(), with 8-bit files rejected instead of 16-bit ones.
std::vector<std::uint16_t> decode_gray16(const std::filesystem::path& path,
                                         const std::string& role, int width, int height);

}  // namespace mtl::eval::detail
