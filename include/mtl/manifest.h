// Manifest: what an archive declares about its model, parsed from `mtl/manifest.json`.
//
// See docs/model-format.md for the JSON layout. An archive without a manifest gets one made up from
// its methods (has_file() is then false). Thread safety: an immutable value after parsing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mtl/input_spec.h"
#include "mtl/task_info.h"

namespace mtl {

struct Manifest {
  /// The manifest format version this build reads.
  static constexpr int kFormatVersion = 1;

  /// Parses and validates manifest JSON. `source` names the archive in error messages.
  /// Throws: mtl::Error (kInvalidModel) naming the field, the value found and what is expected.
  static Manifest parse(const std::string& json_text, const std::string& source);

  /// Serializes back to JSON in the layout of docs/model-format.md.
  std::string to_json(int indent = 2) const;

  int format_version = kFormatVersion;
  std::string model_name;
  std::string model_version;
  std::string description;
  InputSpec input;
  std::string backbone_method = "backbone";
  std::string backbone_digest;  ///< As declared: "sha256:..." from the exporter, or "xxh3:..." computed at load without a manifest.
  std::vector<TaskInfo> tasks;
  bool from_file = true;  ///< False when the archive had no manifest and this one was derived from its methods.

  /// Returns the task with this name, or nullptr.
  const TaskInfo* find_task(const std::string& name) const;
};

}  // namespace mtl
