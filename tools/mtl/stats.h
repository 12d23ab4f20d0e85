// Timing statistics for benchmarks: medians and spreads of repeated measurements.
#pragma once

#include <chrono>
#include <vector>

namespace mtl::cli {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start);

/// Median of the samples (the mean of the middle two for an even count); 0 for none.
double median(std::vector<double> samples);

/// The p-th percentile (0 to 100) by nearest rank; 0 for no samples.
double percentile(std::vector<double> samples, double p);

}  // namespace mtl::cli
