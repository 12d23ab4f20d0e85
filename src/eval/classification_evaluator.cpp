#include "mtl/eval/classification_evaluator.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "defined_mean.h"
#include "mtl/error.h"

namespace mtl::eval {

namespace {

// The number of labels that rank above `target`: a greater logit, or an equal one at a lower index.
std::size_t rank_of(const float* logits, std::size_t count, std::size_t target) {
  std::size_t rank = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (logits[i] > logits[target] || (logits[i] == logits[target] && i < target)) {
      ++rank;
    }
  }
  return rank;
}

double share(std::size_t hits, std::size_t total) {
  return total == 0 ? detail::kUndefined
                    : static_cast<double>(hits) / static_cast<double>(total);
}

}  // namespace

ClassificationEvaluator::ClassificationEvaluator(std::vector<std::string> labels,
                                                 std::vector<int> top_k)
    : labels_(std::move(labels)), top_k_(std::move(top_k)) {
  if (labels_.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "classification evaluator: the task has no labels, expected at least one");
  }
  for (std::size_t i = 0; i < top_k_.size(); ++i) {
    if (top_k_[i] <= 0 || std::count(top_k_.begin(), top_k_.end(), top_k_[i]) > 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("classification evaluator: top-k value {} is not positive or "
                              "repeats, expected distinct positive values such as {{1, 5}}",
                              top_k_[i]));
    }
  }
  top_k_hits_.assign(top_k_.size(), 0);
}

void ClassificationEvaluator::add(const float* logits, std::size_t count, std::int64_t target) {
  if (logits == nullptr || count != labels_.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("classification evaluator: got {} logits{}, expected one per label "
                            "({})",
                            count, logits == nullptr ? " at a null pointer" : "", labels_.size()));
  }
  if (target < 0 || static_cast<std::size_t>(target) >= count) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("classification evaluator: target label {} is outside [0, {})", target,
                            count));
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (std::isnan(logits[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("classification evaluator: logit {} (label \"{}\") is NaN, expected "
                              "a number; check the head's output",
                              i, labels_[i]));
    }
  }

  std::size_t rank = rank_of(logits, count, static_cast<std::size_t>(target));
  correct_ += rank == 0 ? 1 : 0;
  for (std::size_t i = 0; i < top_k_.size(); ++i) {
    top_k_hits_[i] += rank < static_cast<std::size_t>(top_k_[i]) ? 1 : 0;
  }
  ++image_count_;
}

ClassificationResult ClassificationEvaluator::compute() const {
  ClassificationResult result;
  result.labels = labels_;
  result.image_count = image_count_;
  result.accuracy = share(correct_, image_count_);
  for (std::size_t i = 0; i < top_k_.size(); ++i) {
    result.top_k.emplace_back(top_k_[i], share(top_k_hits_[i], image_count_));
  }
  return result;
}

TaskMetrics ClassificationResult::to_task_metrics(const std::string& task) const {
  TaskMetrics metrics;
  metrics.task = task;
  metrics.kind = TaskKind::kClassification;
  metrics.set("accuracy", accuracy, true);
  for (const auto& [k, value] : top_k) {
    metrics.set(fmt::format("top{}", k), value, true);
  }
  return metrics;
}

}  // namespace mtl::eval
