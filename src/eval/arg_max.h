// Channel-wise arg-max over planar logits. Internal to mtl::eval.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mtl::eval::detail {

/// Folds one channel plane of `count` logits into a running arg-max: where `channel[i]` is
/// strictly greater than `best_logit[i]`, it replaces it and `best_channel[i]` becomes
/// `channel_index`. Ties keep the earlier, lower channel. The three arrays must not overlap.
void update_arg_max(const float* channel, std::int32_t channel_index, std::size_t count,
                    float* best_logit, std::int32_t* best_channel);

}  // namespace mtl::eval::detail
