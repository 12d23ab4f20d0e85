#include "nearest_resize.h"

#include <algorithm>
#include <cmath>

namespace mtl::eval::detail {

void nearest_source_indices(int input_size, int output_size, std::vector<std::size_t>& indices) {
  indices.resize(static_cast<std::size_t>(output_size));

  // Single precision on purpose: the Python reference resizes with PyTorch, which computes the
  // scale and the product in float, and a double here would pick another pixel at some edges.
  float scale = static_cast<float>(input_size) / static_cast<float>(output_size);
  for (int i = 0; i < output_size; ++i) {
    int source = static_cast<int>(std::floor(static_cast<float>(i) * scale));
    indices[static_cast<std::size_t>(i)] = static_cast<std::size_t>(std::min(source, input_size - 1));
  }
}

}  // namespace mtl::eval::detail
