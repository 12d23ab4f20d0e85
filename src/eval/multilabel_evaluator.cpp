#include "mtl/eval/multilabel_evaluator.h"

#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "average_precision.h"
#include "defined_mean.h"
#include "mtl/error.h"

namespace mtl::eval {

namespace {

constexpr double kNaN = detail::kUndefined;
using detail::mean_of_defined;

double f1_score(std::int64_t tp, std::int64_t fp, std::int64_t fn) {
  std::int64_t denominator = 2 * tp + fp + fn;
  return denominator == 0 ? kNaN
                          : 2.0 * static_cast<double>(tp) / static_cast<double>(denominator);
}


}  // namespace

MultilabelEvaluator::MultilabelEvaluator(std::vector<std::string> labels)
    : labels_(std::move(labels)) {
  if (labels_.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "multilabel evaluator: the task has no labels, expected at least one");
  }
}

void MultilabelEvaluator::add(const float* logits, std::size_t count,
                              const std::vector<std::int64_t>& positive_labels) {
  if (logits == nullptr || count != labels_.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("multilabel evaluator: got {} logits{}, expected one per label ({})",
                            count, logits == nullptr ? " at a null pointer" : "", labels_.size()));
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (std::isnan(logits[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("multilabel evaluator: logit {} (label \"{}\") is NaN, expected a "
                              "number; check the head's output",
                              i, labels_[i]));
    }
  }
  for (std::int64_t label : positive_labels) {
    if (label < 0 || static_cast<std::size_t>(label) >= count) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("multilabel evaluator: positive label {} is outside [0, {})", label,
                              count));
    }
  }

  std::size_t offset = logits_.size();
  logits_.insert(logits_.end(), logits, logits + count);
  positive_.resize(offset + count, 0);
  for (std::int64_t label : positive_labels) {
    positive_[offset + static_cast<std::size_t>(label)] = 1;
  }
  ++image_count_;
}

MultilabelResult MultilabelEvaluator::compute() const {
  std::size_t label_count = labels_.size();
  MultilabelResult result;
  result.labels = labels_;
  result.image_count = image_count_;

  std::vector<float> scores(image_count_);
  std::vector<char> positive(image_count_);
  std::int64_t total_tp = 0;
  std::int64_t total_fp = 0;
  std::int64_t total_fn = 0;
  for (std::size_t label = 0; label < label_count; ++label) {
    std::int64_t tp = 0;
    std::int64_t fp = 0;
    std::int64_t fn = 0;
    for (std::size_t image = 0; image < image_count_; ++image) {
      std::size_t index = image * label_count + label;
      scores[image] = logits_[index];
      positive[image] = positive_[index];

      bool predicted = logits_[index] >= 0.0f;  // sigmoid(logit) >= 0.5
      tp += predicted && positive_[index] ? 1 : 0;
      fp += predicted && !positive_[index] ? 1 : 0;
      fn += !predicted && positive_[index] ? 1 : 0;
    }

    result.ap.push_back(detail::tied_average_precision(scores, positive));
    result.f1.push_back(f1_score(tp, fp, fn));
    total_tp += tp;
    total_fp += fp;
    total_fn += fn;
  }

  result.map = mean_of_defined(result.ap);
  result.f1_micro = f1_score(total_tp, total_fp, total_fn);
  result.macro_f1 = mean_of_defined(result.f1);
  return result;
}

TaskMetrics MultilabelResult::to_task_metrics(const std::string& task) const {
  TaskMetrics metrics;
  metrics.task = task;
  metrics.kind = TaskKind::kMultilabel;
  metrics.set("map", map, true);
  metrics.set("f1", f1_micro, true);
  metrics.set("macro_f1", macro_f1, true);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!std::isnan(ap[i])) {
      metrics.set("ap/" + labels[i], ap[i], true);
    }
  }
  return metrics;
}

}  // namespace mtl::eval
