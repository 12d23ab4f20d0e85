#include "mtl/overlay.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

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

// Colours by class name: the names of every drawn task, in task and label order, get the entries
// of a palette of well-separated colours, so one class has one colour in every task.
class Palette {
 public:
  Palette(const std::vector<TaskInfo>& tasks, const RunResult& result) {
    for (const TaskResult& task_result : result.tasks) {
      for (const std::string& name : tasks.at(task_result.index).labels) {
        if (name != "background" && colors_.count(name) == 0) {
          colors_.emplace(name, color_at(colors_.size()));
        }
      }
    }
  }

  detail::Color operator()(const std::string& name) const {
    const auto found = colors_.find(name);
    return found != colors_.end() ? found->second : class_color(name);
  }

 private:
  static detail::Color color_at(std::size_t index) {
    // Twenty colours that stay apart on dark and light photos (hand-picked, saturated).
    static const detail::Color kColors[] = {
        {230, 25, 75},  {60, 180, 75},   {255, 225, 25}, {0, 130, 200},   {245, 130, 48},
        {145, 30, 180}, {70, 240, 240},  {240, 50, 230}, {210, 245, 60},  {250, 190, 212},
        {0, 128, 128},  {220, 190, 255}, {170, 110, 40}, {255, 250, 200}, {128, 0, 0},
        {170, 255, 195}, {128, 128, 0},  {255, 215, 180}, {0, 0, 128},    {128, 128, 128}};
    constexpr std::size_t kCount = sizeof(kColors) / sizeof(kColors[0]);
    return index < kCount ? kColors[index] : class_color(static_cast<int>(index));
  }

  std::map<std::string, detail::Color> colors_;
};

struct Rect {
  int x0, y0, x1, y1;
  bool overlaps(const Rect& other) const {
    return x0 <= other.x1 && other.x0 <= x1 && y0 <= other.y1 && other.y0 <= y1;
  }
};

// Places labels where they cover no earlier label and no text line.
class LabelLayout {
 public:
  LabelLayout(Image& image, int scale) : canvas_(image), width_(image.width), height_(image.height), scale_(scale) {}

  void reserve(const Rect& area) { taken_.push_back(area); }

  /// Draws `text` next to the box at the first free place of: above it, inside its top, below it,
  /// inside its bottom. If none is free, the label goes over the box's top edge.
  void place(const Rect& box, const std::string& text, const detail::Color& color) {
    const int label_width = Canvas::text_width(text, scale_) + 2 * scale_;
    const int label_height = 9 * scale_;
    const int x = std::max(0, std::min(box.x0, width_ - label_width));
    const int candidates[] = {box.y0 - label_height, box.y0, box.y1 + 1, box.y1 - label_height};
    int chosen = std::max(0, box.y0 - label_height);
    for (int y : candidates) {
      const Rect area{x, y, x + label_width - 1, y + label_height - 1};
      const bool inside = y >= 0 && area.y1 < height_;
      if (inside && std::none_of(taken_.begin(), taken_.end(), [&](const Rect& other) { return other.overlaps(area); })) {
        chosen = y;
        break;
      }
    }
    canvas_.label(x, chosen, text, color, scale_);
    taken_.push_back({x, chosen, x + label_width - 1, chosen + label_height - 1});
  }

 private:
  Canvas canvas_;
  int width_;
  int height_;
  int scale_;
  std::vector<Rect> taken_;
};

