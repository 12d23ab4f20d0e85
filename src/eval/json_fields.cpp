#include "json_fields.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "json_depth.h"
#include "mtl/error.h"

namespace mtl::eval::detail {

namespace {

constexpr std::size_t kMaxRenderedLength = 60;

}  // namespace

Json parse_json(const std::string& file, const std::string& text) {
  const std::size_t too_deep = mtl::detail::find_excess_json_depth(text);
  if (too_deep != std::string::npos) {
    throw Error(ErrorCode::kInvalidData,
                fmt::format("{}: JSON nests deeper than {} levels at byte {}; no mtl file needs that, check the file",
                            file, mtl::detail::kMaxJsonDepth, too_deep));
  }
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& error) {
    throw Error(ErrorCode::kInvalidData, fmt::format("{}: malformed JSON ({}); fix the file's syntax", file, error.what()));
  }
}

void throw_field_error(const std::string& file, const std::string& field,
                       const std::string& problem) {
  throw Error(ErrorCode::kInvalidData, fmt::format("{}: {} {}", file, field, problem));
}

std::string render(const Json& value) {
  std::string text = value.dump();
  if (text.size() > kMaxRenderedLength) {
    text = text.substr(0, kMaxRenderedLength) + "...";
  }
  return text;
}

const Json& require_field(const std::string& file, const Json& object, std::string_view field,
                          const char* key) {
  auto it = object.find(key);
  if (it == object.end()) {
    throw_field_error(file, std::string(field), fmt::format("has no \"{}\" field", key));
  }
  return *it;
}

void require_object(const std::string& file, const Json& value, std::string_view field) {
  if (!value.is_object()) {
    throw_field_error(file, std::string(field),
                      fmt::format("is {}, expected a JSON object", render(value)));
  }
}

void require_array(const std::string& file, const Json& value, std::string_view field) {
  if (!value.is_array()) {
    throw_field_error(file, std::string(field),
                      fmt::format("is {}, expected a JSON array", render(value)));
  }
}

std::int64_t read_integer(const std::string& file, const Json& value, std::string_view field) {
  if (value.is_number_unsigned()) {
    auto unsigned_value = value.get<std::uint64_t>();
    if (unsigned_value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(unsigned_value);
    }
  } else if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  throw_field_error(file, std::string(field),
                    fmt::format("is {}, expected an integer", render(value)));
}

std::int64_t read_positive_integer(const std::string& file, const Json& value,
                                   std::string_view field) {
  std::int64_t number = read_integer(file, value, field);
  if (number <= 0) {
    throw_field_error(file, std::string(field),
                      fmt::format("is {}, expected a positive integer", number));
  }
  return number;
}

double read_number(const std::string& file, const Json& value, std::string_view field) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    throw_field_error(file, std::string(field),
                      fmt::format("is {}, expected a finite number", render(value)));
  }
  return value.get<double>();
}

std::string read_string(const std::string& file, const Json& value, std::string_view field) {
  if (!value.is_string() || value.get<std::string>().empty()) {
    throw_field_error(file, std::string(field),
                      fmt::format("is {}, expected a non-empty string", render(value)));
  }
  return value.get<std::string>();
}

}  // namespace mtl::eval::detail
