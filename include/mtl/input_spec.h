// InputSpec: the image tensor a model expects and how to make one from an image.
//
// Thread safety: plain values; safe to read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mtl {

/// How an image of another size is brought to the model's size.
enum class ResizeMode {
  kStretch,    ///< Resize to width x height, ignoring the aspect ratio.
  kLetterbox,  ///< Keep the aspect ratio, centre, pad with zeros after normalization.
};

enum class ColorOrder { kRgb, kBgr };

struct InputSpec {
  int64_t channels = 3;
  int64_t height = 0;         ///< Export size; only the warm-up size when dynamic_size is set.
  int64_t width = 0;
  bool dynamic_size = false;  ///< Accept any height and width.
  std::string dtype = "float32";
  ColorOrder color_order = ColorOrder::kRgb;
  ResizeMode resize = ResizeMode::kStretch;
  std::vector<float> mean;    ///< Per channel, applied after scaling pixels to [0, 1].
  std::vector<float> std;     ///< Per channel, positive.
};

}  // namespace mtl
