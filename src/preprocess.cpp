#include "mtl/preprocess.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mtl/error.h"
#include "torch_boundary.h"

namespace mtl {
namespace {

at::Tensor resize_bilinear(const at::Tensor& image, int64_t height, int64_t width) {
  if (image.size(2) == height && image.size(3) == width) {
    return image;
  }
  return at::upsample_bilinear2d(image, {height, width}, /*align_corners=*/false);
}

}  // namespace

PreparedInput preprocess(const Image& image, const InputSpec& spec) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("image of size {}x{} with {} bytes is empty or inconsistent", image.width, image.height,
                            image.pixels.size()));
  }
  if (spec.channels != 3 && spec.channels != 1) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("the model takes {} channels; preprocess makes 3-channel (RGB or BGR) or 1-channel (grey) "
                            "inputs only, so build the tensor yourself",
                            spec.channels));
  }

  // No-grad rather than inference mode: the result is an ordinary tensor the caller may modify.
  c10::NoGradGuard no_grad;
  return detail::call_torch(ErrorCode::kInvalidArgument, "preprocessing the image failed", [&] {
    // HWC uint8 to NCHW float in [0, 1]. from_blob does not copy, so the permute copies once.
    at::Tensor pixels = at::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 3},
                                      at::TensorOptions().dtype(at::kByte));
    at::Tensor tensor = pixels.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat).div_(255.0f);
    if (spec.color_order == ColorOrder::kBgr) {
      tensor = tensor.flip({1});
    }
    if (spec.channels == 1) {
      // ITU-R BT.601 luma weights, the usual RGB-to-grey conversion.
      const at::Tensor weights = at::tensor({0.299f, 0.587f, 0.114f}).reshape({1, 3, 1, 1});
      tensor = (tensor * weights).sum(1, /*keepdim=*/true);
    }

    PreparedInput prepared;
    const int64_t target_height = spec.dynamic_size ? image.height : spec.height;
    const int64_t target_width = spec.dynamic_size ? image.width : spec.width;
    if (spec.resize == ResizeMode::kStretch || spec.dynamic_size) {
      tensor = resize_bilinear(tensor, target_height, target_width);
      prepared.scale_x = static_cast<double>(target_width) / image.width;
      prepared.scale_y = static_cast<double>(target_height) / image.height;
    } else {
      const double scale = std::min(static_cast<double>(target_width) / image.width,
                                    static_cast<double>(target_height) / image.height);
      const int64_t height = std::max<int64_t>(1, std::lround(image.height * scale));
      const int64_t width = std::max<int64_t>(1, std::lround(image.width * scale));
      tensor = resize_bilinear(tensor, height, width);
      prepared.scale_x = static_cast<double>(width) / image.width;
      prepared.scale_y = static_cast<double>(height) / image.height;
      prepared.pad_x = static_cast<double>((target_width - width) / 2);
      prepared.pad_y = static_cast<double>((target_height - height) / 2);
    }

    const at::Tensor mean = at::tensor(spec.mean).reshape({1, spec.channels, 1, 1});
    const at::Tensor std = at::tensor(spec.std).reshape({1, spec.channels, 1, 1});
    tensor = (tensor - mean) / std;

    if (spec.resize == ResizeMode::kLetterbox && !spec.dynamic_size) {
      // Padding is zero after normalization, the mean colour, as the manifest format specifies.
      at::Tensor canvas = at::zeros({1, spec.channels, target_height, target_width}, tensor.options());
      canvas.narrow(2, static_cast<int64_t>(prepared.pad_y), tensor.size(2))
          .narrow(3, static_cast<int64_t>(prepared.pad_x), tensor.size(3))
          .copy_(tensor);
      tensor = canvas;
    }
    prepared.tensor = tensor.contiguous();
    return prepared;
  });
}

}  // namespace mtl
