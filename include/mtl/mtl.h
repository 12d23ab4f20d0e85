// mtl: an inference library for multi-task vision models. This umbrella header includes the
// whole public API; include single headers to keep compile times down.
#pragma once

#include "mtl/backbone_cache.h"
#include "mtl/error.h"
#include "mtl/features.h"
#include "mtl/image.h"
#include "mtl/input_spec.h"
#include "mtl/load_options.h"
#include "mtl/log.h"
#include "mtl/manifest.h"
#include "mtl/multi_task_model.h"
#include "mtl/overlay.h"
#include "mtl/preprocess.h"
#include "mtl/run_options.h"
#include "mtl/run_result.h"
#include "mtl/task_info.h"
#include "mtl/task_mask.h"
#include "mtl/version.h"
