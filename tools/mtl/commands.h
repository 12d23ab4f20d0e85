// The subcommands of the mtl command line. Each registers its options on construction and runs
// when its subcommand was given. Exit codes: 0 success, 1 a negative verdict (gate blocked),
// 2 an error.
#pragma once

#include <CLI/CLI.hpp>

#include "mtl/load_options.h"

#include <string>
#include <vector>

namespace mtl::cli {

/// A validator for a finite number in [minimum, maximum]: CLI11's Range lets NaN through.
CLI::Validator finite_range(double minimum, double maximum);

/// Options shared by commands that load a model.
struct ModelOptions {
  int threads = 0;
  std::string device = "cpu";
  void add_to(CLI::App& app);

  /// Load options with these settings and a log sink that prints warnings to standard error.
  LoadOptions load_options() const;
};

class InspectCommand {
 public:
  explicit InspectCommand(CLI::App& parent);
  bool selected() const { return app_->parsed(); }
  int execute() const;

 private:
  CLI::App* app_;
  std::string model_path_;
  bool json_ = false;
  ModelOptions model_;
};

class RunCommand {
 public:
  explicit RunCommand(CLI::App& parent);
  bool selected() const { return app_->parsed(); }
  int execute() const;

 private:
  CLI::App* app_;
  std::string model_path_;
  std::vector<std::string> images_;
  std::vector<std::string> task_sets_;
  bool json_ = false;
  std::string json_out_;
  std::string overlay_;
  double cache_mb_ = 0;
  float score_threshold_ = 0.3f;
  bool check_features_ = false;
  ModelOptions model_;
};

class BenchCommand {
 public:
  explicit BenchCommand(CLI::App& parent);
  bool selected() const { return app_->parsed(); }
  int execute() const;

 private:
  CLI::App* app_;
  std::string model_path_;
  int repeat_ = 20;
  int warmup_ = 3;
  bool json_ = false;
  std::string json_out_;
  ModelOptions model_;
};

class EvalCommand {
 public:
  explicit EvalCommand(CLI::App& parent);
  bool selected() const { return app_->parsed(); }
  int execute() const;

 private:
  CLI::App* app_;
  std::string model_path_;
  std::string data_path_;
  std::string tasks_;
  std::string json_out_;
  std::size_t limit_ = 0;
  ModelOptions model_;
};

class GateCommand {
 public:
  explicit GateCommand(CLI::App& parent);
  bool selected() const { return app_->parsed(); }
  int execute() const;

 private:
  CLI::App* app_;
  std::string baseline_path_;
  std::string candidate_path_;
  std::string data_path_;
  std::string policy_path_;
  std::string json_out_;
  std::size_t limit_ = 0;
  ModelOptions model_;
};

}  // namespace mtl::cli
