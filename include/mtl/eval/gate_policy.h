// mtl::eval::GatePolicy: which metric the deployment gate compares for each task, and by how much
// it may worsen.
//
// The defaults come from the model manifest: each TaskInfo's `metric` and `max_regression`. A
// policy JSON file can override them per task, add rules for tasks the manifest does not cover,
// or exclude a task from the gate. The file format is described in docs/evaluation.md.
//
// Thread safety: safe for concurrent access once built; only set_rule() writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mtl/task_info.h"

namespace mtl::eval {

/// Returns the worsening that `allowance` permits, in the metric's units, for the baseline
/// value `baseline`: the value itself when absolute, value * |baseline| when relative.
double allowed_regression(const RegressionAllowance& allowance, double baseline) noexcept;

/// The rule that the gate applies to one task.
struct GateRule {
  std::string task;
  std::string metric;  ///< May be empty only when `gated` is false.
  RegressionAllowance max_regression;
  bool gated = true;  ///< False: the task is reported but never blocks.
};

/// The rules of the deployment gate, one per task.
class GatePolicy {
 public:
  /// The `format` value of a policy file.
  static constexpr const char* kFormat = "mtl-gate-policy";
  /// The only `format_version` this version reads.
  static constexpr int kFormatVersion = 1;

  /// Creates an empty policy; every task that is not custom is then blocked for lack of a rule.
  GatePolicy() = default;

  /// Builds the rules from the manifest's tasks: one rule for each task with a metric, using its
  /// max_regression (the manifest parser's default when the manifest sets none).
  ///
  /// Throws: mtl::Error with kInvalidData when a metric is not one that the task's kind reports,
  /// or a max_regression value is negative or not finite.
  static GatePolicy from_manifest(const std::vector<TaskInfo>& tasks);

  /// Builds the rules from the manifest's tasks overridden by the policy JSON `text`. `source`
  /// names the text in error messages, such as its file name.
  ///
  /// Throws: mtl::Error with kInvalidData for malformed JSON, an unknown key, a wrong format or
  /// version, a gated task entry that ends up without a metric or a max_regression, or the
  /// problems of from_manifest(). The message names `source` and the entry.
  static GatePolicy parse(const std::string& text, const std::vector<TaskInfo>& tasks,
                          const std::string& source = "gate policy");

  /// Reads the policy file at `path` and parses it as parse() does.
  ///
  /// Throws: mtl::Error with kNotFound or kIo when the file cannot be read, else as parse().
  static GatePolicy load(const std::filesystem::path& path, const std::vector<TaskInfo>& tasks);

  /// Returns the rule for `task`, or nullptr when the policy has none.
  const GateRule* find(std::string_view task) const;

  /// Adds `rule`, replacing any rule for the same task.
  ///
  /// Throws: mtl::Error with kInvalidArgument when the task name is empty, a gated rule has no
  /// metric, or the max_regression value is negative or not finite.
  void set_rule(GateRule rule);

  const std::vector<GateRule>& rules() const noexcept { return rules_; }

 private:
  std::vector<GateRule> rules_;
};

}  // namespace mtl::eval
