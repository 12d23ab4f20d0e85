#include "mtl/eval/label_mapping.h"

#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mtl/error.h"
#include "mtl/eval/segmentation_evaluator.h"

namespace mtl::eval {

namespace {

// Marks a label map value with no label index in the lookup table of to_class_map().
constexpr std::int32_t kUnmapped = -2;

std::int64_t find_label(const std::vector<std::string>& labels, const std::string& name) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == name) {
      return static_cast<std::int64_t>(i);
    }
  }
  return -1;
}

std::string quoted_list(const std::vector<std::string>& labels) {
  std::vector<std::string> quoted;
  quoted.reserve(labels.size());
  for (const std::string& label : labels) {
    quoted.push_back(fmt::format("\"{}\"", label));
  }
  return fmt::format("{}", fmt::join(quoted, ", "));
}

}  // namespace

LabelMapping LabelMapping::create(const EvalDataset& dataset, TaskKind kind,
                                  const std::vector<std::string>& labels, std::string_view task) {
  if (kind == TaskKind::kCustom) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("task \"{}\" is of kind custom, which has no labels to map", task));
  }
  if (kind == TaskKind::kSegmentation && labels.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("segmentation task \"{}\" has no labels, expected at least label 0, "
                            "the background",
                            task));
  }

  LabelMapping mapping;
  mapping.kind_ = kind;
  mapping.task_ = std::string(task);
  mapping.ignore_label_ = dataset.ignore_label();
  if (kind == TaskKind::kSegmentation) {
    mapping.label_of_category_[0] = 0;
  }

  for (std::int64_t id : dataset.used_category_ids(kind)) {
    const Category* category = dataset.find_category(id);
    std::int64_t index = find_label(labels, category->name);
    if (index < 0) {
      throw Error(ErrorCode::kInvalidData,
                  fmt::format("{}: category \"{}\" (id {}) is used by the {} labels of the "
                              "evaluation set, but {} task \"{}\" has no label of that name; its "
                              "labels are {}. Rename the category or use a model with that label",
                              (dataset.folder() / EvalDataset::kIndexFileName).string(),
                              category->name, id, to_string(kind), to_string(kind), task,
                              quoted_list(labels)));
    }
    mapping.label_of_category_[id] = index;
  }
  return mapping;
}

std::int64_t LabelMapping::label_index(std::int64_t category_id) const {
  auto it = label_of_category_.find(category_id);
  if (it == label_of_category_.end()) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("category id {} is not part of the label mapping of {} task \"{}\", "
                            "which covers only the categories that the set's {} labels use",
                            category_id, to_string(kind_), task_, to_string(kind_)));
  }
  return it->second;
}

std::vector<std::int64_t> LabelMapping::label_indices(
    const std::vector<std::int64_t>& category_ids) const {
  std::vector<std::int64_t> indices;
  indices.reserve(category_ids.size());
  for (std::int64_t id : category_ids) {
    indices.push_back(label_index(id));
  }
  return indices;
}

GroundTruthBoxes LabelMapping::ground_truth_boxes(const EvalImage& image) const {
  GroundTruthBoxes ground_truth;
  ground_truth.boxes.reserve(image.boxes.size());
  ground_truth.labels.reserve(image.boxes.size());
  for (const BoxAnnotation& annotation : image.boxes) {
    ground_truth.boxes.push_back(annotation.box);
    ground_truth.labels.push_back(label_index(annotation.category_id));
  }
  return ground_truth;
}

LabelMap LabelMapping::to_class_map(const LabelMap& category_map) const {
  if (kind_ != TaskKind::kSegmentation) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("to_class_map() needs a segmentation mapping, but the mapping of "
                            "task \"{}\" is for {}",
                            task_, to_string(kind_)));
  }

  // A table over every 8-bit value, so that the pixel loop does no hashing.
  std::array<std::int32_t, 256> table;
  table.fill(kUnmapped);
  table[static_cast<std::size_t>(ignore_label_)] = SegmentationEvaluator::kIgnoreIndex;
  for (const auto& [category, index] : label_of_category_) {
    if (category >= 0 && category < static_cast<std::int64_t>(table.size())) {
      table[static_cast<std::size_t>(category)] = static_cast<std::int32_t>(index);
    }
  }

  LabelMap classes;
  classes.height = category_map.height;
  classes.width = category_map.width;
  classes.values.resize(category_map.values.size());
  for (std::size_t i = 0; i < category_map.values.size(); ++i) {
    std::int32_t value = category_map.values[i];
    std::int32_t mapped =
        value >= 0 && value < static_cast<std::int32_t>(table.size()) ? table[value] : kUnmapped;
    if (mapped == kUnmapped) {
      // Throws kNotFound naming the value, since an unmapped value is not in the mapping.
      mapped = static_cast<std::int32_t>(label_index(value));
    }
    classes.values[i] = mapped;
  }
  return classes;
}

}  // namespace mtl::eval
