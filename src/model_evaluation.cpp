#include "mtl/model_evaluation.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <variant>

#include "mtl/error.h"
#include "mtl/eval/classification_evaluator.h"
#include "mtl/eval/depth_evaluator.h"
#include "mtl/eval/detection_evaluator.h"
#include "mtl/eval/label_mapping.h"
#include "mtl/eval/multilabel_evaluator.h"
#include "mtl/eval/segmentation_evaluator.h"
#include "mtl/image.h"
#include "mtl/preprocess.h"

namespace mtl {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Drops the letterbox padding of a dense [..., H, W] output, so it covers exactly the image. The
// output may have a lower resolution than the model input, so the padding is scaled to it.
at::Tensor crop_padding(const at::Tensor& dense, const PreparedInput& geometry, int image_width, int image_height) {
  const at::Tensor& input = geometry.tensor;
  if (geometry.pad_x == 0 && geometry.pad_y == 0) {
    return dense;
  }
  const int64_t height_dim = dense.dim() - 2;
  const double ratio_y = static_cast<double>(dense.size(height_dim)) / static_cast<double>(input.size(2));
  const double ratio_x = static_cast<double>(dense.size(height_dim + 1)) / static_cast<double>(input.size(3));
  const int64_t top = std::lround(geometry.pad_y * ratio_y);
  const int64_t left = std::lround(geometry.pad_x * ratio_x);
  const int64_t height = std::clamp<int64_t>(std::lround(image_height * geometry.scale_y * ratio_y), 1,
                                             std::max<int64_t>(1, dense.size(height_dim) - top));
  const int64_t width = std::clamp<int64_t>(std::lround(image_width * geometry.scale_x * ratio_x), 1,
                                            std::max<int64_t>(1, dense.size(height_dim + 1) - left));
  return dense.narrow(height_dim, std::min(top, dense.size(height_dim) - 1), height)
      .narrow(height_dim + 1, std::min(left, dense.size(height_dim + 1) - 1), width);
}

// One task's evaluator and label mapping, and the ids of the images it scores.
struct TaskEvaluation {
  int index = 0;
  const TaskInfo* task = nullptr;
  std::optional<eval::LabelMapping> mapping;
  std::set<int64_t> evaluated;
  std::variant<std::monostate, eval::DetectionEvaluator, eval::SegmentationEvaluator, eval::MultilabelEvaluator,
               eval::ClassificationEvaluator, eval::DepthEvaluator>
      evaluator;
};

void prepare_evaluator(TaskEvaluation& evaluation, const eval::EvalDataset& dataset) {
  const TaskInfo& task = *evaluation.task;
  if (task.kind != TaskKind::kDepth) {
    if (task.labels.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("task '{}' ({}) has no labels in its manifest, so its outputs cannot be matched to the "
                              "set's categories",
                              task.name, to_string(task.kind)));
    }
    if (task.kind == TaskKind::kSegmentation) {
      for (const eval::Category& category : dataset.categories()) {
        if (category.name == task.labels.front()) {
          throw Error(ErrorCode::kInvalidData,
                      fmt::format("segmentation task '{}' has the set's category '{}' as label 0, but label 0 of a "
                                  "segmentation task is the background (docs/eval-format.md); put \"background\" first",
                                  task.name, category.name));
        }
      }
    }
    evaluation.mapping = eval::LabelMapping::create(dataset, task.kind, task.labels, task.name);
  }
  switch (task.kind) {
    case TaskKind::kDetection:
      evaluation.evaluator.emplace<eval::DetectionEvaluator>(task.labels);
      break;
    case TaskKind::kSegmentation:
      evaluation.evaluator.emplace<eval::SegmentationEvaluator>(task.labels);
      break;
    case TaskKind::kMultilabel:
      evaluation.evaluator.emplace<eval::MultilabelEvaluator>(task.labels);
      break;
    case TaskKind::kClassification:
      evaluation.evaluator.emplace<eval::ClassificationEvaluator>(task.labels);
      break;
    case TaskKind::kDepth:
      evaluation.evaluator.emplace<eval::DepthEvaluator>();
      break;
    case TaskKind::kCustom:
      break;
  }
  for (const eval::EvalImage* image : dataset.images_with_labels(task.kind)) {
    evaluation.evaluated.insert(image->id);
  }
}

