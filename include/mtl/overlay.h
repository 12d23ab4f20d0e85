// draw_overlay: renders a request's results onto its image, for people who would rather look than
// read: detection boxes with class names and scores, a coloured segmentation overlay, and the
// image-level labels (tags, classification) as text.
//
// Thread safety: a pure function; safe to call concurrently.
#pragma once

#include <vector>

#include "mtl/image.h"
#include "mtl/preprocess.h"
#include "mtl/run_result.h"
#include "mtl/task_info.h"

namespace mtl {

struct OverlayOptions {
  /// Detections and multi-label tags below this score are not drawn. Default: 0.3.
  float score_threshold = 0.3f;
  /// Opacity of the segmentation colours, 0 to 1. Default: 0.45.
  float mask_opacity = 0.45f;
  /// At most this many boxes, highest scores first. Default: 50.
  int max_boxes = 50;
  /// Images whose shorter side is below this many pixels are enlarged by an integer factor
  /// (nearest neighbour) before drawing, so labels stay readable. Default: 512.
  int min_side = 512;
};

/// Draws every task in `result` whose kind has a picture onto a copy of `image`. `prepared` is
/// the preprocess() result that produced the model input, to map model coordinates back to the
/// image; `tasks` is the model's task list. A segmentation label named "background" is not
/// coloured, and one class name has one colour in every task.
/// Returns: the annotated copy, enlarged if the image is smaller than `options.min_side`.
Image draw_overlay(const Image& image, const PreparedInput& prepared, const std::vector<TaskInfo>& tasks,
                   const RunResult& result, const OverlayOptions& options = {});

}  // namespace mtl
