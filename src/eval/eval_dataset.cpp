#include "mtl/eval/eval_dataset.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

#include "image_files.h"
#include "index_parser.h"
#include "text_file.h"
#include "mtl/error.h"

namespace mtl::eval {

namespace {

std::string image_role(const EvalImage& image) {
  return fmt::format("image file of image id {}", image.id);
}

std::string label_map_role(const EvalImage& image) {
  return fmt::format("label map (segmentation_file) of image id {}", image.id);
}

std::string depth_map_role(const EvalImage& image) {
  return fmt::format("depth map (depth_file) of image id {}", image.id);
}

// Which label map values are allowed: 0, the ignore label, and category ids up to 255.
std::array<bool, 256> allowed_label_values(const std::vector<Category>& categories,
                                           int ignore_label) {
  std::array<bool, 256> allowed{};
  allowed[0] = true;
  allowed[static_cast<std::size_t>(ignore_label)] = true;
  for (const Category& category : categories) {
    if (category.id < static_cast<std::int64_t>(allowed.size())) {
      allowed[static_cast<std::size_t>(category.id)] = true;
    }
  }
  return allowed;
}

// Checks every value of a decoded label map and marks the values that occur in `seen`.
void check_label_values(const std::vector<std::uint8_t>& values, const EvalImage& image,
                        const std::array<bool, 256>& allowed, int ignore_label,
                        std::array<bool, 256>& seen) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint8_t value = values[i];
    if (!allowed[value]) {
      auto width = static_cast<std::size_t>(image.width);
      throw Error(ErrorCode::kInvalidData,
                  fmt::format("{}: {} has value {} at row {}, column {}, which is neither 0 "
                              "(background), a category id nor the ignore label {}; fix the "
                              "label map or add the category to the index",
                              image.segmentation_path->string(), label_map_role(image), value,
                              i / width, i % width, ignore_label));
    }
    seen[value] = true;
  }
}

}  // namespace

EvalDataset EvalDataset::load(const std::filesystem::path& folder) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("{}: the evaluation set folder does not exist or is not a folder",
                            folder.string()));
  }
  std::filesystem::path index_path = folder / kIndexFileName;
  std::string text = detail::read_text_file(index_path, "index of the evaluation set");
  detail::ParsedIndex index = detail::parse_index(text, index_path.string(), folder);

  // The index is consistent; now open every file that it refers to.
  std::array<bool, 256> allowed = allowed_label_values(index.categories, index.ignore_label);
  std::array<bool, 256> seen{};
  for (const EvalImage& image : index.images) {
    detail::check_image_size(image.path, image_role(image), image.width, image.height);
    if (image.segmentation_path) {
      std::vector<std::uint8_t> values = detail::decode_gray8(
          *image.segmentation_path, label_map_role(image), image.width, image.height);
      check_label_values(values, image, allowed, index.ignore_label, seen);
    }
    if (image.depth_path) {
      detail::decode_gray16(*image.depth_path, depth_map_role(image), image.width, image.height);
    }
  }

  EvalDataset dataset;
  dataset.folder_ = folder;
  dataset.categories_ = std::move(index.categories);
  dataset.images_ = std::move(index.images);
  dataset.has_annotations_ = index.has_annotations;
  dataset.ignore_label_ = index.ignore_label;
  dataset.depth_scale_ = index.depth_scale;
  for (std::size_t value = 1; value < seen.size(); ++value) {
    if (seen[value] && static_cast<int>(value) != dataset.ignore_label_) {
      dataset.label_map_categories_.push_back(static_cast<std::int64_t>(value));
    }
  }
  return dataset;
}

const Category* EvalDataset::find_category(std::int64_t id) const {
  auto it = std::find_if(categories_.begin(), categories_.end(),
                         [id](const Category& category) { return category.id == id; });
  return it == categories_.end() ? nullptr : &*it;
}

namespace {

bool carries_field(const EvalImage& image, TaskKind kind) {
  switch (kind) {
    case TaskKind::kSegmentation:
      return image.segmentation_path.has_value();
    case TaskKind::kMultilabel:
      return image.tags.has_value();
    case TaskKind::kClassification:
      return image.category_id.has_value();
    case TaskKind::kDepth:
      return image.depth_path.has_value();
    case TaskKind::kDetection:
    case TaskKind::kCustom:
      return false;
  }
  return false;
}

}  // namespace

bool EvalDataset::has_labels(TaskKind kind) const {
  if (kind == TaskKind::kDetection) {
    return has_annotations_;
  }
  return std::any_of(images_.begin(), images_.end(),
                     [kind](const EvalImage& image) { return carries_field(image, kind); });
}

std::vector<const EvalImage*> EvalDataset::images_with_labels(TaskKind kind) const {
  std::vector<const EvalImage*> selected;
  for (const EvalImage& image : images_) {
    bool selected_by_set = kind == TaskKind::kDetection && has_annotations_;
    if (selected_by_set || carries_field(image, kind)) {
      selected.push_back(&image);
    }
  }
  return selected;
}

std::vector<std::int64_t> EvalDataset::used_category_ids(TaskKind kind) const {
  if (kind == TaskKind::kSegmentation) {
    return label_map_categories_;
  }

  std::set<std::int64_t> ids;
  for (const EvalImage& image : images_) {
    if (kind == TaskKind::kDetection) {
      for (const BoxAnnotation& box : image.boxes) {
        ids.insert(box.category_id);
      }
    } else if (kind == TaskKind::kMultilabel && image.tags) {
      ids.insert(image.tags->begin(), image.tags->end());
    } else if (kind == TaskKind::kClassification && image.category_id) {
      ids.insert(*image.category_id);
    }
  }
  return std::vector<std::int64_t>(ids.begin(), ids.end());
}

LabelMap EvalDataset::read_label_map(const EvalImage& image) const {
  if (!image.segmentation_path) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("image id {} ({}) has no segmentation_file, so it has no label map; "
                            "select images with images_with_labels(TaskKind::kSegmentation)",
                            image.id, image.file_name));
  }

  std::vector<std::uint8_t> values = detail::decode_gray8(
      *image.segmentation_path, label_map_role(image), image.width, image.height);
  std::array<bool, 256> seen{};
  check_label_values(values, image, allowed_label_values(categories_, ignore_label_),
                     ignore_label_, seen);

  LabelMap map;
  map.height = image.height;
  map.width = image.width;
  map.values.assign(values.begin(), values.end());
  return map;
}

DepthMap EvalDataset::read_depth_map(const EvalImage& image) const {
  if (!image.depth_path) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("image id {} ({}) has no depth_file, so it has no depth map; select "
                            "images with images_with_labels(TaskKind::kDepth)",
                            image.id, image.file_name));
  }

  std::vector<std::uint16_t> values =
      detail::decode_gray16(*image.depth_path, depth_map_role(image), image.width, image.height);

  DepthMap map;
  map.height = image.height;
  map.width = image.width;
  map.metres.reserve(values.size());
  for (std::uint16_t value : values) {
    map.metres.push_back(static_cast<float>(static_cast<double>(value) / depth_scale_));
  }
  return map;
}

}  // namespace mtl::eval
