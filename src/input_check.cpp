#include "input_check.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "mtl/error.h"

namespace mtl::detail {
namespace {

[[noreturn]] void reject(const std::string& model, const std::string& problem) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("input for model '{}': {}", model, problem));
}

bool all_finite(const at::Tensor& tensor) {
  // One summing pass is the cheap test: a NaN or infinity makes the sum non-finite. Only then is
  // the exact element-wise test needed, since a sum of huge finite values can overflow too.
  const double sum = tensor.sum().item<double>();
  if (std::isfinite(sum)) {
    return true;
  }
  return at::isfinite(tensor).all().item<bool>();
}

}  // namespace

at::Tensor check_input(const at::Tensor& input, const InputSpec& spec, const c10::Device& device,
                       const std::string& model) {
  if (!input.defined()) {
    reject(model, "the tensor is undefined; pass a [1, C, H, W] float32 tensor");
  }
  if (input.is_sparse() || input.is_mkldnn() || input.is_quantized()) {
    reject(model, fmt::format("layout {} is not supported; pass a dense (strided) tensor", c10::toString(input.layout())));
  }
  if (input.scalar_type() != at::kFloat) {
    reject(model, fmt::format("dtype is {}, expected float32; convert with .to(at::kFloat) and normalize as the "
                              "manifest says (mtl::preprocess does both for images)",
                              c10::toString(input.scalar_type())));
  }

  at::Tensor batch = input;
  if (batch.dim() == 3) {
    batch = batch.unsqueeze(0);
  } else if (batch.dim() != 4) {
    reject(model, fmt::format("shape is {}, expected [1, {}, H, W] or [{}, H, W]", input.sizes(), spec.channels,
                              spec.channels));
  }
  if (batch.size(0) != 1) {
    reject(model, fmt::format("batch size is {} (shape {}), expected 1; run images one at a time", batch.size(0),
                              input.sizes()));
  }
  if (batch.size(1) != spec.channels) {
    reject(model, fmt::format("shape {} has {} channels, expected {}", input.sizes(), batch.size(1), spec.channels));
  }
  if (!spec.dynamic_size && (batch.size(2) != spec.height || batch.size(3) != spec.width)) {
    reject(model, fmt::format("size is {}x{} (height x width), expected {}x{}; resize the image first "
                              "(mtl::preprocess does)",
                              batch.size(2), batch.size(3), spec.height, spec.width));
  }
  if (batch.size(2) == 0 || batch.size(3) == 0) {
    reject(model, fmt::format("shape {} is empty", input.sizes()));
  }

  if (batch.device() != device) {
    batch = batch.to(device);
  }
  batch = batch.contiguous();
  if (!all_finite(batch)) {
    reject(model, "the tensor contains NaN or infinite values");
  }
  return batch;
}

at::Tensor sample_input(const InputSpec& spec, const c10::Device& device) {
  const int64_t count = spec.channels * spec.height * spec.width;
  // A smooth ramp in [-1, 1]: deterministic and non-constant, so heads see varied activations.
  return at::linspace(-1.0, 1.0, count, at::TensorOptions().dtype(at::kFloat))
      .reshape({1, spec.channels, spec.height, spec.width})
      .to(device);
}

}  // namespace mtl::detail
