// Helpers for the evaluation tests: temporary folders, image files, running the scikit-learn
// Python, and capturing mtl::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mtl/error.h"

namespace mtl::eval::testing {

/// A fresh folder under the system's temporary directory, removed with its contents on
/// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes `text` to `path`, creating parent folders.
void write_text(const std::filesystem::path& path, const std::string& text);

/// Writes an 8-bit PNG with `channels` channels; `pixels` is row-major, interleaved.
void write_png8(const std::filesystem::path& path, int width, int height, int channels,
                const std::vector<std::uint8_t>& pixels);

/// Writes a 16-bit single-channel PNG, which stb_image_write cannot produce. The image data is
/// stored in uncompressed deflate blocks.
void write_png16(const std::filesystem::path& path, int width, int height,
                 const std::vector<std::uint16_t>& pixels);

/// Cuts the file at `path` to its first `size` bytes.
void truncate_file(const std::filesystem::path& path, std::size_t size);

/// The outcome of running a Python script.
struct PythonRun {
  int exit_code = -1;
  std::string output;  ///< Standard output and standard error together.
};

/// The interpreter that has scikit-learn. Debian's python3-sklearn lives under /usr/bin/python3,
/// which may not be the first python3 on PATH. MTL_TEST_PYTHON overrides it at compile time.
std::string python_executable();

/// Runs `script` with python_executable(), passing `arguments` after the script's path.
PythonRun run_python(const std::string& script, const std::vector<std::string>& arguments);

/// The code and message of a caught mtl::Error.
struct CaughtError {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

/// Calls `action` and returns the mtl::Error it throws, or std::nullopt when it returns normally.
/// Any other exception propagates, so that doctest reports it as a failure.
std::optional<CaughtError> catch_error(const std::function<void()>& action);

}  // namespace mtl::eval::testing
