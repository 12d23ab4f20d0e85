#include "mtl/overlay.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <numeric>

#include "canvas.h"

namespace mtl {
namespace {

using detail::Canvas;
using detail::class_color;

std::string label_name(const TaskInfo& task, int64_t index) {
  if (index >= 0 && index < static_cast<int64_t>(task.labels.size())) {
    return task.labels[index];
  }
  return fmt::format("#{}", index);
}

void draw_segmentation(Image& image, const PreparedInput& geometry, const TaskInfo& task, const at::Tensor& logits,
                       float opacity) {
  const at::Tensor labels = logits.argmax(0).to(at::kLong).contiguous().cpu();
  const int64_t height = labels.size(0);
  const int64_t width = labels.size(1);
  const int64_t* data = labels.data_ptr<int64_t>();
  const auto background = std::find(task.labels.begin(), task.labels.end(), "background") - task.labels.begin();
  std::vector<detail::Color> colors;
  for (int64_t channel = 0; channel < logits.size(0); ++channel) {
    colors.push_back(class_color(label_name(task, channel)));
  }

  Canvas canvas(image);
  for (int y = 0; y < image.height; ++y) {
    // Nearest model pixel for the centre of each image pixel.
    const auto model_y = static_cast<int64_t>(std::floor((y + 0.5) * geometry.scale_y + geometry.pad_y));
    if (model_y < 0 || model_y >= height) {
      continue;
    }
    for (int x = 0; x < image.width; ++x) {
      const auto model_x = static_cast<int64_t>(std::floor((x + 0.5) * geometry.scale_x + geometry.pad_x));
      if (model_x < 0 || model_x >= width) {
        continue;
      }
      const int64_t label = data[model_y * width + model_x];
      if (label != background) {
        canvas.blend(x, y, colors[label], opacity);
      }
    }
  }
}

void draw_detections(Image& image, const PreparedInput& geometry, const TaskInfo& task, const TensorMap& outputs,
                     const OverlayOptions& options, int scale) {
  const at::Tensor boxes = outputs.at("boxes").to(at::kFloat).contiguous().cpu();
  const at::Tensor scores = outputs.at("scores").to(at::kFloat).contiguous().cpu();
  const at::Tensor labels = outputs.at("labels").to(at::kLong).contiguous().cpu();
  const int64_t count = boxes.size(0);

  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  const float* score = scores.data_ptr<float>();
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });

  Canvas canvas(image);
  const float* box = boxes.data_ptr<float>();
  int drawn = 0;
  // Draw from the lowest kept score up, so the best boxes end on top.
  std::vector<int64_t> kept;
  for (int64_t index : order) {
    if (score[index] < options.score_threshold || drawn++ >= options.max_boxes) {
      break;
    }
    kept.push_back(index);
  }
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    const int64_t index = *it;
    const int64_t label = labels.data_ptr<int64_t>()[index];
    const detail::Color color = class_color(label_name(task, label));
    const int x0 = static_cast<int>(std::lround(geometry.to_image_x(box[index * 4 + 0])));
    const int y0 = static_cast<int>(std::lround(geometry.to_image_y(box[index * 4 + 1])));
    const int x1 = static_cast<int>(std::lround(geometry.to_image_x(box[index * 4 + 2])));
    const int y1 = static_cast<int>(std::lround(geometry.to_image_y(box[index * 4 + 3])));
    canvas.stroke_rect(x0, y0, x1, y1, color, std::max(1, scale));
    const std::string text = fmt::format("{} {:.2f}", label_name(task, label), score[index]);
    const int text_y = y0 >= 9 * scale ? y0 - 9 * scale : y0;
    canvas.label(x0, text_y, text, color, scale);
  }
}

