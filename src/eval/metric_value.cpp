#include "mtl/eval/metric_value.h"

#include <cctype>

namespace mtl::eval {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// True for a per-label name such as "ap50/Trouser": the prefix followed by a non-empty label.
bool is_per_label(std::string_view metric, std::string_view prefix) {
  return metric.size() > prefix.size() && starts_with(metric, prefix);
}

// True for "top" followed by a positive decimal number, such as "top5".
bool is_top_k(std::string_view metric) {
  if (!starts_with(metric, "top") || metric.size() == 3 || metric[3] == '0') {
    return false;
  }
  for (char c : metric.substr(3)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void TaskMetrics::set(const std::string& name, double value, bool higher_is_better) {
  values[name] = MetricValue{name, value, higher_is_better};
}

const MetricValue* TaskMetrics::find(std::string_view name) const {
  auto it = values.find(std::string(name));
  return it == values.end() ? nullptr : &it->second;
}

std::optional<bool> metric_higher_is_better(TaskKind kind, std::string_view metric) {
  switch (kind) {
    case TaskKind::kDetection:
      if (metric == "map50" || metric == "map" || is_per_label(metric, "ap50/") ||
          is_per_label(metric, "ap50_raw/")) {
        return true;
      }
      return std::nullopt;
    case TaskKind::kSegmentation:
      if (metric == "miou" || metric == "pixel_accuracy" || is_per_label(metric, "iou/")) {
        return true;
      }
      return std::nullopt;
    case TaskKind::kMultilabel:
      if (metric == "map" || metric == "f1" || metric == "macro_f1" ||
          is_per_label(metric, "ap/")) {
        return true;
      }
      return std::nullopt;
    case TaskKind::kClassification:
      if (metric == "accuracy" || is_top_k(metric)) {
        return true;
      }
      return std::nullopt;
    case TaskKind::kDepth:
      if (metric == "abs_rel" || metric == "rmse") {
        return false;
      }
      if (metric == "delta1") {
        return true;
      }
      return std::nullopt;
    case TaskKind::kCustom:
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> summary_metric_names(TaskKind kind) {
  switch (kind) {
    case TaskKind::kDetection:
      return {"map50", "map"};
    case TaskKind::kSegmentation:
      return {"miou", "pixel_accuracy"};
    case TaskKind::kMultilabel:
      return {"map", "f1", "macro_f1"};
    case TaskKind::kClassification:
      return {"accuracy", "top5"};
    case TaskKind::kDepth:
      return {"abs_rel", "rmse", "delta1"};
    case TaskKind::kCustom:
      return {};
  }
  return {};
}

}  // namespace mtl::eval
