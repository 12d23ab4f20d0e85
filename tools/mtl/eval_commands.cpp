#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "json_output.h"
#include "mtl/error.h"
#include "mtl/eval/gate_policy.h"
#include "mtl/eval/metrics_io.h"
#include "mtl/model_evaluation.h"
#include "mtl/model_gate.h"
#include "progress.h"

namespace mtl::cli {
namespace {

using nlohmann::json;

EvaluationReport evaluate_with_progress(const MultiTaskModel& model, const eval::EvalDataset& dataset,
                                        const std::string& tasks, std::size_t limit) {
  EvaluateOptions options;
  if (!tasks.empty()) {
    options.tasks = model.mask(tasks);
  }
  options.max_images = limit;
  ProgressBar bar(model.version_string());
  options.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
  return evaluate_model(model, dataset, options);
}

json timing_json(const EvaluationReport& report) {
  const double measured = report.model_seconds + report.metrics_seconds + report.data_seconds;
  return {{"images", report.images},
          {"total_seconds", report.total_seconds},
          {"model_seconds", report.model_seconds},
          {"metrics_seconds", report.metrics_seconds},
          {"data_seconds", report.data_seconds},
          {"images_per_second", report.images / report.total_seconds},
          {"metrics_share", measured > 0 ? report.metrics_seconds / measured : 0.0}};
}

std::string timing_line(const EvaluationReport& report) {
  const double measured = report.model_seconds + report.metrics_seconds + report.data_seconds;
  return fmt::format("{} images in {:.1f} s ({:.1f} images/s): model {:.1f}%, metrics {:.1f}%, data loading {:.1f}%",
                     report.images, report.total_seconds, report.images / report.total_seconds,
                     100 * report.model_seconds / measured, 100 * report.metrics_seconds / measured,
                     100 * report.data_seconds / measured);
}

void write_json(const std::string& path, const json& value) {
  std::ofstream file(path, std::ios::trunc);
  file << dump_json(value) << "\n";
  if (!file) {
    throw Error(ErrorCode::kIo, fmt::format("writing '{}' failed; check that the folder exists and is writable", path));
  }
}

}  // namespace

EvalCommand::EvalCommand(CLI::App& parent) {
  app_ = parent.add_subcommand("eval", "Evaluate every task of a model on an evaluation set (docs/eval-format.md)");
  app_->add_option("model", model_path_, "model archive (.pt)")->required()->check(CLI::ExistingFile);
  app_->add_option("data", data_path_, "evaluation set folder, with annotations.json")->required();
  app_->add_option("--tasks", tasks_, "tasks to evaluate, comma-separated (default: every task the set has labels for)");
  app_->add_option("--json", json_out_, "write the metrics and timings as JSON to this file");
  app_->add_option("--limit", limit_, "evaluate only the first N images (0: all)")->check(CLI::NonNegativeNumber);
  model_.add_to(*app_);
}

int EvalCommand::execute() const {
  const eval::EvalDataset dataset = eval::EvalDataset::load(data_path_);
  const MultiTaskModel model = MultiTaskModel::load(model_path_, model_.load_options());
  const EvaluationReport report = evaluate_with_progress(model, dataset, tasks_, limit_);

  fmt::print("{} on {}\n\n{}\n", model.version_string(), data_path_, eval::format_metrics_table(report.tasks));
  for (const std::string& skipped : report.skipped) {
    fmt::print("not evaluated: {}\n", skipped);
  }
  fmt::print("{}\n", timing_line(report));

  if (!json_out_.empty()) {
    write_json(json_out_, {{"model", report.model_name},
                           {"version", report.model_version},
                           {"source", model.source()},
                           {"data", data_path_},
                           {"skipped", report.skipped},
                           {"timing", timing_json(report)},
                           {"metrics", json::parse(eval::metrics_to_json(report.tasks))}});
  }
  return 0;
}

GateCommand::GateCommand(CLI::App& parent) {
  app_ = parent.add_subcommand(
      "gate",
      "Evaluate a baseline and a candidate model and block the candidate if any task regresses beyond its allowance. "
      "Exit code: 0 promote, 1 blocked, 2 error");
  app_->add_option("--baseline", baseline_path_, "the model in service (.pt)")->required()->check(CLI::ExistingFile);
  app_->add_option("--candidate", candidate_path_, "the model to judge (.pt); one that fails to load is blocked")
      ->required();
  app_->add_option("--data", data_path_, "evaluation set folder, with annotations.json")->required();
  app_->add_option("--policy", policy_path_,
                   "gate policy JSON (docs/evaluation.md); default: each task's metric and max_regression from the "
                   "baseline's manifest");
  app_->add_option("--json", json_out_, "write the gate report as JSON to this file");
  app_->add_option("--limit", limit_, "evaluate only the first N images (0: all)")->check(CLI::NonNegativeNumber);
  model_.add_to(*app_);
}

int GateCommand::execute() const {
  std::ostringstream errors;
  const int code = eval::gate_exit_code(
      [&] {
        const eval::EvalDataset dataset = eval::EvalDataset::load(data_path_);
        const MultiTaskModel baseline = MultiTaskModel::load(baseline_path_, model_.load_options());
        const eval::GatePolicy policy = policy_path_.empty() ? eval::GatePolicy::from_manifest(baseline.tasks())
                                                             : eval::GatePolicy::load(policy_path_, baseline.tasks());
        const EvaluationReport baseline_report = evaluate_with_progress(baseline, dataset, "", limit_);

        EvaluateOptions candidate_options;
        candidate_options.max_images = limit_;
        ProgressBar bar("candidate");
        candidate_options.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };
        const GateOutcome outcome = gate_candidate(
            policy, baseline_report.tasks, [&] { return MultiTaskModel::load(candidate_path_, model_.load_options()); },
            dataset, candidate_options);

        fmt::print("baseline  {} ({})\ncandidate {}\ndata      {}\n\n{}", baseline.version_string(), baseline_path_,
                   outcome.candidate ? outcome.candidate->model_name + " " + outcome.candidate->model_version + " (" +
                                           candidate_path_ + ")"
                                     : candidate_path_,
                   data_path_, outcome.report.format_table());
        if (!json_out_.empty()) {
          json report = json::parse(outcome.report.to_json());
          report["baseline"] = {{"source", baseline_path_},
                                {"model", baseline.manifest().model_name},
                                {"version", baseline.manifest().model_version}};
          report["candidate"] = {{"source", candidate_path_}, {"failure", outcome.candidate_failure}};
          if (outcome.candidate) {
            report["candidate"]["model"] = outcome.candidate->model_name;
            report["candidate"]["version"] = outcome.candidate->model_version;
          }
          write_json(json_out_, report);
        }
        return outcome.report;
      },
      errors);
  if (!errors.str().empty()) {
    std::cerr << "mtl: " << errors.str();
  }
  return code;
}

}  // namespace mtl::cli
