#include "image_files.h"

#include <memory>
#include <system_error>

#include <fmt/format.h>
#include <stb/stb_image.h>

#include "mtl/error.h"

namespace mtl::eval::detail {

namespace {

struct StbFree {
  void operator()(void* pixels) const { stbi_image_free(pixels); }
};

std::string failure_reason() {
  const char* reason = stbi_failure_reason();
  return reason != nullptr ? reason : "unknown reason";
}

[[noreturn]] void throw_data_error(const std::filesystem::path& path, const std::string& role,
                                   const std::string& problem) {
  throw Error(ErrorCode::kInvalidData, fmt::format("{}: {} {}", path.string(), role, problem));
}

void check_single_channel(const std::filesystem::path& path, const std::string& role,
                          const ImageHeader& header, bool sixteen_bit) {
  if (header.channels != 1 || header.sixteen_bit != sixteen_bit) {
    throw_data_error(path, role,
                     fmt::format("has bit depth {} and {} channel(s), expected a single-channel "
                                 "PNG of bit depth {}",
                                 header.sixteen_bit ? 16 : 8, header.channels,
                                 sixteen_bit ? 16 : 8));
  }
}

void check_size(const std::filesystem::path& path, const std::string& role,
                const ImageHeader& header, int width, int height) {
  if (header.width != width || header.height != height) {
    throw_data_error(path, role,
                     fmt::format("is {}x{} pixels, but the index says width {} and height {}",
                                 header.width, header.height, width, height));
  }
}

}  // namespace

ImageHeader read_image_header(const std::filesystem::path& path, const std::string& role) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("{}: {} does not exist or is not a file; check the path in the index",
                            path.string(), role));
  }

  ImageHeader header;
  std::string name = path.string();
  if (stbi_info(name.c_str(), &header.width, &header.height, &header.channels) == 0) {
    throw_data_error(path, role,
                     fmt::format("cannot be read as an image ({}), expected a PNG or JPEG file",
                                 failure_reason()));
  }
  header.sixteen_bit = stbi_is_16_bit(name.c_str()) != 0;
  return header;
}

void check_image_size(const std::filesystem::path& path, const std::string& role, int width,
                      int height) {
  ImageHeader header = read_image_header(path, role);
  check_size(path, role, header, width, height);
}

namespace {

// Decodes a single-channel image of 8-bit (Sample = uint8_t) or 16-bit (uint16_t) samples, after
// checking its header against the expected size.
template <typename Sample>
std::vector<Sample> decode_gray(const std::filesystem::path& path, const std::string& role, int width, int height) {
  constexpr bool kSixteenBit = sizeof(Sample) == 2;
  ImageHeader header = read_image_header(path, role);
  check_single_channel(path, role, header, kSixteenBit);
  check_size(path, role, header, width, height);

  int decoded_width = 0;
  int decoded_height = 0;
  int channels = 0;
  Sample* raw = nullptr;
  if constexpr (kSixteenBit) {
    raw = stbi_load_16(path.string().c_str(), &decoded_width, &decoded_height, &channels, 1);
  } else {
    raw = stbi_load(path.string().c_str(), &decoded_width, &decoded_height, &channels, 1);
  }
  std::unique_ptr<Sample, StbFree> pixels(raw);
  if (!pixels) {
    throw_data_error(path, role,
                     fmt::format("cannot be decoded ({}); the file may be truncated",
                                 failure_reason()));
  }
  if (decoded_width != width || decoded_height != height) {
    throw_data_error(path, role, "changed while it was being read; run the evaluation again");
  }

  std::size_t count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  return std::vector<Sample>(pixels.get(), pixels.get() + count);
}

}  // namespace

std::vector<std::uint8_t> decode_gray8(const std::filesystem::path& path, const std::string& role,
                                       int width, int height) {
  return decode_gray<std::uint8_t>(path, role, width, height);
}

std::vector<std::uint16_t> decode_gray16(const std::filesystem::path& path,
                                         const std::string& role, int width, int height) {
  return decode_gray<std::uint16_t>(path, role, width, height);
}

}  // namespace mtl::eval::detail
