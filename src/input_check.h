// Validation of the input tensor of a request against the model's input specification.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <string>

#include "mtl/input_spec.h"

namespace mtl::detail {

/// Returns the input as `[1, C, H, W]` float32, contiguous, on `device`.
/// Throws: mtl::Error (kInvalidArgument) naming `model` and what was expected and found.
at::Tensor check_input(const at::Tensor& input, const InputSpec& spec, const c10::Device& device,
                       const std::string& model);

/// A deterministic input of the specification's size, for verification and warm-up at load.
at::Tensor sample_input(const InputSpec& spec, const c10::Device& device);

}  // namespace mtl::detail
