#include "mtl/manifest.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "json_depth.h"
#include "mtl/error.h"

namespace mtl {
namespace {

using nlohmann::json;

const char* const kFormatName = "mtl-multitask";

// Reads manifest fields and reports every problem with the archive and the field's path.
class FieldReader {
 public:
  explicit FieldReader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: invalid manifest: field '{}' {}; see docs/model-format.md", source_, path, problem));
  }

  const json& object(const json& parent, const std::string& key, const std::string& path) const {
    if (!parent.contains(key)) {
      fail(path, "is missing");
    }
    const json& value = parent.at(key);
    if (!value.is_object()) {
      fail(path, fmt::format("is {}, expected an object", value.type_name()));
    }
    return value;
  }

  std::string string(const json& parent, const std::string& key, const std::string& path,
                     const std::optional<std::string>& fallback = std::nullopt) const {
    if (!parent.contains(key)) {
      if (fallback) {
        return *fallback;
      }
      fail(path, "is missing");
    }
    const json& value = parent.at(key);
    if (!value.is_string()) {
      fail(path, fmt::format("is {}, expected a string", value.type_name()));
    }
    return value.get<std::string>();
  }

  int64_t integer(const json& parent, const std::string& key, const std::string& path) const {
    if (!parent.contains(key)) {
      fail(path, "is missing");
    }
    const json& value = parent.at(key);
    if (!value.is_number_integer()) {
      fail(path, fmt::format("is {}, expected an integer", value.dump()));
    }
    return value.get<int64_t>();
  }

  bool boolean(const json& parent, const std::string& key, const std::string& path, bool fallback) const {
    if (!parent.contains(key)) {
      return fallback;
    }
    const json& value = parent.at(key);
    if (!value.is_boolean()) {
      fail(path, fmt::format("is {}, expected true or false", value.dump()));
    }
    return value.get<bool>();
  }

  std::vector<float> floats(const json& parent, const std::string& key, const std::string& path) const {
    if (!parent.contains(key) || !parent.at(key).is_array()) {
      fail(path, "is missing or not an array of numbers");
    }
    std::vector<float> values;
    for (const json& item : parent.at(key)) {
      // Values are stored as float32, so they must be finite as float32 too.
      if (!item.is_number() || !std::isfinite(item.get<double>()) || !std::isfinite(item.get<float>())) {
        fail(path, fmt::format("contains {}, expected finite float32 numbers", item.dump()));
      }
      values.push_back(item.get<float>());
    }
    return values;
  }

  std::vector<std::string> strings(const json& parent, const std::string& key, const std::string& path) const {
    std::vector<std::string> values;
    if (!parent.contains(key)) {
      return values;
    }
    if (!parent.at(key).is_array()) {
      fail(path, "is not an array of strings");
    }
    for (const json& item : parent.at(key)) {
      if (!item.is_string()) {
        fail(path, fmt::format("contains {}, expected strings", item.dump()));
      }
      values.push_back(item.get<std::string>());
    }
    return values;
  }

