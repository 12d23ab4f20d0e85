// A progress bar on standard error for long evaluations, drawn only when standard error is a
// terminal, so logs and pipes stay clean.
#pragma once

#include <cstddef>
#include <string>

#include "stats.h"

namespace mtl::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);

  /// Redraws the bar at most every 100 ms, and always at the end.
  void update(std::size_t done, std::size_t total);

 private:
  std::string label_;
  bool enabled_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace mtl::cli