std::vector<float> to_floats(const at::Tensor& tensor) {
  const at::Tensor dense = tensor.to(at::kFloat).contiguous().cpu();
  return std::vector<float>(dense.data_ptr<float>(), dense.data_ptr<float>() + dense.numel());
}

void add_image(TaskEvaluation& evaluation, const eval::EvalDataset& dataset, const eval::EvalImage& image,
               const TensorMap& outputs, const PreparedInput& geometry, double& data_seconds) {
  switch (evaluation.task->kind) {
    case TaskKind::kDetection: {
      const at::Tensor boxes = outputs.at("boxes").to(at::kFloat).contiguous().cpu();
      eval::Detections detections;
      detections.scores = to_floats(outputs.at("scores"));
      const at::Tensor labels = outputs.at("labels").to(at::kLong).contiguous().cpu();
      detections.labels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
      const float* box = boxes.data_ptr<float>();
      for (int64_t i = 0; i < boxes.size(0); ++i) {
        detections.boxes.push_back(eval::Box{static_cast<float>(geometry.to_image_x(box[i * 4])),
                                             static_cast<float>(geometry.to_image_y(box[i * 4 + 1])),
                                             static_cast<float>(geometry.to_image_x(box[i * 4 + 2])),
                                             static_cast<float>(geometry.to_image_y(box[i * 4 + 3]))});
      }
      std::get<eval::DetectionEvaluator>(evaluation.evaluator)
          .add(detections, evaluation.mapping->ground_truth_boxes(image));
      break;
    }
    case TaskKind::kSegmentation: {
      const Clock::time_point read_start = Clock::now();
      const eval::LabelMap target = evaluation.mapping->to_class_map(dataset.read_label_map(image));
      data_seconds += seconds_since(read_start);
      const at::Tensor logits =
          crop_padding(outputs.at("logits"), geometry, image.width, image.height).to(at::kFloat).contiguous().cpu();
      std::get<eval::SegmentationEvaluator>(evaluation.evaluator)
          .add_logits(logits.data_ptr<float>(), static_cast<int>(logits.size(0)), static_cast<int>(logits.size(1)),
                      static_cast<int>(logits.size(2)), target);
      break;
    }
    case TaskKind::kMultilabel:
      std::get<eval::MultilabelEvaluator>(evaluation.evaluator)
          .add(to_floats(outputs.at("logits")), evaluation.mapping->label_indices(*image.tags));
      break;
    case TaskKind::kClassification:
      std::get<eval::ClassificationEvaluator>(evaluation.evaluator)
          .add(to_floats(outputs.at("logits")), evaluation.mapping->label_index(*image.category_id));
      break;
    case TaskKind::kDepth: {
      const Clock::time_point read_start = Clock::now();
      const eval::DepthMap target = dataset.read_depth_map(image);
      data_seconds += seconds_since(read_start);
      const at::Tensor depth =
          crop_padding(outputs.at("depth"), geometry, image.width, image.height).to(at::kFloat).contiguous().cpu();
      std::get<eval::DepthEvaluator>(evaluation.evaluator)
          .add(depth.data_ptr<float>(), static_cast<int>(depth.size(0)), static_cast<int>(depth.size(1)), target);
      break;
    }
    case TaskKind::kCustom:
      break;
  }
}