void draw_segmentation(Image& image, const PreparedInput& geometry, const TaskInfo& task, const at::Tensor& logits,
                       const Palette& palette, float opacity) {
  const at::Tensor labels = logits.argmax(0).to(at::kLong).contiguous().cpu();
  const int64_t height = labels.size(0);
  const int64_t width = labels.size(1);
  const int64_t* data = labels.data_ptr<int64_t>();
  const auto background = std::find(task.labels.begin(), task.labels.end(), "background") - task.labels.begin();
  std::vector<detail::Color> colors;
  for (int64_t channel = 0; channel < logits.size(0); ++channel) {
    colors.push_back(palette(label_name(task, channel)));
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

// Draws the boxes above the threshold, best last so they end on top, and queues their labels.
void draw_detections(Image& image, const PreparedInput& geometry, const TaskInfo& task, const TensorMap& outputs,
                     const OverlayOptions& options, const Palette& palette, int scale,
                     std::vector<std::tuple<float, Rect, std::string, detail::Color>>& labels_to_place) {
  const at::Tensor boxes = outputs.at("boxes").to(at::kFloat).contiguous().cpu();
  const at::Tensor scores = outputs.at("scores").to(at::kFloat).contiguous().cpu();
  const at::Tensor labels = outputs.at("labels").to(at::kLong).contiguous().cpu();

  std::vector<int64_t> order(boxes.size(0));
  std::iota(order.begin(), order.end(), 0);
  const float* score = scores.data_ptr<float>();
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });

  std::vector<int64_t> drawn;
  for (int64_t index : order) {
    if (score[index] < options.score_threshold || static_cast<int>(drawn.size()) >= options.max_boxes) {
      break;
    }
    drawn.push_back(index);
  }

  Canvas canvas(image);
  const float* box = boxes.data_ptr<float>();
  for (auto it = drawn.rbegin(); it != drawn.rend(); ++it) {
    const int64_t index = *it;
    const std::string name = label_name(task, labels.data_ptr<int64_t>()[index]);
    const detail::Color color = palette(name);
    const Rect rect{static_cast<int>(std::lround(geometry.to_image_x(box[index * 4 + 0]))),
                    static_cast<int>(std::lround(geometry.to_image_y(box[index * 4 + 1]))),
                    static_cast<int>(std::lround(geometry.to_image_x(box[index * 4 + 2]))),
                    static_cast<int>(std::lround(geometry.to_image_y(box[index * 4 + 3])))};
    canvas.stroke_rect(rect.x0, rect.y0, rect.x1, rect.y1, color, std::max(1, scale));
    labels_to_place.emplace_back(score[index], rect, fmt::format("{} {:.2f}", name, score[index]), color);
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

constexpr int kMaxEnlargedSide = 4096;

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
  const int longer = std::max(1, std::max(image.width, image.height));
  // Enlarge small images, but never past 4096 pixels on the longer side (a 20000x1 strip would
  // otherwise ask for gigabytes).
  const int factor = std::max(1, std::min((options.min_side + shorter - 1) / shorter, kMaxEnlargedSide / longer));
  Image annotated = factor > 1 ? enlarge(image, factor) : image;
  PreparedInput geometry = prepared;
  geometry.scale_x /= factor;
  geometry.scale_y /= factor;
  // Text scale grows with the image, so labels stay readable on large photos.
  const int scale = std::max(1, std::min(annotated.width, annotated.height) / 200);

  const Palette palette(tasks, result);
  for (const TaskResult& task_result : result.tasks) {
    const TaskInfo& task = tasks.at(task_result.index);
    if (task.kind == TaskKind::kSegmentation) {
      draw_segmentation(annotated, geometry, task, task_result.outputs.at("logits"), palette, options.mask_opacity);
    }
  }

  // Text lines of the image-level tasks go at the bottom, and box labels must stay clear of them.
  std::vector<std::string> lines;
  for (const TaskResult& task_result : result.tasks) {
    const std::vector<std::string> words = summary_words(tasks.at(task_result.index), task_result.outputs, options);
    for (const std::string& line : wrap(words, annotated.width, scale)) {
      lines.push_back(line);
    }
  }
  const int line_height = 10 * scale;
  const int text_top = annotated.height - static_cast<int>(lines.size()) * line_height;
  LabelLayout layout(annotated, scale);
  if (!lines.empty()) {
    layout.reserve({0, text_top, annotated.width - 1, annotated.height - 1});
  }

  std::vector<std::tuple<float, Rect, std::string, detail::Color>> box_labels;
  for (const TaskResult& task_result : result.tasks) {
    const TaskInfo& task = tasks.at(task_result.index);
    if (task.kind == TaskKind::kDetection) {
      draw_detections(annotated, geometry, task, task_result.outputs, options, palette, scale, box_labels);
    }
  }
  // The best detections choose their label positions first.
  std::stable_sort(box_labels.begin(), box_labels.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  for (const auto& [score, rect, text, color] : box_labels) {
    layout.place(rect, text, color);
  }

  Canvas canvas(annotated);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    canvas.label(0, text_top + static_cast<int>(i) * line_height, lines[i], {32, 32, 32}, scale);
  }
  return annotated;
}

}  // namespace mtl
