// mtl::eval::LabelMapping: translates an evaluation set's category ids into a task's label indices.
//
// A model's outputs use indices into its task's `labels`, while the set's annotations use
// category ids. The mapping pairs each category with the label of the same name, as
// docs/eval-format.md describes. For segmentation, label map value 0 is the task's label 0 (the
// background) and the ignore label becomes SegmentationEvaluator::kIgnoreIndex.
//
// Thread safety: safe for concurrent access; every member function is const.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mtl/eval/detection_evaluator.h"
#include "mtl/eval/eval_dataset.h"
#include "mtl/eval/label_map.h"
#include "mtl/task_info.h"

namespace mtl::eval {

/// The label index of every category that a task's labels in an evaluation set refer to.
class LabelMapping {
 public:
  /// Maps the categories that `dataset` uses for `kind` (see EvalDataset::used_category_ids) onto
  /// `labels`, the labels of the model's task `task`, by name. Categories that the task's labels
  /// never refer to need no match.
  ///
  /// Returns: the mapping.
  /// Throws: mtl::Error with kInvalidData naming the category and listing `labels` when a used
  /// category has no label of the same name, and kInvalidArgument when `kind` is kCustom or, for
  /// segmentation, `labels` is empty.
  static LabelMapping create(const EvalDataset& dataset, TaskKind kind,
                             const std::vector<std::string>& labels, std::string_view task);

  /// Returns the label index of `category_id`.
  ///
  /// Throws: mtl::Error with kNotFound when the category is not part of the mapping.
  std::int64_t label_index(std::int64_t category_id) const;

  /// Returns the label indices of `category_ids`, in the same order, such as an image's tags.
  ///
  /// Throws: as label_index().
  std::vector<std::int64_t> label_indices(const std::vector<std::int64_t>& category_ids) const;

  /// Returns the boxes of `image` with their label indices, ready for DetectionEvaluator::add().
  ///
  /// Throws: as label_index().
  GroundTruthBoxes ground_truth_boxes(const EvalImage& image) const;

  /// Converts a label map of category ids (EvalDataset::read_label_map) into label indices, with
  /// the ignore label as SegmentationEvaluator::kIgnoreIndex.
  ///
  /// Throws: mtl::Error with kInvalidArgument when this mapping was not created for
  /// segmentation, and as label_index() for a value that is not part of the mapping.
  LabelMap to_class_map(const LabelMap& category_map) const;

  TaskKind kind() const noexcept { return kind_; }

 private:
  TaskKind kind_ = TaskKind::kCustom;
  std::string task_;
  int ignore_label_ = 255;
  std::unordered_map<std::int64_t, std::int64_t> label_of_category_;
};

}  // namespace mtl::eval
