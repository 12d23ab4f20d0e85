#include "arg_max.h"

namespace mtl::eval::detail {

namespace {

// Pixels per block. GCC 12 at -O2 vectorizes the inner loop with this fixed trip count, but not a
// plain loop over `count`, which ran about three times slower on 10 x 128 x 128 random logits.
constexpr std::size_t kBlock = 16;

// A bit mask selects instead of a branch, which would mispredict on noisy logits and block
// vectorization.
inline void update_one(const float* __restrict channel, std::int32_t channel_index,
                       std::size_t i, float* __restrict best_logit,
                       std::int32_t* __restrict best_channel) {
  float value = channel[i];
  float best = best_logit[i];
  std::int32_t greater = -static_cast<std::int32_t>(value > best);
  best_channel[i] = (channel_index & greater) | (best_channel[i] & ~greater);
  best_logit[i] = best < value ? value : best;
}

}  // namespace

void update_arg_max(const float* __restrict channel, std::int32_t channel_index, std::size_t count,
                    float* __restrict best_logit, std::int32_t* __restrict best_channel) {
  std::size_t i = 0;
  for (; i + kBlock <= count; i += kBlock) {
    for (std::size_t j = 0; j < kBlock; ++j) {
      update_one(channel, channel_index, i + j, best_logit, best_channel);
    }
  }
  for (; i < count; ++i) {
    update_one(channel, channel_index, i, best_logit, best_channel);
  }
}

}  // namespace mtl::eval::detail