 private:
  const std::string& source_;
};

bool is_identifier(const std::string& name) {
  static const std::regex kIdentifier("[A-Za-z_][A-Za-z0-9_]*");
  return std::regex_match(name, kIdentifier);
}

InputSpec parse_input(const FieldReader& reader, const json& input) {
  InputSpec spec;
  spec.channels = reader.integer(input, "channels", "input.channels");
  spec.dynamic_size = reader.boolean(input, "dynamic_size", "input.dynamic_size", false);
  spec.height = reader.integer(input, "height", "input.height");
  spec.width = reader.integer(input, "width", "input.width");
  if (spec.channels <= 0 || spec.channels > 64) {
    reader.fail("input.channels", fmt::format("is {}, expected 1 to 64", spec.channels));
  }
  if (spec.height <= 0 || spec.width <= 0 || spec.height > 16384 || spec.width > 16384) {
    reader.fail("input.height/width", fmt::format("is {}x{}, expected 1 to 16384 pixels each", spec.height, spec.width));
  }

  spec.dtype = reader.string(input, "dtype", "input.dtype", std::string("float32"));
  if (spec.dtype != "float32") {
    reader.fail("input.dtype", fmt::format("is '{}', expected 'float32'", spec.dtype));
  }

  const std::string color = reader.string(input, "color_order", "input.color_order", std::string("rgb"));
  if (color != "rgb" && color != "bgr") {
    reader.fail("input.color_order", fmt::format("is '{}', expected 'rgb' or 'bgr'", color));
  }
  spec.color_order = color == "rgb" ? ColorOrder::kRgb : ColorOrder::kBgr;

  const std::string resize = reader.string(input, "resize", "input.resize", std::string("stretch"));
  if (resize != "stretch" && resize != "letterbox") {
    reader.fail("input.resize", fmt::format("is '{}', expected 'stretch' or 'letterbox'", resize));
  }
  spec.resize = resize == "stretch" ? ResizeMode::kStretch : ResizeMode::kLetterbox;

  spec.mean = reader.floats(input, "mean", "input.mean");
  spec.std = reader.floats(input, "std", "input.std");
  if (static_cast<int64_t>(spec.mean.size()) != spec.channels ||
      static_cast<int64_t>(spec.std.size()) != spec.channels) {
    reader.fail("input.mean/std", fmt::format("have {} and {} values, expected {} each (one per channel)",
                                              spec.mean.size(), spec.std.size(), spec.channels));
  }
  for (float value : spec.std) {
    // Below 1e-6 normalization turns ordinary pixels into infinities.
    if (!(value >= 1e-6f)) {
      reader.fail("input.std", fmt::format("contains {}, expected values of at least 1e-6", value));
    }
  }
  return spec;
}

TaskInfo parse_task(const FieldReader& reader, const json& entry, std::size_t index) {
  const std::string path = fmt::format("tasks[{}]", index);
  if (!entry.is_object()) {
    reader.fail(path, fmt::format("is {}, expected an object", entry.type_name()));
  }

  TaskInfo task;
  task.name = reader.string(entry, "name", path + ".name");
  if (!is_identifier(task.name)) {
    reader.fail(path + ".name", fmt::format("is '{}', expected letters, digits and underscores", task.name));
  }
  task.method = reader.string(entry, "method", path + ".method", "head_" + task.name);
  if (!is_identifier(task.method)) {
    reader.fail(path + ".method", fmt::format("is '{}', expected an identifier", task.method));
  }

  const std::string kind = reader.string(entry, "kind", path + ".kind", std::string("custom"));
  const auto parsed_kind = parse_task_kind(kind);
  if (!parsed_kind) {
    reader.fail(path + ".kind", fmt::format("is '{}', expected one of detection, segmentation, classification, "
                                            "multilabel, depth, custom", kind));
  }
  task.kind = *parsed_kind;
  task.labels = reader.strings(entry, "labels", path + ".labels");
  task.metric = reader.string(entry, "metric", path + ".metric", std::string());
  task.critical = reader.boolean(entry, "critical", path + ".critical", false);

  if (entry.contains("max_regression")) {
    const json& allowance = entry.at("max_regression");
    const bool valid = allowance.is_object() && allowance.size() == 1 &&
                       (allowance.contains("absolute") || allowance.contains("relative")) &&
                       allowance.begin()->is_number() && std::isfinite(allowance.begin()->get<double>()) &&
                       allowance.begin()->get<double>() >= 0.0;
    if (!valid) {
      reader.fail(path + ".max_regression",
                  fmt::format("is {}, expected {{\"absolute\": d}} or {{\"relative\": r}} with d, r >= 0", allowance.dump()));
    }
    task.max_regression.mode = allowance.contains("absolute") ? RegressionAllowance::Mode::kAbsolute
                                                              : RegressionAllowance::Mode::kRelative;
    task.max_regression.value = allowance.begin()->get<double>();
  }
  return task;
}

}  // namespace

