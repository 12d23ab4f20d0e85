// Calls of the backbone and head methods, with LibTorch errors translated. Callers set the
// grad-mode guard, because verification at load needs version counters and requests do not.
#pragma once

#include <ATen/core/Tensor.h>

#include "model_state.h"
#include "mtl/features.h"
#include "mtl/run_result.h"

namespace mtl::detail {

/// Runs the backbone on a checked input. Throws: mtl::Error (kInference) naming the model.
Features run_backbone(const ModelState& state, const at::Tensor& input);

/// Runs head `index` on `features` and checks its outputs against the task kind's convention, so
/// code that reads them (summaries, overlays, evaluators) can trust their shapes.
/// Throws: mtl::Error (kInference) naming the task and method.
TensorMap run_head(const ModelState& state, int index, const Features& features);

/// Runs head `index` without the convention check, for load-time verification, which reports a
/// broken convention as an invalid model instead.
TensorMap run_head_unchecked(const ModelState& state, int index, const Features& features);

}  // namespace mtl::detail
