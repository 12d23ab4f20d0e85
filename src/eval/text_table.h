// A fixed-width text table for reports. Internal to mtl::eval.
//
// Thread safety: external synchronization required; use one table per thread.
#pragma once

#include <string>
#include <vector>

namespace mtl::eval::detail {

/// Rows of cells rendered in columns as wide as their widest cell, two spaces apart. Columns
/// marked numeric are right-aligned, the others left-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header, std::vector<bool> numeric);

  void add_row(std::vector<std::string> cells);

  /// Renders the header and the rows, each line ending in '\n', without trailing spaces.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> numeric_;
};

/// Formats a metric value with 4 decimals, or "n/a" for NaN. `sign` adds "+" to positive values.
std::string format_value(double value, bool sign = false);

}  // namespace mtl::eval::detail
