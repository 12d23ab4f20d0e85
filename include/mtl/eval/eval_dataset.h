// mtl::eval::EvalDataset: an evaluation set on disk, loaded and validated up front.
//
// The layout is that of docs/eval-format.md: a COCO-style `annotations.json` with categories,
// images and boxes, plus optional segmentation label maps (8-bit single-channel PNG), tags,
// classes and depth maps (16-bit single-channel PNG) per image. load() checks every field and
// every referenced file before any model runs and throws on the first problem, naming the file
// and what is wrong. Input images are checked by their header only: they must exist, be readable
// as an image and have the size of `width` and `height`. The model runner decodes their pixels.
// Label maps and depth maps are decoded in full during load() to check their values, and again
// by read_label_map() and read_depth_map().
//
// Thread safety: safe for concurrent access once loaded; every member function is const.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mtl/eval/box.h"
#include "mtl/eval/depth_map.h"
#include "mtl/eval/label_map.h"
#include "mtl/task_info.h"

namespace mtl::eval {

/// A category of the set: a positive id and a name that is matched to a model's labels.
struct Category {
  std::int64_t id = 0;
  std::string name;
};

/// A ground-truth box of an image, converted from COCO `[x, y, width, height]` to corners.
struct BoxAnnotation {
  std::int64_t id = 0;
  std::int64_t category_id = 0;
  Box box;
};

/// An image of the set and the labels it carries. A missing optional field means that the image
/// is not evaluated for that task kind.
struct EvalImage {
  std::int64_t id = 0;
  std::string file_name;        ///< As written in the index, relative to the set's folder.
  std::filesystem::path path;   ///< The folder joined with `file_name`.
  int width = 0;
  int height = 0;
  std::vector<BoxAnnotation> boxes;  ///< In the order of the index's `annotations`.
  std::optional<std::filesystem::path> segmentation_path;
  std::optional<std::vector<std::int64_t>> tags;  ///< Category ids present in the image.
  std::optional<std::int64_t> category_id;        ///< The single class, for classification.
  std::optional<std::filesystem::path> depth_path;
};

/// A validated evaluation set.
class EvalDataset {
 public:
  /// The name of the index file inside the set's folder.
  static constexpr const char* kIndexFileName = "annotations.json";

  /// Loads the set in `folder` and validates it, reading `folder/annotations.json`, the header of
  /// every input image, and every label map and depth map in full.
  ///
  /// Returns: the set.
  /// Throws: mtl::Error with kNotFound when the folder or the index does not exist, kIo when a
  /// file cannot be read, and kInvalidData for malformed JSON and for every problem that
  /// docs/eval-format.md lists under validation. The message names the file and the entry.
  static EvalDataset load(const std::filesystem::path& folder);

  const std::filesystem::path& folder() const noexcept { return folder_; }
  const std::vector<Category>& categories() const noexcept { return categories_; }
  const std::vector<EvalImage>& images() const noexcept { return images_; }

  /// Returns the category with `id`, or nullptr when the set has none.
  const Category* find_category(std::int64_t id) const;

  /// Returns whether the set carries labels for `kind`: a non-empty `annotations` list for
  /// detection, and at least one image with the kind's field for the others. Always false for
  /// kCustom.
  bool has_labels(TaskKind kind) const;

  /// Returns the images that are evaluated for `kind`, in index order: every image for detection
  /// when has_labels(kDetection), else those that carry the kind's field.
  std::vector<const EvalImage*> images_with_labels(TaskKind kind) const;

  /// Returns the ids of the categories that the labels of `kind` refer to, in ascending order:
  /// box categories, label map values other than 0 and the ignore label, tags, or image classes.
  std::vector<std::int64_t> used_category_ids(TaskKind kind) const;

  /// The label map value of pixels that do not count. Default: 255.
  int ignore_label() const noexcept { return ignore_label_; }

  /// The divisor from a depth map value to metres. Set by `depth.scale`; 0 when the set has no
  /// depth.
  double depth_scale() const noexcept { return depth_scale_; }

  /// Decodes the segmentation label map of `image`. Values are 0 (background), category ids, or
  /// the ignore label.
  ///
  /// Throws: mtl::Error with kInvalidArgument when `image` has no label map, and kInvalidData or
  /// kIo when the file no longer passes the checks of load().
  LabelMap read_label_map(const EvalImage& image) const;

  /// Decodes the depth map of `image` and converts it to metres; 0 means no measurement.
  ///
  /// Throws: mtl::Error as read_label_map() does.
  DepthMap read_depth_map(const EvalImage& image) const;

 private:
  std::filesystem::path folder_;
  std::vector<Category> categories_;
  std::vector<EvalImage> images_;
  bool has_annotations_ = false;
  int ignore_label_ = 255;
  double depth_scale_ = 0.0;
  std::vector<std::int64_t> label_map_categories_;  // Set by load(), from the decoded maps.
};

}  // namespace mtl::eval
