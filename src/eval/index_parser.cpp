#include "index_parser.h"

#include <algorithm>
#include <limits>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "json_fields.h"
#include "mtl/error.h"

namespace mtl::eval::detail {

namespace {

constexpr int kMaxLabelMapValue = 255;

// Returns the member `key` of `object`, or nullptr when it is absent or null, as COCO writers
// emit null for fields they do not fill.
const Json* optional_field(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::filesystem::path read_relative_path(const std::string& file, const Json& value,
                                         const std::string& field,
                                         const std::filesystem::path& folder) {
  std::string text = read_string(file, value, field);
  std::filesystem::path relative(text);
  if (relative.is_absolute()) {
    throw_field_error(file, field,
                      fmt::format("is the absolute path \"{}\", expected a path relative to the "
                                  "folder of the index",
                                  text));
  }
  return folder / relative;
}

class IndexParser {
 public:
  IndexParser(std::string file, std::filesystem::path folder)
      : file_(std::move(file)), folder_(std::move(folder)) {}

  ParsedIndex parse(const std::string& text) {
    Json root = parse_json(text);
    require_object(file_, root, "the top level");

    parse_categories(root);
    parse_segmentation_settings(root);
    parse_depth_settings(root);
    parse_images(require_field(file_, root, "the top level", "images"));
    if (const Json* annotations = optional_field(root, "annotations")) {
      parse_annotations(*annotations);
    }
    return std::move(result_);
  }

 private:
  Json parse_json(const std::string& text) { return detail::parse_json(file_, text); }

  void parse_categories(const Json& root) {
    const Json* categories = optional_field(root, "categories");
    if (categories == nullptr) {
      return;
    }
    require_array(file_, *categories, "categories");

    std::set<std::string> names;
    for (std::size_t i = 0; i < categories->size(); ++i) {
      std::string field = fmt::format("categories[{}]", i);
      const Json& entry = (*categories)[i];
      require_object(file_, entry, field);

      Category category;
      category.id = read_positive_integer(file_, require_field(file_, entry, field, "id"),
                                          field + ".id");
      category.name = read_string(file_, require_field(file_, entry, field, "name"),
                                  field + ".name");
      if (category_index_.count(category.id) != 0) {
        throw_field_error(file_, field + ".id",
                          fmt::format("repeats category id {}, expected unique ids", category.id));
      }
      if (!names.insert(category.name).second) {
        throw_field_error(file_, field + ".name",
                          fmt::format("repeats category name \"{}\", expected unique names, "
                                      "because names are matched to the model's labels",
                                      category.name));
      }
      category_index_[category.id] = result_.categories.size();
      result_.categories.push_back(std::move(category));
    }
  }

  void parse_segmentation_settings(const Json& root) {
    const Json* settings = optional_field(root, "segmentation");
    if (settings == nullptr) {
      return;
    }
    require_object(file_, *settings, "segmentation");
    const Json* ignore = optional_field(*settings, "ignore_label");
    if (ignore == nullptr) {
      return;
    }

    std::int64_t value = read_integer(file_, *ignore, "segmentation.ignore_label");
    if (value <= 0 || value > kMaxLabelMapValue) {
      throw_field_error(file_, "segmentation.ignore_label",
                        fmt::format("is {}, expected a value in [1, 255], because label maps "
                                    "are 8-bit and 0 is the background",
                                    value));
    }
    if (category_index_.count(value) != 0) {
      throw_field_error(file_, "segmentation.ignore_label",
                        fmt::format("is {}, which is also a category id; choose a value that "
                                    "no category uses",
                                    value));
    }
    result_.ignore_label = static_cast<int>(value);
  }

  void parse_depth_settings(const Json& root) {
    const Json* settings = optional_field(root, "depth");
    if (settings == nullptr) {
      return;
    }
    require_object(file_, *settings, "depth");

    double scale = read_number(file_, require_field(file_, *settings, "depth", "scale"),
                               "depth.scale");
    if (!(scale > 0.0)) {
      throw_field_error(file_, "depth.scale",
                        fmt::format("is {}, expected a positive number (depth map value per "
                                    "metre)",
                                    scale));
    }
    result_.depth_scale = scale;
  }

  int read_size(const Json& entry, const std::string& field, const char* key) {
    std::int64_t value =
        read_positive_integer(file_, require_field(file_, entry, field, key), field + "." + key);
    if (value > std::numeric_limits<int>::max()) {
      throw_field_error(file_, field + "." + key,
                        fmt::format("is {}, which is too large for an image size", value));
    }
    return static_cast<int>(value);
  }

  std::int64_t read_category_reference(const Json& value, const std::string& field) {
    std::int64_t id = read_integer(file_, value, field);
    if (category_index_.count(id) == 0) {
      throw_field_error(file_, field,
                        fmt::format("is {}, which is not the id of any entry in categories", id));
    }
    return id;
  }

  void parse_images(const Json& images) {
    require_array(file_, images, "images");
    if (images.empty()) {
      throw_field_error(file_, "images", "is empty, expected at least one image");
    }

    for (std::size_t i = 0; i < images.size(); ++i) {
      std::string field = fmt::format("images[{}]", i);
      const Json& entry = images[i];
      require_object(file_, entry, field);

      EvalImage image;
      image.id = read_integer(file_, require_field(file_, entry, field, "id"), field + ".id");
      if (image_index_.count(image.id) != 0) {
        throw_field_error(file_, field + ".id",
                          fmt::format("repeats image id {}, expected unique ids", image.id));
      }
      field = fmt::format("images[{}] (id {})", i, image.id);
      parse_image_fields(entry, field, image);

      image_index_[image.id] = result_.images.size();
      result_.images.push_back(std::move(image));
    }
  }

  void parse_image_fields(const Json& entry, const std::string& field, EvalImage& image) {
    const Json& file_name = require_field(file_, entry, field, "file_name");
    image.path = read_relative_path(file_, file_name, field + ".file_name", folder_);
    image.file_name = file_name.get<std::string>();
    image.width = read_size(entry, field, "width");
    image.height = read_size(entry, field, "height");

    if (const Json* value = optional_field(entry, "segmentation_file")) {
      image.segmentation_path =
          read_relative_path(file_, *value, field + ".segmentation_file", folder_);
    }
    if (const Json* value = optional_field(entry, "tags")) {
      image.tags = parse_tags(*value, field + ".tags");
    }
    if (const Json* value = optional_field(entry, "category_id")) {
      image.category_id = read_category_reference(*value, field + ".category_id");
    }
    if (const Json* value = optional_field(entry, "depth_file")) {
      if (result_.depth_scale == 0.0) {
        throw_field_error(file_, field + ".depth_file",
                          "is set, but the index has no \"depth\": {\"scale\": ...} object; add "
                          "it with the number of depth map units per metre");
      }
      image.depth_path = read_relative_path(file_, *value, field + ".depth_file", folder_);
    }
  }

  std::vector<std::int64_t> parse_tags(const Json& tags, const std::string& field) {
    require_array(file_, tags, field);
    std::vector<std::int64_t> ids;
    for (std::size_t t = 0; t < tags.size(); ++t) {
      std::string tag_field = fmt::format("{}[{}]", field, t);
      std::int64_t id = read_category_reference(tags[t], tag_field);
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
        throw_field_error(file_, tag_field,
                          fmt::format("repeats tag {}, expected each category at most once", id));
      }
      ids.push_back(id);
    }
    return ids;
  }

  void parse_annotations(const Json& annotations) {
    require_array(file_, annotations, "annotations");
    result_.has_annotations = !annotations.empty();

    std::set<std::int64_t> ids;
    for (std::size_t i = 0; i < annotations.size(); ++i) {
      std::string field = fmt::format("annotations[{}]", i);
      const Json& entry = annotations[i];
      require_object(file_, entry, field);

      BoxAnnotation annotation;
      annotation.id = read_integer(file_, require_field(file_, entry, field, "id"), field + ".id");
      if (!ids.insert(annotation.id).second) {
        throw_field_error(file_, field + ".id",
                          fmt::format("repeats annotation id {}, expected unique ids",
                                      annotation.id));
      }
      field = fmt::format("annotations[{}] (id {})", i, annotation.id);

      if (const Json* crowd = optional_field(entry, "iscrowd")) {
        if (read_integer(file_, *crowd, field + ".iscrowd") != 0) {
          throw_field_error(file_, field + ".iscrowd",
                            "is set, but crowd annotations are not supported; remove the "
                            "annotation or set iscrowd to 0");
        }
      }
      std::int64_t image_id =
          read_integer(file_, require_field(file_, entry, field, "image_id"), field + ".image_id");
      auto image = image_index_.find(image_id);
      if (image == image_index_.end()) {
        throw_field_error(file_, field + ".image_id",
                          fmt::format("is {}, which is not the id of any entry in images",
                                      image_id));
      }
      annotation.category_id =
          read_category_reference(require_field(file_, entry, field, "category_id"),
                                  field + ".category_id");

      EvalImage& target = result_.images[image->second];
      annotation.box = parse_box(require_field(file_, entry, field, "bbox"), field + ".bbox",
                                 target);
      target.boxes.push_back(annotation);
    }
  }

  // Converts COCO [x, y, width, height] to corners and checks that it lies inside the image.
  Box parse_box(const Json& bbox, const std::string& field, const EvalImage& image) {
    if (!bbox.is_array() || bbox.size() != 4) {
      throw_field_error(file_, field,
                        fmt::format("is {}, expected [x, y, width, height]", render(bbox)));
    }
    double x = read_number(file_, bbox[0], field + "[0]");
    double y = read_number(file_, bbox[1], field + "[1]");
    double width = read_number(file_, bbox[2], field + "[2]");
    double height = read_number(file_, bbox[3], field + "[3]");

    if (!(width > 0.0) || !(height > 0.0)) {
      throw_field_error(file_, field,
                        fmt::format("has width {} and height {}, expected both positive", width,
                                    height));
    }
    if (x < 0.0 || y < 0.0 || x + width > image.width || y + height > image.height) {
      throw_field_error(file_, field,
                        fmt::format("is [{}, {}, {}, {}], which reaches outside its image "
                                    "(id {}, {}x{} pixels)",
                                    x, y, width, height, image.id, image.width, image.height));
    }
    return Box{static_cast<float>(x), static_cast<float>(y), static_cast<float>(x + width),
               static_cast<float>(y + height)};
  }

  std::string file_;
  std::filesystem::path folder_;
  ParsedIndex result_;
  std::unordered_map<std::int64_t, std::size_t> category_index_;
  std::unordered_map<std::int64_t, std::size_t> image_index_;
};

}  // namespace

ParsedIndex parse_index(const std::string& text, const std::string& index_file,
                        const std::filesystem::path& folder) {
  return IndexParser(index_file, folder).parse(text);
}

}  // namespace mtl::eval::detail
