// BackboneCache: backbone outputs kept for reuse when one input is asked for different tasks.
//
// A request for detection and a later request for segmentation of the same frame share one backbone
// run: MultiTaskModel::run looks the features up here first. The cache is an LRU map from CacheKey
// to Features with a byte budget:
//
//   - Each entry is charged the real storage bytes of its feature tensors (Features::byte_size).
//     Least recently used entries are evicted until the total fits the capacity. An entry larger
//     than the whole capacity is not stored. Capacity 0 disables caching.
//   - Features are reference-counted, so an entry that a caller still holds survives its eviction
//     until the caller releases it. Eviction drops only the cache's reference and charge.
//   - Keys are scoped by the backbone digest, so a swapped or second model never receives another
//     backbone's features.
//   - Concurrent misses on one key run the backbone once; the other callers wait for that result.
//     If it fails, every waiting caller gets the error and no entry is left behind.
//
// Thread safety: safe for concurrent use (internal locking). The backbone runs outside the lock.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mtl/features.h"

namespace mtl {

/// Identity of one backbone output: the backbone digest plus the input's identity.
struct CacheKey {
  std::string scope;     ///< Backbone digest of the model that computes the features.
  std::string identity;  ///< "xxh3:<hex>" of the input, or "id:<caller key>".

  /// Key from content: XXH3-128 over the input's dtype, shape, device and values (in logical order,
  /// so non-contiguous and channels-last tensors hash like their contiguous copies).
  static CacheKey for_input(const std::string& backbone_digest, const at::Tensor& input);

  /// Key from the caller, such as a frame number; no hashing.
  static CacheKey for_id(const std::string& backbone_digest, const std::string& id);

  bool operator==(const CacheKey& other) const { return scope == other.scope && identity == other.identity; }
};

/// Counters since construction or the last reset_stats(); sizes describe the moment of the call.
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;         ///< Lookups that ran the backbone (one per computation).
  uint64_t waits = 0;          ///< Lookups that waited for another caller's computation of the same key.
  uint64_t evictions = 0;
  uint64_t rejected = 0;       ///< Computed outputs not stored: larger than the capacity, or capacity 0.
  std::size_t bytes_in_use = 0;
  std::size_t entries = 0;
  std::size_t capacity_bytes = 0;
};

class BackboneCache {
 public:
  /// The outcome of get_or_compute().
  struct Lookup {
    Features features;
    bool hit = false;     ///< True when the features came from the cache or another caller's run.
  };

  /// Creates a cache holding at most `capacity_bytes` of feature storage; 0 disables caching.
  explicit BackboneCache(std::size_t capacity_bytes);
  ~BackboneCache();

  BackboneCache(const BackboneCache&) = delete;
  BackboneCache& operator=(const BackboneCache&) = delete;

  /// Returns the features stored under `key`, or runs `compute` to make them and stores the
  /// result. Concurrent callers with the same key share one run of `compute`.
  /// Throws: whatever `compute` throws, to every caller waiting on that run; nothing is stored.
  Lookup get_or_compute(const CacheKey& key, const std::function<Features()>& compute);

  /// Returns the features under `key` and marks them recently used, or nullopt on a miss.
  /// A miss is not an error; both outcomes count in the statistics.
  std::optional<Features> find(const CacheKey& key);

  /// Stores features under `key`, replacing an older entry; evicts as needed.
  void insert(const CacheKey& key, Features features);

  /// Removes one entry; returns false if there was none.
  bool erase(const CacheKey& key);

  /// Removes every entry. Callers holding features keep them.
  void clear();

  CacheStats stats() const;
  void reset_stats();
  std::size_t capacity() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mtl