Manifest Manifest::parse(const std::string& json_text, const std::string& source) {
  if (const std::size_t too_deep = detail::find_excess_json_depth(json_text); too_deep != std::string::npos) {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: manifest mtl/manifest.json nests deeper than {} levels at byte {}; re-export the model",
                            source, detail::kMaxJsonDepth, too_deep));
  }
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: manifest mtl/manifest.json is not valid JSON ({}); re-export the model", source,
                            error.what()));
  }

  const FieldReader reader(source);
  if (!root.is_object()) {
    reader.fail("(root)", fmt::format("is {}, expected an object", root.type_name()));
  }
  const std::string format = reader.string(root, "format", "format");
  if (format != kFormatName) {
    reader.fail("format", fmt::format("is '{}', expected '{}'", format, kFormatName));
  }

  Manifest manifest;
  const int64_t format_version = reader.integer(root, "format_version", "format_version");
  if (format_version < 1 || format_version > kFormatVersion) {
    reader.fail("format_version", fmt::format("is {}, but this build of mtl reads version {} and older; "
                                              "upgrade mtl or export with an older format",
                                              format_version, kFormatVersion));
  }
  manifest.format_version = static_cast<int>(format_version);

  const json& model = reader.object(root, "model", "model");
  manifest.model_name = reader.string(model, "name", "model.name");
  manifest.model_version = reader.string(model, "version", "model.version");
  manifest.description = reader.string(model, "description", "model.description", std::string());

  manifest.input = parse_input(reader, reader.object(root, "input", "input"));

  const json& backbone = reader.object(root, "backbone", "backbone");
  manifest.backbone_method = reader.string(backbone, "method", "backbone.method", std::string("backbone"));
  if (!is_identifier(manifest.backbone_method)) {
    reader.fail("backbone.method", fmt::format("is '{}', expected an identifier", manifest.backbone_method));
  }
  manifest.backbone_digest = reader.string(backbone, "digest", "backbone.digest", std::string());

  if (!root.contains("tasks") || !root.at("tasks").is_array() || root.at("tasks").empty()) {
    reader.fail("tasks", "is missing or empty; a model needs at least one task");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < root.at("tasks").size(); ++i) {
    TaskInfo task = parse_task(reader, root.at("tasks").at(i), i);
    if (!names.insert(task.name).second) {
      reader.fail(fmt::format("tasks[{}].name", i), fmt::format("repeats the task name '{}'", task.name));
    }
    manifest.tasks.push_back(std::move(task));
  }
  if (manifest.tasks.size() > 64) {
    reader.fail("tasks", fmt::format("has {} entries; mtl supports at most 64 tasks", manifest.tasks.size()));
  }
  return manifest;
}

std::string Manifest::to_json(int indent) const {
  json tasks_json = json::array();
  for (const TaskInfo& task : tasks) {
    json allowance;
    allowance[task.max_regression.mode == RegressionAllowance::Mode::kAbsolute ? "absolute" : "relative"] =
        task.max_regression.value;
    tasks_json.push_back({{"name", task.name},
                          {"method", task.method},
                          {"kind", to_string(task.kind)},
                          {"labels", task.labels},
                          {"metric", task.metric},
                          {"max_regression", allowance},
                          {"critical", task.critical}});
  }
  const json root = {
      {"format", kFormatName},
      {"format_version", format_version},
      {"model", {{"name", model_name}, {"version", model_version}, {"description", description}}},
      {"input",
       {{"channels", input.channels},
        {"height", input.height},
        {"width", input.width},
        {"dynamic_size", input.dynamic_size},
        {"dtype", input.dtype},
        {"color_order", input.color_order == ColorOrder::kRgb ? "rgb" : "bgr"},
        {"resize", input.resize == ResizeMode::kStretch ? "stretch" : "letterbox"},
        {"mean", input.mean},
        {"std", input.std}}},
      {"backbone", {{"method", backbone_method}, {"digest", backbone_digest}}},
      {"tasks", tasks_json},
  };
  return root.dump(indent);
}

const TaskInfo* Manifest::find_task(const std::string& name) const {
  for (const TaskInfo& task : tasks) {
    if (task.name == name) {
      return &task;
    }
  }
  return nullptr;
}

}  // namespace mtl
