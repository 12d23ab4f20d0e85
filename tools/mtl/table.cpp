#include "table.h"

#include <algorithm>

namespace mtl::cli {

Table::Table(std::vector<std::string> header) : header_(std::move(header)), right_(header_.size(), false) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(std::max(cells.size(), header_.size()));
  rows_.push_back(std::move(cells));
}

void Table::align_right(std::vector<std::size_t> columns) {
  for (std::size_t column : columns) {
    if (column < right_.size()) {
      right_[column] = true;
    }
  }
}

std::string Table::to_string() const {
  std::vector<std::size_t> widths(header_.size(), 0);
  for (std::size_t c = 0; c < header_.size(); ++c) {
    widths[c] = header_[c].size();
    for (const auto& row : rows_) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }

  const auto format_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < header_.size(); ++c) {
      const std::string padding(widths[c] - cells[c].size(), ' ');
      line += right_[c] ? padding + cells[c] : cells[c] + padding;
      if (c + 1 < header_.size()) {
        line += "  ";
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    return line + "\n";
  };

  std::string text = format_row(header_);
  std::string rule;
  for (std::size_t c = 0; c < header_.size(); ++c) {
    rule += std::string(widths[c], '-') + (c + 1 < header_.size() ? "  " : "");
  }
  text += rule + "\n";
  for (const auto& row : rows_) {
    text += format_row(row);
  }
  return text;
}

}  // namespace mtl::cli
