#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_output.h"
#include "mtl/backbone_cache.h"
#include "mtl/error.h"
#include "mtl/image.h"
#include "mtl/multi_task_model.h"
#include "mtl/overlay.h"
#include "mtl/preprocess.h"
#include "summaries.h"
#include "table.h"

namespace mtl::cli {
namespace {

using nlohmann::json;

// Returns the overlay path of an image: the path itself for one image, else a file in that folder.
std::string overlay_path(const std::string& overlay, const std::string& image, std::size_t image_count) {
  if (image_count == 1 && !std::filesystem::is_directory(overlay)) {
    return overlay;
  }
  std::error_code error;
  std::filesystem::create_directories(overlay, error);
  if (error) {
    throw Error(ErrorCode::kIo, fmt::format("creating the overlay folder '{}' failed: {}", overlay, error.message()));
  }
  return (std::filesystem::path(overlay) / (std::filesystem::path(image).stem().string() + ".overlay.png")).string();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  if (!file) {
    throw Error(ErrorCode::kIo, fmt::format("writing '{}' failed; check that the folder exists and is writable", path));
  }
}

json timings_json(const RunResult& result) {
  json heads = json::object();
  for (const TaskResult& task : result.tasks) {
    heads[task.name] = task.head_ms;
  }
  return {{"backbone", result.backbone_ms}, {"heads", heads}, {"total", result.total_ms}};
}

std::string timing_table(const RunResult& result) {
  Table table({"stage", "ms", "note"});
  table.align_right({1});
  table.add_row({"backbone", fmt::format("{:.2f}", result.backbone_ms), result.backbone_cached ? "cache hit" : ""});
  for (const TaskResult& task : result.tasks) {
    table.add_row({"head " + task.name, fmt::format("{:.2f}", task.head_ms), ""});
  }
  table.add_row({"total", fmt::format("{:.2f}", result.total_ms), "validation included"});
  return table.to_string();
}

}  // namespace

RunCommand::RunCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("run", "Run a model on images and print each task's outputs and stage timings");
  app_->add_option("model", model_path_, "model archive (.pt)")->required()->check(CLI::ExistingFile);
  app_->add_option("images", images_, "PNG or JPEG images")->required()->check(CLI::ExistingFile);
  app_->add_option("--tasks", task_sets_,
                   "tasks to run, comma-separated, or 'all'; repeat the option to ask for several task sets per "
                   "image in turn (with --cache-mb the later sets reuse the backbone output)")
      ->default_str("all");
  app_->add_flag("--json", json_, "print results as JSON instead of tables");
  app_->add_option("--json-out", json_out_, "also write the JSON results to this file");
  app_->add_option("--overlay", overlay_,
                   "write a PNG with boxes, segmentation colours and labels drawn on the image; with several images, "
                   "a folder that receives <image>.overlay.png files");
  app_->add_option("--cache-mb", cache_mb_, "backbone cache capacity in MiB (0: no cache)")
      ->check(finite_range(0, 1 << 20))
      ->capture_default_str();
  app_->add_option("--score-threshold", score_threshold_, "minimum score of detections and tags to report and draw")
      ->check(finite_range(0, 1))
      ->capture_default_str();
  app_->add_flag("--check-features", check_features_,
                 "check after every head that it left the backbone features unchanged (slower; catches heads that "
                 "write into shared features only on some inputs)");
  model_.add_to(*app_);
}

int RunCommand::execute() const {
  const MultiTaskModel model = MultiTaskModel::load(model_path_, model_.load_options());
  const std::vector<std::string> sets = task_sets_.empty() ? std::vector<std::string>{"all"} : task_sets_;
  std::vector<TaskMask> masks;
  for (const std::string& set : sets) {
    masks.push_back(model.mask(set));
  }

  std::unique_ptr<BackboneCache> cache;
  if (cache_mb_ > 0) {
    cache = std::make_unique<BackboneCache>(static_cast<std::size_t>(cache_mb_ * 1024 * 1024));
  }
  SummaryOptions summary_options;
  summary_options.score_threshold = score_threshold_;
  OverlayOptions overlay_options;
  overlay_options.score_threshold = score_threshold_;

  json images = json::array();
  for (const std::string& image_path : images_) {
    const Image image = Image::load(image_path);
    const PreparedInput prepared = preprocess(image, model.manifest().input);
    json requests = json::array();
    RunResult combined;  // every task asked for on this image, for the overlay
    if (!json_) {
      fmt::print("{} ({}x{}), model {}\n", image_path, image.width, image.height, model.version_string());
    }

    for (const TaskMask& mask : masks) {
      RunOptions run_options;
      run_options.cache = cache.get();
      run_options.check_features = check_features_;
      const RunResult result = model.run(prepared.tensor, mask, run_options);

      json results = json::object();
      for (const TaskResult& task : result.tasks) {
        const TaskInfo& info = model.tasks()[task.index];
        results[task.name] = summarize_json(info, task.outputs, prepared, summary_options);
        if (!json_) {
          fmt::print("  {:<10} {}\n", task.name, summarize_text(info, task.outputs, summary_options));
        }
        if (!combined.find(task.name)) {
          combined.tasks.push_back(task);
        }
      }
      if (!json_) {
        fmt::print("\n{}\n", timing_table(result));
      }
      requests.push_back({{"tasks", mask.to_string(model.task_names())},
                          {"backbone_cached", result.backbone_cached},
                          {"timings_ms", timings_json(result)},
                          {"results", results}});
    }

    json entry = {{"path", image_path}, {"width", image.width}, {"height", image.height}, {"requests", requests}};
    if (!overlay_.empty()) {
      const std::string path = overlay_path(overlay_, image_path, images_.size());
      draw_overlay(image, prepared, model.tasks(), combined, overlay_options).save_png(path);
      entry["overlay"] = path;
      if (!json_) {
        fmt::print("overlay written to {}\n\n", path);
      }
    }
    images.push_back(entry);
  }

  json output = {{"model", model.manifest().model_name},
                 {"version", model.manifest().model_version},
                 {"source", model.source()},
                 {"images", images}};
  if (cache) {
    const CacheStats stats = cache->stats();
    output["cache"] = {{"hits", stats.hits},       {"misses", stats.misses},     {"evictions", stats.evictions},
                       {"entries", stats.entries}, {"bytes", stats.bytes_in_use}, {"capacity_bytes", stats.capacity_bytes}};
    if (!json_) {
      fmt::print("backbone cache: {} hits, {} misses, {} entries, {:.1f} MiB of {:.1f} MiB\n", stats.hits, stats.misses,
                 stats.entries, stats.bytes_in_use / 1048576.0, stats.capacity_bytes / 1048576.0);
    }
  }
  if (json_) {
    fmt::print("{}\n", dump_json(output));
  }
  if (!json_out_.empty()) {
    write_text(json_out_, dump_json(output) + "\n");
  }
  return 0;
}

}  // namespace mtl::cli
