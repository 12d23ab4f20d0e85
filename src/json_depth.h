// A guard against deeply nested JSON. nlohmann::json parses any depth, but destroying or printing
// a value recurses once per level, so a few hundred kilobytes of brackets overflow the stack.
// Every file mtl reads is checked with this before it is parsed.
#pragma once

#include <cstddef>
#include <string>

namespace mtl::detail {

/// Deepest nesting any mtl file format needs, with a wide margin (manifests and indexes use 4).
constexpr int kMaxJsonDepth = 64;

/// Returns the byte offset at which `text` nests arrays and objects deeper than `max_depth`, or
/// std::string::npos if it never does. Brackets inside strings do not count.
std::size_t find_excess_json_depth(const std::string& text, int max_depth = kMaxJsonDepth);

}  // namespace mtl::detail
