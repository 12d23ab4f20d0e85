#include "mtl/eval/detection_evaluator.h"

#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "average_precision.h"
#include "defined_mean.h"
#include "detection_matching.h"
#include "mtl/error.h"

namespace mtl::eval {

namespace {

constexpr double kNaN = detail::kUndefined;
using detail::mean_of_defined;

bool is_finite(const Box& box) {
  return std::isfinite(box.x1) && std::isfinite(box.y1) && std::isfinite(box.x2) &&
         std::isfinite(box.y2);
}

std::string describe(const Box& box) {
  return fmt::format("[{}, {}, {}, {}]", box.x1, box.y1, box.x2, box.y2);
}

void check_label(std::int64_t label, std::size_t label_count, std::string_view what,
                 std::size_t index) {
  if (label < 0 || static_cast<std::size_t>(label) >= label_count) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("detection evaluator: {} {} has label {}, expected an index in [0, {}) "
                            "into the task's labels",
                            what, index, label, label_count));
  }
}

void validate_predictions(const Detections& predictions, std::size_t label_count) {
  std::size_t count = predictions.boxes.size();
  if (predictions.scores.size() != count || predictions.labels.size() != count) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("detection evaluator: the predictions have {} boxes, {} scores and {} "
                            "labels, expected the same number of each",
                            count, predictions.scores.size(), predictions.labels.size()));
  }

  for (std::size_t i = 0; i < count; ++i) {
    check_label(predictions.labels[i], label_count, "prediction", i);
    if (!std::isfinite(predictions.scores[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("detection evaluator: prediction {} has score {}, expected a finite "
                              "number; check the head's score output",
                              i, predictions.scores[i]));
    }
    if (!is_finite(predictions.boxes[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("detection evaluator: prediction {} has box {}, expected finite "
                              "coordinates",
                              i, describe(predictions.boxes[i])));
    }
  }
}

void validate_ground_truth(const GroundTruthBoxes& ground_truth, std::size_t label_count) {
  if (ground_truth.labels.size() != ground_truth.boxes.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("detection evaluator: the ground truth has {} boxes and {} labels, "
                            "expected one label per box",
                            ground_truth.boxes.size(), ground_truth.labels.size()));
  }

  for (std::size_t i = 0; i < ground_truth.boxes.size(); ++i) {
    check_label(ground_truth.labels[i], label_count, "ground-truth box", i);
    const Box& box = ground_truth.boxes[i];
    if (!is_finite(box) || !(box.x2 > box.x1) || !(box.y2 > box.y1)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("detection evaluator: ground-truth box {} is {}, expected finite "
                              "x1 < x2 and y1 < y2",
                              i, describe(box)));
    }
  }
}


}  // namespace

double coco_iou_threshold(std::size_t index) noexcept {
  return static_cast<double>(50 + 5 * index) / 100.0;
}

DetectionEvaluator::DetectionEvaluator(std::vector<std::string> labels) : labels_(std::move(labels)) {
  if (labels_.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "detection evaluator: the task has no labels, expected at least one class name");
  }
}

void DetectionEvaluator::add(const Detections& predictions, const GroundTruthBoxes& ground_truth) {
  validate_predictions(predictions, labels_.size());
  validate_ground_truth(ground_truth, labels_.size());

  for (std::size_t i = 0; i < predictions.boxes.size(); ++i) {
    predictions_.push_back(
        StoredBox{predictions.boxes[i], predictions.labels[i], image_count_, predictions.scores[i]});
  }
  for (std::size_t i = 0; i < ground_truth.boxes.size(); ++i) {
    ground_truth_.push_back(StoredBox{ground_truth.boxes[i], ground_truth.labels[i], image_count_});
  }
  ++image_count_;
}

