#include "text_file.h"

#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

#include "mtl/error.h"

namespace mtl::eval::detail {

std::string read_text_file(const std::filesystem::path& path, const std::string& description) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("{}: the {} does not exist or is not a regular file", path.string(),
                            description));
  }

  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    throw Error(ErrorCode::kIo, fmt::format("{}: cannot open the {}; check its permissions",
                                            path.string(), description));
  }
  std::string text((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  if (stream.bad()) {
    throw Error(ErrorCode::kIo, fmt::format("{}: reading the {} failed", path.string(), description));
  }
  return text;
}

}  // namespace mtl::eval::detail
