// Reading a whole text file with mtl errors. Internal to mtl::eval.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <filesystem>
#include <string>

namespace mtl::eval::detail {

/// Reads the file at `path`. `description` names it in messages, such as "gate policy file".
///
/// Throws: mtl::Error with kNotFound when the file does not exist or is not a regular file, and
/// kIo when it cannot be opened or read.
std::string read_text_file(const std::filesystem::path& path, const std::string& description);

}  // namespace mtl::eval::detail
