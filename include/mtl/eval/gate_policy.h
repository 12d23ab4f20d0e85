// mtl::eval::GatePolicy: which metric the deployment gate compares for each task, and by how much
// it may worsen.
//
// The defaults come from the model manifest (`tasks[].metric`, `tasks[].max_regression`), which
// the caller passes in as plain structs. A policy JSON file can override them per task, add
// rules for tasks the manifest does not cover, or exclude a task from the gate. The file format
// is described in docs/evaluation.md.
//
// Thread safety: safe for concurrent access once built; only set_rule() writes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtl/eval/task_kind.h"

namespace mtl::eval {

/// The largest allowed worsening of a metric, either in the metric's units or as a share of the
/// baseline value.
struct MaxRegression {
  enum class Mode {
    kAbsolute,  ///< `amount` is in the metric's units, such as 0.02 mAP.
    kRelative,  ///< `amount` is a share of |baseline|, such as 0.05 for 5%.
  };

  Mode mode = Mode::kAbsolute;
  double amount = 0.0;

  /// Returns the allowed worsening in the metric's units for the baseline value `baseline`.
  double allowed(double baseline) const noexcept;
};

/// The gate settings that the manifest gives for one task. Empty `metric` or no `max_regression`
/// means that the manifest leaves them unset.
struct ManifestGateDefaults {
  std::string task;
  TaskKind kind = TaskKind::kCustom;
  std::string metric;
  std::optional<MaxRegression> max_regression;
};

/// How the gate treats one task.
struct GateRule {
  std::string task;
  std::string metric;
  MaxRegression max_regression;
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

  /// Builds the rules from the manifest alone: one rule for each task that has both a metric and
  /// a max_regression.
  ///
  /// Throws: mtl::Error with kInvalidData when a metric is not one that the task's kind reports,
  /// or a max_regression amount is negative or not finite.
  static GatePolicy from_manifest(const std::vector<ManifestGateDefaults>& defaults);

  /// Builds the rules from the manifest defaults overridden by the policy JSON `text`. `source`
  /// names the text in error messages, such as its file name.
  ///
  /// Throws: mtl::Error with kInvalidData for malformed JSON, an unknown key, a wrong format or
  /// version, a task entry that ends up without a metric or a max_regression, or the problems
  /// of from_manifest(). The message names `source` and the entry.
  static GatePolicy parse(const std::string& text, const std::vector<ManifestGateDefaults>& defaults,
                          const std::string& source = "gate policy");

  /// Reads the policy file at `path` and parses it as parse() does.
  ///
  /// Throws: mtl::Error with kNotFound or kIo when the file cannot be read, else as parse().
  static GatePolicy load(const std::filesystem::path& path,
                         const std::vector<ManifestGateDefaults>& defaults);

  /// Returns the rule for `task`, or nullptr when the policy has none.
  const GateRule* find(std::string_view task) const;

  /// Adds `rule`, replacing any rule for the same task.
  ///
  /// Throws: mtl::Error with kInvalidArgument when the task name or the metric is empty, or the
  /// max_regression amount is negative or not finite.
  void set_rule(GateRule rule);

  const std::vector<GateRule>& rules() const noexcept { return rules_; }

 private:
  std::vector<GateRule> rules_;
};

}  // namespace mtl::eval
