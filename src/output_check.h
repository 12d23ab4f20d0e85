// Checks that a head's outputs follow its task kind's convention (docs/model-format.md).
#pragma once

#include <optional>
#include <string>

#include "mtl/run_result.h"
#include "mtl/task_info.h"

namespace mtl::detail {

/// Returns a description of the first violation, or nullopt if the outputs follow the convention.
std::optional<std::string> find_output_violation(const TaskInfo& task, const TensorMap& outputs);

}  // namespace mtl::detail