namespace {

// Splits stored boxes by label, keeping their order within each label.
template <typename Stored>
std::vector<std::vector<detail::ClassBox>> split_by_label(const std::vector<Stored>& boxes,
                                                          std::size_t label_count) {
  std::vector<std::vector<detail::ClassBox>> per_label(label_count);
  for (const Stored& stored : boxes) {
    per_label[static_cast<std::size_t>(stored.label)].push_back(
        detail::ClassBox{stored.box, stored.image, stored.score});
  }
  return per_label;
}

ClassAveragePrecision score_class(const detail::ClassMatcher& matcher) {
  ClassAveragePrecision scores;
  scores.ground_truth_count = matcher.ground_truth_count();
  scores.prediction_count = static_cast<std::int64_t>(matcher.ranked_predictions().size());
  if (scores.ground_truth_count == 0) {
    scores.ap50 = kNaN;
    scores.ap50_uninterpolated = kNaN;
    scores.ap = kNaN;
    scores.ap_per_threshold.fill(kNaN);
    return scores;
  }

  double sum = 0.0;
  for (std::size_t t = 0; t < kCocoThresholdCount; ++t) {
    std::vector<char> true_positive = matcher.match(coco_iou_threshold(t));
    scores.ap_per_threshold[t] =
        detail::interpolated_average_precision(true_positive, scores.ground_truth_count);
    sum += scores.ap_per_threshold[t];
    if (t == 0) {
      scores.ap50_uninterpolated =
          detail::uninterpolated_average_precision(true_positive, scores.ground_truth_count);
    }
  }
  scores.ap50 = scores.ap_per_threshold[0];
  scores.ap = sum / static_cast<double>(kCocoThresholdCount);
  return scores;
}

}  // namespace

DetectionResult DetectionEvaluator::compute() const {
  auto predictions = split_by_label(predictions_, labels_.size());
  auto ground_truth = split_by_label(ground_truth_, labels_.size());

  DetectionResult result;
  std::vector<double> ap50;
  std::vector<double> ap;
  std::vector<double> ap50_uninterpolated;
  for (std::size_t label = 0; label < labels_.size(); ++label) {
    detail::ClassMatcher matcher(std::move(predictions[label]), ground_truth[label]);
    ClassAveragePrecision scores = score_class(matcher);
    scores.label = labels_[label];

    ap50.push_back(scores.ap50);
    ap.push_back(scores.ap);
    ap50_uninterpolated.push_back(scores.ap50_uninterpolated);
    result.classes.push_back(std::move(scores));
  }

  // The mean over thresholds of the per-threshold means equals the mean of the per-class means,
  // because every threshold averages over the same classes.
  result.map50 = mean_of_defined(ap50);
  result.map = mean_of_defined(ap);
  result.map50_uninterpolated = mean_of_defined(ap50_uninterpolated);
  return result;
}

ClassRanking DetectionEvaluator::ranking(std::int64_t label, double iou_threshold) const {
  if (label < 0 || static_cast<std::size_t>(label) >= labels_.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("detection evaluator: ranking requested for label {}, expected an "
                            "index in [0, {})",
                            label, labels_.size()));
  }
  if (!(iou_threshold > 0.0 && iou_threshold <= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("detection evaluator: IoU threshold {} is outside (0, 1]",
                            iou_threshold));
  }

  auto predictions = split_by_label(predictions_, labels_.size());
  auto ground_truth = split_by_label(ground_truth_, labels_.size());
  auto index = static_cast<std::size_t>(label);
  detail::ClassMatcher matcher(std::move(predictions[index]), ground_truth[index]);
  std::vector<char> true_positive = matcher.match(iou_threshold);

  ClassRanking ranking;
  ranking.label = label;
  ranking.iou_threshold = iou_threshold;
  ranking.ground_truth_count = matcher.ground_truth_count();
  const auto& ranked = matcher.ranked_predictions();
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    ranking.predictions.push_back(RankedPrediction{ranked[i].score, true_positive[i] != 0,
                                                   ranked[i].image});
  }
  return ranking;
}

TaskMetrics DetectionResult::to_task_metrics(const std::string& task) const {
  TaskMetrics metrics;
  metrics.task = task;
  metrics.kind = TaskKind::kDetection;
  metrics.set("map50", map50, true);
  metrics.set("map", map, true);
  for (const ClassAveragePrecision& scores : classes) {
    if (scores.ground_truth_count > 0) {
      metrics.set("ap50/" + scores.label, scores.ap50, true);
      metrics.set("ap50_raw/" + scores.label, scores.ap50_uninterpolated, true);
    }
  }
  return metrics;
}

}  // namespace mtl::eval
