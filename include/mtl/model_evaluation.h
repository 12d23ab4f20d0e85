// evaluate_model: runs a model over an evaluation set and scores every task with the evaluators
// of mtl::eval, so a host application can evaluate (and gate) in-process.
//
// Each image runs once with the mask of the tasks it has labels for. The outputs are converted to
// image coordinates and fed to one evaluator per task. Timings separate the model, the metrics and
// the data loading, so the evaluation's own cost is visible.
//
// Thread safety: evaluate_model may run concurrently on different sets or models. One call uses
// one thread for the metrics and the model's intra-op threads for the model.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mtl/eval/eval_dataset.h"
#include "mtl/eval/metric_value.h"
#include "mtl/multi_task_model.h"
#include "mtl/task_mask.h"

namespace mtl {

struct EvaluateOptions {
  /// Tasks to evaluate. Default (nullopt): every task whose kind the set has labels for; tasks
  /// without labels and custom tasks are listed in EvaluationReport::skipped. An explicitly
  /// requested task without labels is an error.
  std::optional<TaskMask> tasks;

  /// Evaluates only the first `max_images` images of the set; 0 means all. Default: 0.
  std::size_t max_images = 0;

  /// Called after each image with (images done, images in total), from the calling thread.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct EvaluationReport {
  std::string model_name;
  std::string model_version;
  std::vector<eval::TaskMetrics> tasks;  ///< In the model's task order.
  std::vector<std::string> skipped;      ///< "task: reason" for each task left out.
  std::size_t images = 0;                ///< Images that ran through the model.
  double model_seconds = 0;              ///< In MultiTaskModel::run.
  double metrics_seconds = 0;            ///< Converting outputs, feeding and computing the evaluators.
  double data_seconds = 0;               ///< Decoding images, label maps and depth maps, preprocessing.
  double total_seconds = 0;

  /// Returns the metrics of a task, or nullptr if it was not evaluated.
  const eval::TaskMetrics* find(const std::string& task) const;
};

/// Evaluates `model` on `dataset`.
/// Throws: mtl::Error with kInvalidArgument for a requested task the set has no labels for, or an
/// empty selection. kInvalidData when the set's categories do not match a task's labels, or a file
/// changed since the set was loaded. kInference when the model fails on an image, naming the image.
EvaluationReport evaluate_model(const MultiTaskModel& model, const eval::EvalDataset& dataset,
                                const EvaluateOptions& options = {});

}  // namespace mtl
