#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_output.h"
#include "mtl/multi_task_model.h"
#include "table.h"

namespace mtl::cli {

InspectCommand::InspectCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("inspect", "Print a model's manifest, methods with their schemas, and tasks");
  app_->add_option("model", model_path_, "model archive (.pt)")->required()->check(CLI::ExistingFile);
  app_->add_flag("--json", json_, "print the manifest and methods as JSON");
  model_.add_to(*app_);
}

int InspectCommand::execute() const {
  LoadOptions options = model_.load_options();
  options.warmup_runs = 0;
  std::vector<std::string> warnings;
  options.log_sink = [&](LogLevel level, const std::string& message) {
    if (level >= LogLevel::kWarning) {
      warnings.push_back(message);
    }
  };
  const MultiTaskModel model = MultiTaskModel::load(model_path_, options);
  const Manifest& manifest = model.manifest();

  if (json_) {
    nlohmann::json methods = nlohmann::json::array();
    for (const MethodInfo& method : model.methods()) {
      methods.push_back({{"name", method.name}, {"schema", method.schema}});
    }
    const nlohmann::json output = {{"source", model.source()},
                                   {"manifest_in_archive", manifest.from_file},
                                   {"manifest", nlohmann::json::parse(manifest.to_json())},
                                   {"methods", methods},
                                   {"warnings", warnings}};
    fmt::print("{}\n", dump_json(output));
    return 0;
  }

  fmt::print("model     {} {}\n", manifest.model_name, manifest.model_version);
  if (!manifest.description.empty()) {
    fmt::print("about     {}\n", manifest.description);
  }
  fmt::print("archive   {}{}\n", model.source(), manifest.from_file ? "" : " (no manifest: tasks discovered)");
  const InputSpec& input = manifest.input;
  fmt::print("input     [1, {}, {}, {}] float32{}, {}, {}, mean [{}], std [{}]\n", input.channels, input.height,
             input.width, input.dynamic_size ? " (any size)" : "", input.color_order == ColorOrder::kRgb ? "RGB" : "BGR",
             input.resize == ResizeMode::kStretch ? "stretch" : "letterbox", fmt::join(input.mean, ", "),
             fmt::join(input.std, ", "));
  fmt::print("backbone  {} (digest {})\n\n", manifest.backbone_method, manifest.backbone_digest);

  Table tasks({"task", "kind", "method", "labels", "metric", "max regression", "critical"});
  for (const TaskInfo& task : manifest.tasks) {
    const bool absolute = task.max_regression.mode == RegressionAllowance::Mode::kAbsolute;
    tasks.add_row({task.name, to_string(task.kind), task.method, std::to_string(task.labels.size()),
                   task.metric.empty() ? "-" : task.metric,
                   fmt::format("{} {}", task.max_regression.value, absolute ? "absolute" : "relative"),
                   task.critical ? "yes" : "no"});
  }
  fmt::print("{}\n", tasks.to_string());

  Table methods({"method", "schema"});
  for (const MethodInfo& method : model.methods()) {
    methods.add_row({method.name, method.schema});
  }
  fmt::print("{}", methods.to_string());
  for (const std::string& warning : warnings) {
    fmt::print(stderr, "warning: {}\n", warning);
  }
  return 0;
}

}  // namespace mtl::cli
