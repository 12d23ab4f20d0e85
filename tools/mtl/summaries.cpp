#include "summaries.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <vector>

namespace mtl::cli {
namespace {

using nlohmann::json;

std::string label_name(const TaskInfo& task, int64_t index) {
  if (index >= 0 && index < static_cast<int64_t>(task.labels.size())) {
    return task.labels[index];
  }
  return fmt::format("#{}", index);
}

struct Detection {
  int64_t label;
  float score;
  float box[4];
};

std::vector<Detection> detections(const TensorMap& outputs, float threshold) {
  const at::Tensor boxes = outputs.at("boxes").to(at::kFloat).contiguous().cpu();
  const at::Tensor scores = outputs.at("scores").to(at::kFloat).contiguous().cpu();
  const at::Tensor labels = outputs.at("labels").to(at::kLong).contiguous().cpu();
  std::vector<Detection> above_threshold;
  for (int64_t i = 0; i < boxes.size(0); ++i) {
    const float score = scores.data_ptr<float>()[i];
    if (score >= threshold) {
      const float* box = boxes.data_ptr<float>() + i * 4;
      above_threshold.push_back({labels.data_ptr<int64_t>()[i], score, {box[0], box[1], box[2], box[3]}});
    }
  }
  std::stable_sort(above_threshold.begin(), above_threshold.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  return above_threshold;
}

// Pairs of (share or probability, class index), highest first, at most `limit`.
std::vector<std::pair<double, int64_t>> ranked(const at::Tensor& values, int limit) {
  std::vector<std::pair<double, int64_t>> pairs;
  const at::Tensor flat = values.to(at::kDouble).contiguous().cpu();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    pairs.emplace_back(flat.data_ptr<double>()[i], i);
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  pairs.resize(std::min<std::size_t>(pairs.size(), static_cast<std::size_t>(std::max(0, limit))));
  return pairs;
}

at::Tensor class_shares(const at::Tensor& logits) {
  const at::Tensor labels = logits.argmax(0).reshape(-1);
  return at::bincount(labels, {}, logits.size(0)).to(at::kDouble) / static_cast<double>(labels.numel());
}

std::string shape_of(const at::Tensor& tensor) { return fmt::format("{}", fmt::join(tensor.sizes(), "x")); }

}  // namespace

json summarize_json(const TaskInfo& task, const TensorMap& outputs, const PreparedInput& geometry,
                    const SummaryOptions& options) {
  c10::NoGradGuard no_grad;
  json summary = {{"kind", to_string(task.kind)}};
  switch (task.kind) {
    case TaskKind::kDetection: {
      json objects = json::array();
      for (const Detection& detection : detections(outputs, options.score_threshold)) {
        objects.push_back({{"label", label_name(task, detection.label)},
                           {"label_index", detection.label},
                           {"score", detection.score},
                           {"box_xyxy",
                            {geometry.to_image_x(detection.box[0]), geometry.to_image_y(detection.box[1]),
                             geometry.to_image_x(detection.box[2]), geometry.to_image_y(detection.box[3])}}});
      }
      summary["score_threshold"] = options.score_threshold;
      summary["objects"] = objects;
      break;
    }
    case TaskKind::kSegmentation: {
      json classes = json::array();
      for (const auto& [share, index] : ranked(class_shares(outputs.at("logits")), options.top_k)) {
        classes.push_back({{"label", label_name(task, index)}, {"label_index", index}, {"pixel_share", share}});
      }
      summary["size"] = outputs.at("logits").sizes().slice(1).vec();
      summary["classes"] = classes;
      break;
    }
    case TaskKind::kClassification: {
      json top = json::array();
      for (const auto& [p, index] : ranked(outputs.at("logits").softmax(0), options.top_k)) {
        top.push_back({{"label", label_name(task, index)}, {"label_index", index}, {"probability", p}});
      }
      summary["top"] = top;
      break;
    }
    case TaskKind::kMultilabel: {
      json present = json::array();
      const at::Tensor probabilities = outputs.at("logits").sigmoid();
      for (const auto& [p, index] : ranked(probabilities, static_cast<int>(probabilities.numel()))) {
        if (p >= options.score_threshold) {
          present.push_back({{"label", label_name(task, index)}, {"label_index", index}, {"probability", p}});
        }
      }
      summary["threshold"] = options.score_threshold;
      summary["labels"] = present;
      break;
    }
    case TaskKind::kDepth: {
      const at::Tensor depth = outputs.at("depth").to(at::kDouble);
      summary["size"] = depth.sizes().vec();
      summary["min"] = depth.min().item<double>();
      summary["mean"] = depth.mean().item<double>();
      summary["max"] = depth.max().item<double>();
      break;
    }
    case TaskKind::kCustom:
      break;
  }

  json tensors = json::object();
  for (const auto& [key, tensor] : outputs) {
    tensors[key] = {{"shape", tensor.sizes().vec()}, {"dtype", std::string(c10::toString(tensor.scalar_type()))}};
  }
  summary["outputs"] = tensors;
  return summary;
}

std::string summarize_text(const TaskInfo& task, const TensorMap& outputs, const SummaryOptions& options) {
  c10::NoGradGuard no_grad;
  std::vector<std::string> parts;
  switch (task.kind) {
    case TaskKind::kDetection: {
      const std::vector<Detection> found = detections(outputs, options.score_threshold);
      for (std::size_t i = 0; i < found.size() && i < static_cast<std::size_t>(options.top_k); ++i) {
        parts.push_back(fmt::format("{} {:.2f}", label_name(task, found[i].label), found[i].score));
      }
      const std::string shown =
          found.size() > parts.size() ? fmt::format(" (top {} of {})", parts.size(), found.size()) : "";
      return fmt::format("{} object{} >= {:.2f}{}{}{}", found.size(), found.size() == 1 ? "" : "s",
                         options.score_threshold, parts.empty() ? "" : ": ", fmt::join(parts, ", "), shown);
    }
    case TaskKind::kSegmentation:
      for (const auto& [share, index] : ranked(class_shares(outputs.at("logits")), options.top_k)) {
        if (share > 0) {
          parts.push_back(fmt::format("{} {:.1f}%", label_name(task, index), share * 100));
        }
      }
      return fmt::format("pixels: {}", fmt::join(parts, ", "));
    case TaskKind::kClassification:
      for (const auto& [p, index] : ranked(outputs.at("logits").softmax(0), std::min(options.top_k, 3))) {
        parts.push_back(fmt::format("{} {:.2f}", label_name(task, index), p));
      }
      return fmt::format("top: {}", fmt::join(parts, ", "));
    case TaskKind::kMultilabel: {
      const at::Tensor probabilities = outputs.at("logits").sigmoid();
      for (const auto& [p, index] : ranked(probabilities, static_cast<int>(probabilities.numel()))) {
        if (p >= options.score_threshold) {
          parts.push_back(fmt::format("{} {:.2f}", label_name(task, index), p));
        }
      }
      return parts.empty() ? fmt::format("no label >= {:.2f}", options.score_threshold)
                           : fmt::format("labels: {}", fmt::join(parts, ", "));
    }
    case TaskKind::kDepth: {
      const at::Tensor depth = outputs.at("depth").to(at::kDouble);
      return fmt::format("depth {:.3f} to {:.3f} m, mean {:.3f} m", depth.min().item<double>(),
                         depth.max().item<double>(), depth.mean().item<double>());
    }
    case TaskKind::kCustom:
      for (const auto& [key, tensor] : outputs) {
        parts.push_back(fmt::format("{} [{}]", key, shape_of(tensor)));
      }
      return fmt::format("outputs: {}", fmt::join(parts, ", "));
  }
  return "";
}

}  // namespace mtl::cli
