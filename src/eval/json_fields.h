// Typed access to JSON fields with errors that name the file and the field. Internal to mtl::eval.
//
// Every function throws mtl::Error with kInvalidData, starting the message with `file`, when the
// value is missing or has the wrong type or range.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mtl::eval::detail {

using Json = nlohmann::json;

/// Parses a whole JSON file's text. Throws kInvalidData naming `file` for malformed JSON or for
/// nesting deeper than any mtl format uses (which would overflow the stack when printed).
Json parse_json(const std::string& file, const std::string& text);

/// Throws kInvalidData with the message "<file>: <field> <problem>".
[[noreturn]] void throw_field_error(const std::string& file, const std::string& field,
                                    const std::string& problem);

/// Returns a short rendering of `value` for error messages, cut after about 60 characters.
std::string render(const Json& value);

/// Returns `object[key]`, which must exist. `field` names `object` in messages, such as
/// "images[3]".
const Json& require_field(const std::string& file, const Json& object, std::string_view field,
                          const char* key);

/// Checks that `value` is a JSON object.
void require_object(const std::string& file, const Json& value, std::string_view field);

/// Checks that `value` is a JSON array.
void require_array(const std::string& file, const Json& value, std::string_view field);

/// Returns `value` as an integer; a number with a fraction or a string is an error.
std::int64_t read_integer(const std::string& file, const Json& value, std::string_view field);

/// Returns `value` as an integer above 0.
std::int64_t read_positive_integer(const std::string& file, const Json& value,
                                   std::string_view field);

/// Returns `value` as a finite number, integer or not.
double read_number(const std::string& file, const Json& value, std::string_view field);

/// Returns `value` as a non-empty string.
std::string read_string(const std::string& file, const Json& value, std::string_view field);

}  // namespace mtl::eval::detail
