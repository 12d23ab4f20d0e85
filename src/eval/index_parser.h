// Parsing and validation of an evaluation set's annotations.json. Internal to mtl::eval.
//
// Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mtl/eval/eval_dataset.h"

namespace mtl::eval::detail {

/// The contents of a valid index, before any image file has been opened.
struct ParsedIndex {
  std::vector<Category> categories;
  std::vector<EvalImage> images;
  bool has_annotations = false;  // The index has a non-empty "annotations" list.
  int ignore_label = 255;
  double depth_scale = 0.0;      // 0 when the index has no "depth" object.
};

/// Parses the text of `index_file` and checks everything that does not need the image files:
/// field types and ranges, unique ids, references between images, annotations and categories,
/// boxes inside their images, and relative paths. File paths are joined to `folder`.
///
/// Throws: mtl::Error with kInvalidData on the first problem; the message starts with
/// `index_file` and names the entry, such as "images[3] (id 4).width".
ParsedIndex parse_index(const std::string& text, const std::string& index_file,
                        const std::filesystem::path& folder);

}  // namespace mtl::eval::detail
