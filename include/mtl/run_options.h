// RunOptions: per-request settings of MultiTaskModel::run.
//
// Thread safety: a plain value. The cache it points to is internally synchronized.
#pragma once

#include <optional>
#include <string>

namespace mtl {

class BackboneCache;

struct RunOptions {
  /// Cache to look the backbone output up in and to store it into; nullptr runs the backbone
  /// every time. The cache must outlive the call. Default: nullptr.
  BackboneCache* cache = nullptr;

  /// Identity of the input chosen by the caller (a frame number, a request id). With a key the
  /// cache skips hashing the input; the caller promises that equal keys mean equal inputs for this
  /// model. Without one the cache hashes the input's bytes. Default: none.
  std::optional<std::string> cache_key;

  /// Checks after every head that it left the features unchanged (tensor version counters), and
  /// throws mtl::Error naming the head if not. Runs without inference mode, so it costs a little.
  /// Default: false.
  bool check_features = false;
};

}  // namespace mtl
