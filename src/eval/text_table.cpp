#include "text_table.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace mtl::eval::detail {

TextTable::TextTable(std::vector<std::string> header, std::vector<bool> numeric)
    : numeric_(std::move(numeric)) {
  assert(header.size() == numeric_.size());
  rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) {
  assert(cells.size() == numeric_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
  std::vector<std::size_t> widths(numeric_.size(), 0);
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }

  std::string text;
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) {
        line += "  ";
      }
      if (numeric_[c]) {
        line += fmt::format("{:>{}}", row[c], widths[c]);
      } else {
        line += fmt::format("{:<{}}", row[c], widths[c]);
      }
    }
    line.erase(line.find_last_not_of(' ') + 1);
    text += line + "\n";
  }
  return text;
}

std::string format_value(double value, bool sign) {
  if (std::isnan(value)) {
    return "n/a";
  }
  return sign ? fmt::format("{:+.4f}", value) : fmt::format("{:.4f}", value);
}

}  // namespace mtl::eval::detail