// Words summarizing an image-level task (the task name first), or none if it has nothing to show.
std::vector<std::string> summary_words(const TaskInfo& task, const TensorMap& outputs, const OverlayOptions& options) {
  if (task.kind == TaskKind::kMultilabel) {
    const at::Tensor probabilities = outputs.at("logits").to(at::kFloat).sigmoid().contiguous().cpu();
    std::vector<std::pair<float, int64_t>> present;
    for (int64_t i = 0; i < probabilities.size(0); ++i) {
      const float p = probabilities.data_ptr<float>()[i];
      if (p >= options.score_threshold) {
        present.emplace_back(p, i);
      }
    }
    std::sort(present.rbegin(), present.rend());
    std::vector<std::string> words = {task.name + ":"};
    for (const auto& [p, i] : present) {
      words.push_back(fmt::format("{} {:.2f}", label_name(task, i), p));
    }
    if (present.empty()) {
      words.push_back("(none)");
    }
    return words;
  }
  if (task.kind == TaskKind::kClassification) {
    const at::Tensor probabilities = outputs.at("logits").to(at::kFloat).softmax(0).cpu();
    const int64_t best = probabilities.argmax().item<int64_t>();
    return {task.name + ":", fmt::format("{} {:.2f}", label_name(task, best), probabilities[best].item<float>())};
  }
  if (task.kind == TaskKind::kDepth) {
    const at::Tensor depth = outputs.at("depth").to(at::kFloat);
    return {task.name + ":", fmt::format("{:.2f} to {:.2f} m", depth.min().item<float>(), depth.max().item<float>())};
  }
  return {};
}

// Joins words into lines no wider than `width` pixels (a longer single word gets its own line).
std::vector<std::string> wrap(const std::vector<std::string>& words, int width, int scale) {
  std::vector<std::string> lines;
  std::string line;
  for (const std::string& word : words) {
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && Canvas::text_width(candidate, scale) + 2 * scale > width) {
      lines.push_back(line);
      line = "  " + word;
    } else {
      line = candidate;
    }
  }
  if (!line.empty()) {
    lines.push_back(line);
  }
  return lines;
}

// Nearest-neighbour enlargement by an integer factor, so small images get readable labels.
Image enlarge(const Image& image, int factor) {
  Image large;
  large.width = image.width * factor;
  large.height = image.height * factor;
  large.pixels.resize(static_cast<std::size_t>(large.width) * large.height * 3);
  for (int y = 0; y < large.height; ++y) {
    for (int x = 0; x < large.width; ++x) {
      std::copy_n(image.at(x / factor, y / factor), 3, large.at(x, y));
    }
  }
  return large;
}

}  // namespace

Image draw_overlay(const Image& image, const PreparedInput& prepared, const std::vector<TaskInfo>& tasks,
                   const RunResult& result, const OverlayOptions& options) {
  c10::NoGradGuard no_grad;
  const int shorter = std::max(1, std::min(image.width, image.height));
  const int factor = std::max(1, (options.min_side + shorter - 1) / shorter);
  Image annotated = factor > 1 ? enlarge(image, factor) : image;
  PreparedInput geometry = prepared;
  geometry.scale_x /= factor;
  geometry.scale_y /= factor;
  // Text scale grows with the image, so labels stay readable on large photos.
  const int scale = std::max(1, std::min(annotated.width, annotated.height) / 200);

  for (const TaskResult& task_result : result.tasks) {
    const TaskInfo& task = tasks.at(task_result.index);
    if (task.kind == TaskKind::kSegmentation) {
      draw_segmentation(annotated, geometry, task, task_result.outputs.at("logits"), options.mask_opacity);
    }
  }
  for (const TaskResult& task_result : result.tasks) {
    const TaskInfo& task = tasks.at(task_result.index);
    if (task.kind == TaskKind::kDetection) {
      draw_detections(annotated, geometry, task, task_result.outputs, options, scale);
    }
  }

  Canvas canvas(annotated);
  int line_y = 0;
  for (const TaskResult& task_result : result.tasks) {
    const std::vector<std::string> words = summary_words(tasks.at(task_result.index), task_result.outputs, options);
    for (const std::string& line : wrap(words, annotated.width, scale)) {
      canvas.label(0, line_y, line, {32, 32, 32}, scale);
      line_y += 10 * scale;
    }
  }
  return annotated;
}

}  // namespace mtl
