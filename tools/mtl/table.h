// A plain-text table with aligned columns, for the command line's human-readable output.
#pragma once

#include <string>
#include <vector>

namespace mtl::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header);

  /// Adds a row; a row shorter than the header is padded with empty cells.
  void add_row(std::vector<std::string> cells);

  /// Marks columns (by index) as right-aligned, for numbers.
  void align_right(std::vector<std::size_t> columns);

  std::string to_string() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
};

}  // namespace mtl::cli
