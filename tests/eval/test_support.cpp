#include "test_support.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <stb/stb_image_write.h>
#include <sys/wait.h>

#ifndef MTL_TEST_PYTHON
#define MTL_TEST_PYTHON "/usr/bin/python3"
#endif

namespace mtl::eval::testing {

namespace {

void append_big_endian(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

std::uint32_t crc32(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return crc ^ 0xFFFFFFFFu;
}

std::uint32_t adler32(const std::vector<std::uint8_t>& data) {
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (std::uint8_t byte : data) {
    a = (a + byte) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

// Appends a PNG chunk: length, type, data, and the CRC over type and data.
void append_chunk(std::vector<std::uint8_t>& png, const char* type,
                  const std::vector<std::uint8_t>& data) {
  append_big_endian(png, static_cast<std::uint32_t>(data.size()));
  std::size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  append_big_endian(png, crc32(png.data() + start, png.size() - start));
}

// Wraps `raw` in a zlib stream of stored (uncompressed) deflate blocks.
std::vector<std::uint8_t> zlib_stored(const std::vector<std::uint8_t>& raw) {
  constexpr std::size_t kMaxBlock = 65535;
  std::vector<std::uint8_t> out = {0x78, 0x01};
  std::size_t offset = 0;
  do {
    std::size_t length = std::min(kMaxBlock, raw.size() - offset);
    bool last = offset + length == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<std::uint8_t>(length & 0xFF));
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(~length & 0xFF));
    out.push_back(static_cast<std::uint8_t>((~length >> 8) & 0xFF));
    out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(offset),
               raw.begin() + static_cast<std::ptrdiff_t>(offset + length));
    offset += length;
  } while (offset < raw.size());
  append_big_endian(out, adler32(raw));
  return out;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mtl-eval-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder from " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream stream(path, std::ios::binary);
  stream << text;
  if (!stream) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

void write_png8(const std::filesystem::path& path, int width, int height, int channels,
                const std::vector<std::uint8_t>& pixels) {
  std::filesystem::create_directories(path.parent_path());
  if (pixels.size() != static_cast<std::size_t>(width * height * channels) ||
      stbi_write_png(path.string().c_str(), width, height, channels, pixels.data(),
                     width * channels) == 0) {
    throw std::runtime_error("cannot write the PNG " + path.string());
  }
}

void write_png16(const std::filesystem::path& path, int width, int height,
                 const std::vector<std::uint16_t>& pixels) {
  if (pixels.size() != static_cast<std::size_t>(width * height)) {
    throw std::runtime_error("write_png16: wrong pixel count for " + path.string());
  }

  // Each row: filter type 0 (none), then big-endian samples.
  std::vector<std::uint8_t> raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    for (int x = 0; x < width; ++x) {
      std::uint16_t value = pixels[static_cast<std::size_t>(y * width + x)];
      raw.push_back(static_cast<std::uint8_t>(value >> 8));
      raw.push_back(static_cast<std::uint8_t>(value & 0xFF));
    }
  }

  std::vector<std::uint8_t> header;
  append_big_endian(header, static_cast<std::uint32_t>(width));
  append_big_endian(header, static_cast<std::uint32_t>(height));
  header.insert(header.end(), {16, 0, 0, 0, 0});  // Bit depth 16, greyscale, no interlace.

  std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  append_chunk(png, "IHDR", header);
  append_chunk(png, "IDAT", zlib_stored(raw));
  append_chunk(png, "IEND", {});
  write_text(path, std::string(png.begin(), png.end()));
}

void truncate_file(const std::filesystem::path& path, std::size_t size) {
  std::filesystem::resize_file(path, size);
}

std::string python_executable() {
  return MTL_TEST_PYTHON;
}

PythonRun run_python(const std::string& script, const std::vector<std::string>& arguments) {
  TempDir folder;
  std::filesystem::path script_path = folder.path() / "script.py";
  std::filesystem::path output_path = folder.path() / "output.txt";
  write_text(script_path, script);

  std::string command = "'" + python_executable() + "' '" + script_path.string() + "'";
  for (const std::string& argument : arguments) {
    command += " '" + argument + "'";
  }
  command += " > '" + output_path.string() + "' 2>&1";

  PythonRun run;
  int status = std::system(command.c_str());
  run.exit_code = status == -1 ? -1 : WEXITSTATUS(status);
  std::ifstream output(output_path);
  run.output.assign(std::istreambuf_iterator<char>(output), std::istreambuf_iterator<char>());
  return run;
}

std::optional<CaughtError> catch_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return CaughtError{error.code(), error.what()};
  }
  return std::nullopt;
}

}  // namespace mtl::eval::testing
