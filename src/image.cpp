#include "mtl/image.h"

#include <fmt/format.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "mtl/error.h"

namespace mtl {
namespace {

// 100 megapixels, 300 MB decoded: far above any model input, low enough to stop a 400 KB PNG
// that claims 20000x20000 pixels from taking gigabytes.
constexpr uint64_t kMaxPixels = 100'000'000;

struct StbFree {
  void operator()(stbi_uc* data) const { stbi_image_free(data); }
};

Image from_stb(stbi_uc* raw, int width, int height, const std::string& source) {
  std::unique_ptr<stbi_uc, StbFree> data(raw);
  if (!data) {
    throw Error(ErrorCode::kInvalidData,
                fmt::format("image '{}' could not be decoded: {}; expected a PNG or JPEG file", source,
                            stbi_failure_reason() ? stbi_failure_reason() : "unknown reason"));
  }
  if (width <= 0 || height <= 0) {
    throw Error(ErrorCode::kInvalidData, fmt::format("image '{}' has size {}x{}", source, width, height));
  }
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.assign(data.get(), data.get() + static_cast<std::size_t>(width) * height * 3);
  return image;
}

}  // namespace

Image Image::load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorCode::kNotFound, fmt::format("image file '{}' not found", path));
  }
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file && !file.eof()) {
    throw Error(ErrorCode::kIo, fmt::format("image file '{}' could not be read", path));
  }
  return decode(bytes.data(), bytes.size(), path);
}

Image Image::decode(const void* data, std::size_t size, const std::string& source) {
  if (data == nullptr || size == 0) {
    throw Error(ErrorCode::kInvalidData, fmt::format("image '{}' is empty; expected a PNG or JPEG file", source));
  }
  if (size > static_cast<std::size_t>(INT32_MAX)) {
    throw Error(ErrorCode::kInvalidData, fmt::format("image '{}' is {} bytes; at most 2 GiB is supported", source, size));
  }
  int width = 0;
  int height = 0;
  int channels = 0;
  // The header alone gives the size; refuse to allocate for an image no vision model takes.
  if (stbi_info_from_memory(static_cast<const stbi_uc*>(data), static_cast<int>(size), &width, &height, &channels) &&
      static_cast<uint64_t>(width) * static_cast<uint64_t>(height) > kMaxPixels) {
    throw Error(ErrorCode::kInvalidData,
                fmt::format("image '{}' is {}x{} pixels, more than the {} megapixels mtl decodes; downscale it first",
                            source, width, height, kMaxPixels / 1000000));
  }
  stbi_uc* raw = stbi_load_from_memory(static_cast<const stbi_uc*>(data), static_cast<int>(size), &width, &height,
                                       &channels, 3);
  return from_stb(raw, width, height, source);
}

void Image::save_png(const std::string& path) const {
  if (width <= 0 || height <= 0 || pixels.size() != static_cast<std::size_t>(width) * height * 3) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("image of size {}x{} with {} bytes cannot be saved to '{}'", width, height, pixels.size(), path));
  }
  if (stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3) == 0) {
    throw Error(ErrorCode::kIo, fmt::format("writing PNG file '{}' failed; check that the folder exists and is writable",
                                            path));
  }
}

}  // namespace mtl
