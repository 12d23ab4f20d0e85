// Source indices of nearest-neighbour resizing. Internal to mtl::eval.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <vector>

namespace mtl::eval::detail {

/// Fills `indices` with, for each of `output_size` positions, the input position that
/// nearest-neighbour resizing from `input_size` samples: `floor(i * input_size / output_size)`,
/// computed exactly in integers as the Python reference metrics do. Both sizes must be positive.
void nearest_source_indices(int input_size, int output_size, std::vector<std::size_t>& indices);

}  // namespace mtl::eval::detail
