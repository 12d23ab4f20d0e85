#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "json_output.h"
#include "mtl/backbone_cache.h"
#include "mtl/error.h"
#include "mtl/multi_task_model.h"
#include "stats.h"
#include "table.h"

namespace mtl::cli {
namespace {

using nlohmann::json;

// Median milliseconds of `repeat` calls of `function`, after `warmup` unmeasured calls.
double time_median(int repeat, int warmup, const std::function<void()>& function) {
  for (int i = 0; i < warmup; ++i) {
    function();
  }
  std::vector<double> samples;
  for (int i = 0; i < repeat; ++i) {
    const Clock::time_point start = Clock::now();
    function();
    samples.push_back(milliseconds_since(start));
  }
  return median(samples);
}

// Medians of two functions measured alternately, so drifting machine load hits both alike.
std::pair<double, double> time_alternating(int repeat, int warmup, const std::function<void()>& first,
                                           const std::function<void()>& second) {
  for (int i = 0; i < warmup; ++i) {
    first();
    second();
  }
  std::vector<double> a;
  std::vector<double> b;
  for (int i = 0; i < repeat; ++i) {
    Clock::time_point start = Clock::now();
    first();
    a.push_back(milliseconds_since(start));
    start = Clock::now();
    second();
    b.push_back(milliseconds_since(start));
  }
  return {median(a), median(b)};
}

std::string ms(double value) { return fmt::format("{:.2f}", value); }
std::string percent(double value) { return fmt::format("{:.2f}%", value * 100.0); }

}  // namespace

BenchCommand::BenchCommand(CLI::App& parent) {
  app_ = parent.add_subcommand(
      "bench",
      "Measure a model: load and first-request latency, backbone and each head, split methods against forward(), "
      "one multi-task run against one run per task, and backbone cache costs. Medians of repeated runs.");
  app_->add_option("model", model_path_, "model archive (.pt)")->required()->check(CLI::ExistingFile);
  app_->add_option("--repeat", repeat_, "measured runs per figure")->check(CLI::Range(1, 100000))->capture_default_str();
  app_->add_option("--warmup", warmup_, "unmeasured runs before each figure")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app_->add_flag("--json", json_, "print the figures as JSON instead of tables");
  app_->add_option("--json-out", json_out_, "also write the JSON figures to this file");
  model_.add_to(*app_);
}

int BenchCommand::execute() const {
  const Clock::time_point load_start = Clock::now();
  const MultiTaskModel model = MultiTaskModel::load(model_path_, model_.load_options());
  const double load_ms = milliseconds_since(load_start);

  const InputSpec& spec = model.manifest().input;
  at::Generator generator = at::detail::createCPUGenerator(7);
  const at::Tensor input = at::rand({1, spec.channels, spec.height, spec.width}, generator);
  const TaskMask all = model.all_tasks();

  // The first request right after load, against the steady state measured next.
  const Clock::time_point first_start = Clock::now();
  model.run(input, all);
  const double first_ms = milliseconds_since(first_start);
  const double steady_ms = time_median(repeat_, warmup_, [&] { model.run(input, all); });

  json figures = {{"model", model.version_string()},
                  {"source", model.source()},
                  {"input", {1, spec.channels, spec.height, spec.width}},
                  {"intra_op_threads", at::get_num_threads()},
                  {"hardware_threads", std::thread::hardware_concurrency()},
                  {"repeat", repeat_},
                  {"load_ms", load_ms},
                  {"first_request_ms", first_ms},
                  {"steady_request_ms", steady_ms},
                  {"first_over_steady", first_ms / steady_ms}};

  // Stages: the backbone alone and every head alone on fixed features.
  const Features features = model.backbone(input);
  const double backbone_ms = time_median(repeat_, warmup_, [&] { model.backbone(input); });
  json heads = json::object();
  double heads_total_ms = 0;
  for (int task = 0; task < model.task_count(); ++task) {
    const double head_ms = time_median(repeat_, warmup_, [&] { model.head(task, features); });
    heads[model.task_names()[task]] = head_ms;
    heads_total_ms += head_ms;
  }
  figures["backbone_ms"] = backbone_ms;
  figures["head_ms"] = heads;

  // The split methods (backbone + every head) against the archive's own optimized forward().
  if (model.has_forward()) {
    const auto [forward_ms, split_ms] =
        time_alternating(repeat_, warmup_, [&] { model.forward(input); }, [&] { model.run(input, all); });
    figures["forward_ms"] = forward_ms;
    figures["split_run_ms"] = split_ms;
    figures["split_over_forward"] = split_ms / forward_ms;
  }

  // One multi-task run against one single-task run per task (the backbone runs each time).
  const auto [multi_ms, separate_ms] = time_alternating(
      repeat_, warmup_, [&] { model.run(input, all); },
      [&] {
        for (int task = 0; task < model.task_count(); ++task) {
          model.run(input, TaskMask{task});
        }
      });
  figures["multi_task_run_ms"] = multi_ms;
  figures["one_run_per_task_ms"] = separate_ms;

  // Backbone cache: hashing cost and the cost of a cached request.
  const double hash_ms = time_median(repeat_, warmup_, [&] { CacheKey::for_input(model.backbone_digest(), input); });
  const double input_bytes = static_cast<double>(input.numel() * input.element_size());
  figures["hash_ms"] = hash_ms;
  figures["hash_gb_per_s"] = input_bytes / (hash_ms * 1e-3) / 1e9;
  figures["hash_share_of_backbone"] = hash_ms / backbone_ms;

  BackboneCache cache(1ull << 31);
  RunOptions by_content;
  by_content.cache = &cache;
  RunOptions by_id = by_content;
  by_id.cache_key = "bench-frame";
  json cached = json::object();
  for (int task = 0; task < model.task_count(); ++task) {
    const TaskMask mask{task};
    model.run(input, mask, by_content);
    model.run(input, mask, by_id);
    const double head_ms = heads[model.task_names()[task]].get<double>();
    const double content_ms = time_median(repeat_, warmup_, [&] { model.run(input, mask, by_content); });
    const double id_ms = time_median(repeat_, warmup_, [&] { model.run(input, mask, by_id); });
    const double uncached_ms = backbone_ms + head_ms;
    cached[model.task_names()[task]] = {{"head_ms", head_ms},
                                        {"uncached_ms", uncached_ms},
                                        {"cached_by_content_ms", content_ms},
                                        {"cached_by_id_ms", id_ms},
                                        {"content_overhead_share", (content_ms - head_ms) / uncached_ms},
                                        {"id_overhead_share", (id_ms - head_ms) / uncached_ms}};
  }
  figures["cached_request"] = cached;

  if (json_) {
    fmt::print("{}\n", dump_json(figures));
  } else {
    fmt::print("model {} at [1, {}, {}, {}], {} intra-op threads, medians of {} runs\n\n", model.version_string(),
               spec.channels, spec.height, spec.width, at::get_num_threads(), repeat_);
    Table stages({"measure", "ms", "note"});
    stages.align_right({1});
    stages.add_row({"load", ms(load_ms), "archive check, optimization, verification, warm-up"});
    stages.add_row({"first request", ms(first_ms), fmt::format("{:.2f}x steady state", first_ms / steady_ms)});
    stages.add_row({"steady request", ms(steady_ms), "all tasks"});
    stages.add_row({"backbone", ms(backbone_ms), ""});
    for (const auto& [name, value] : heads.items()) {
      stages.add_row({"head " + name, ms(value.get<double>()), ""});
    }
    if (model.has_forward()) {
      stages.add_row({"forward()", ms(figures["forward_ms"]), "archive's own forward, optimized"});
      stages.add_row({"backbone + heads", ms(figures["split_run_ms"]),
                      fmt::format("{:.3f}x forward()", figures["split_over_forward"].get<double>())});
    }
    stages.add_row({"one multi-task run", ms(multi_ms), ""});
    stages.add_row({"one run per task", ms(separate_ms), fmt::format("{:.2f}x the multi-task run", separate_ms / multi_ms)});
    stages.add_row({"input hash (XXH3-128)", ms(hash_ms),
                    fmt::format("{:.1f} GB/s, {} of the backbone", figures["hash_gb_per_s"].get<double>(),
                                percent(hash_ms / backbone_ms))});
    fmt::print("{}\n", stages.to_string());

    Table cache_table({"task", "head alone", "uncached", "cached (content)", "overhead", "cached (id)", "overhead"});
    cache_table.align_right({1, 2, 3, 4, 5, 6});
    for (const auto& [name, value] : cached.items()) {
      cache_table.add_row({name, ms(value["head_ms"]), ms(value["uncached_ms"]), ms(value["cached_by_content_ms"]),
                           percent(value["content_overhead_share"]), ms(value["cached_by_id_ms"]),
                           percent(value["id_overhead_share"])});
    }
    fmt::print("cached requests (ms; overhead = cached minus head alone, as a share of the uncached request)\n{}",
               cache_table.to_string());
  }
  if (!json_out_.empty()) {
    std::ofstream file(json_out_, std::ios::trunc);
    file << dump_json(figures) << "\n";
    if (!file) {
      throw Error(ErrorCode::kIo, fmt::format("writing '{}' failed", json_out_));
    }
  }
  return 0;
}

}  // namespace mtl::cli
