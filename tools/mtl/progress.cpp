#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace mtl::cli {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(fileno(stderr)) != 0), start_(Clock::now()), last_draw_() {}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) {
    return;
  }
  const Clock::time_point now = Clock::now();
  if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) {
    return;
  }
  last_draw_ = now;

  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(fraction * kWidth);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double remaining = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  fmt::print(stderr, "\r{} [{}{}] {}/{} images, {:.1f}/s, {:.0f} s left ", label_, std::string(filled, '#'),
             std::string(kWidth - filled, '.'), done, total, rate, remaining);
  if (done == total) {
    fmt::print(stderr, "\n");
  }
  std::fflush(stderr);
}

}  // namespace mtl::cli