eval::TaskMetrics compute_metrics(const TaskEvaluation& evaluation) {
  const std::string& name = evaluation.task->name;
  return std::visit(
      [&](const auto& evaluator) -> eval::TaskMetrics {
        using Evaluator = std::decay_t<decltype(evaluator)>;
        if constexpr (std::is_same_v<Evaluator, std::monostate>) {
          return eval::TaskMetrics{name, TaskKind::kCustom, {}};
        } else {
          return evaluator.compute().to_task_metrics(name);
        }
      },
      evaluation.evaluator);
}

}  // namespace

const eval::TaskMetrics* EvaluationReport::find(const std::string& task) const {
  for (const eval::TaskMetrics& metrics : tasks) {
    if (metrics.task == task) {
      return &metrics;
    }
  }
  return nullptr;
}

EvaluationReport evaluate_model(const MultiTaskModel& model, const eval::EvalDataset& dataset,
                                const EvaluateOptions& options) {
  const Clock::time_point start = Clock::now();
  EvaluationReport report;
  report.model_name = model.manifest().model_name;
  report.model_version = model.manifest().model_version;

  // Choose the tasks and build their evaluators before any image runs, so setup errors come first.
  const TaskMask requested = options.tasks.value_or(model.all_tasks());
  std::vector<TaskEvaluation> evaluations;
  for (int index : requested) {
    const TaskInfo& task = model.tasks().at(index);
    std::string reason;
    if (task.kind == TaskKind::kCustom) {
      reason = "custom tasks have no metrics";
    } else if (!dataset.has_labels(task.kind)) {
      reason = fmt::format("the set has no {} labels", to_string(task.kind));
    }
    if (!reason.empty()) {
      if (options.tasks) {
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("task '{}' cannot be evaluated on {}: {}", task.name, dataset.folder().string(), reason));
      }
      report.skipped.push_back(task.name + ": " + reason);
      continue;
    }
    TaskEvaluation evaluation;
    evaluation.index = index;
    evaluation.task = &task;
    prepare_evaluator(evaluation, dataset);
    evaluations.push_back(std::move(evaluation));
  }
  if (evaluations.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("no task of model '{}' can be evaluated on {} ({})", model.version_string(),
                            dataset.folder().string(), fmt::join(report.skipped, "; ")));
  }

  const std::vector<eval::EvalImage>& images = dataset.images();
  const std::size_t total =
      options.max_images > 0 ? std::min(options.max_images, images.size()) : images.size();
  c10::NoGradGuard no_grad;
  for (std::size_t i = 0; i < total; ++i) {
    const eval::EvalImage& image = images[i];
    TaskMask mask;
    for (const TaskEvaluation& evaluation : evaluations) {
      if (evaluation.evaluated.count(image.id) != 0) {
        mask = mask.with(evaluation.index);
      }
    }
    if (!mask.empty()) {
      Clock::time_point step = Clock::now();
      const Image decoded = Image::load(image.path.string());
      const PreparedInput prepared = preprocess(decoded, model.manifest().input);
      report.data_seconds += seconds_since(step);

      step = Clock::now();
      RunResult result;
      try {
        result = model.run(prepared.tensor, mask);
      } catch (const Error& error) {
        throw Error(error.code(), fmt::format("evaluating image '{}' failed: {}", image.file_name, error.what()));
      }
      report.model_seconds += seconds_since(step);

      step = Clock::now();
      double label_seconds = 0;
      for (TaskEvaluation& evaluation : evaluations) {
        if (const TaskResult* task = result.find(evaluation.task->name)) {
          add_image(evaluation, dataset, image, task->outputs, prepared, label_seconds);
        }
      }
      report.data_seconds += label_seconds;
      report.metrics_seconds += seconds_since(step) - label_seconds;
      ++report.images;
    }
    if (options.progress) {
      options.progress(i + 1, total);
    }
  }

  const Clock::time_point compute_start = Clock::now();
  for (const TaskEvaluation& evaluation : evaluations) {
    report.tasks.push_back(compute_metrics(evaluation));
  }
  report.metrics_seconds += seconds_since(compute_start);
  report.total_seconds = seconds_since(start);
  return report;
}

}  // namespace mtl
