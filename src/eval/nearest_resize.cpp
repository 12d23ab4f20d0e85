#include "nearest_resize.h"

#include <cstdint>

namespace mtl::eval::detail {

void nearest_source_indices(int input_size, int output_size, std::vector<std::size_t>& indices) {
  indices.resize(static_cast<std::size_t>(output_size));

  // NOTE: PyTorch's interpolate(mode="nearest") multiplies by a single-precision scale instead,
  // which picks the previous pixel for some sizes, such as index 41 when resizing 2 to 82.
  auto input = static_cast<std::int64_t>(input_size);
  auto output = static_cast<std::int64_t>(output_size);
  for (std::int64_t i = 0; i < output; ++i) {
    indices[static_cast<std::size_t>(i)] = static_cast<std::size_t>(i * input / output);
  }
}

}  // namespace mtl::eval::detail
