// preprocess: turns an Image into the input tensor a model's manifest describes.
//
// Pixels are scaled to [0, 1], resized (stretch or letterbox, bilinear), reordered to the model's
// colour order and normalized with the manifest's mean and std. The returned geometry maps model
// input coordinates back to image coordinates, for drawing detections on the original image.
//
// Thread safety: a pure function; safe to call concurrently.
#pragma once

#include <ATen/core/Tensor.h>

#include "mtl/image.h"
#include "mtl/input_spec.h"

namespace mtl {

struct PreparedInput {
  at::Tensor tensor;   ///< [1, C, H, W] float32, contiguous, on the CPU.
  double scale_x = 1;  ///< Model input pixels per image pixel, horizontally.
  double scale_y = 1;
  double pad_x = 0;    ///< Left padding in model input pixels (letterbox only).
  double pad_y = 0;

  /// Maps a model input x coordinate to the original image.
  double to_image_x(double x) const { return (x - pad_x) / scale_x; }
  double to_image_y(double y) const { return (y - pad_y) / scale_y; }
};

/// Prepares `image` for a model with input `spec`. With a dynamic size the image keeps its size.
/// Throws: mtl::Error (kInvalidArgument) if the spec does not take 3 or 1 channels or the image is empty.
PreparedInput preprocess(const Image& image, const InputSpec& spec);

}  // namespace mtl
