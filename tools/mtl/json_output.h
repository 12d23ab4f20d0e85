// JSON text for the command line's output files and standard output.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mtl::cli {

/// Indented JSON text. Invalid UTF-8 (a file name in another encoding) is replaced by U+FFFD
/// rather than failing after all the work is done.
inline std::string dump_json(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mtl::cli
