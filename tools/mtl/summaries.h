// Summaries of a head's outputs by task kind: JSON for machines, one text line for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "mtl/preprocess.h"
#include "mtl/run_result.h"
#include "mtl/task_info.h"

namespace mtl::cli {

struct SummaryOptions {
  float score_threshold = 0.3f;  ///< Detections and tags below this score are left out.
  int top_k = 5;                 ///< Classes listed for classification and segmentation.
};

/// JSON summary of one task's outputs. Detection boxes are in image pixels (mapped back through
/// `geometry`); segmentation reports each class's share of the pixels.
nlohmann::json summarize_json(const TaskInfo& task, const TensorMap& outputs, const PreparedInput& geometry,
                              const SummaryOptions& options);

/// One-line human summary, such as "3 objects: Coat 0.91, Bag 0.77, Sneaker 0.52".
std::string summarize_text(const TaskInfo& task, const TensorMap& outputs, const SummaryOptions& options);

}  // namespace mtl::cli
