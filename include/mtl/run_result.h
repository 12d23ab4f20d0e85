// RunResult: what MultiTaskModel::run returns for one request.
//
// Thread safety: a plain value.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

#include "mtl/features.h"
#include "mtl/task_mask.h"

namespace mtl {

/// One head's output: the tensors of its dictionary by key, such as "boxes" or "logits".
using TensorMap = std::map<std::string, at::Tensor>;

struct TaskResult {
  int index = -1;         ///< Task index in the model's manifest.
  std::string name;       ///< Task name, such as "seg".
  TensorMap outputs;      ///< The head's outputs, on the CPU unless the model runs elsewhere.
  double head_ms = 0.0;   ///< Wall time of this head, milliseconds.
};

struct RunResult {
  std::string model_name;
  std::string model_version;
  TaskMask mask;                   ///< The tasks that ran.
  std::vector<TaskResult> tasks;   ///< One entry per task in the mask, in task-index order.
  Features features;               ///< The backbone output the heads ran on.
  bool backbone_cached = false;    ///< True when the features came from a BackboneCache.
  double backbone_ms = 0.0;        ///< Backbone wall time, or cache lookup time on a hit.
  double total_ms = 0.0;           ///< Wall time of the whole run, validation included.

  /// Returns the result of a task by name, or nullptr if it did not run.
  const TaskResult* find(const std::string& name) const {
    for (const TaskResult& task : tasks) {
      if (task.name == name) {
        return &task;
      }
    }
    return nullptr;
  }
};

}  // namespace mtl
