// A small C++ wrapper over xxHash's streaming XXH3-128, the hash behind backbone digests and
// backbone cache keys.
#pragma once

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <string>

namespace mtl::detail {

struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;

  bool operator==(const Hash128& other) const { return low == other.low && high == other.high; }
  bool operator!=(const Hash128& other) const { return !(*this == other); }

  /// 32 lower-case hex digits, high half first.
  std::string hex() const;
};

class Xxh3Hasher {
 public:
  Xxh3Hasher() : state_(XXH3_createState()) { XXH3_128bits_reset(state_); }
  ~Xxh3Hasher() { XXH3_freeState(state_); }
  Xxh3Hasher(const Xxh3Hasher&) = delete;
  Xxh3Hasher& operator=(const Xxh3Hasher&) = delete;

  void update(const void* data, std::size_t size) { XXH3_128bits_update(state_, data, size); }

  template <typename Value>
  void update_value(const Value& value) {
    update(&value, sizeof(value));
  }

  Hash128 digest() const {
    const XXH128_hash_t hash = XXH3_128bits_digest(state_);
    return Hash128{hash.low64, hash.high64};
  }

 private:
  XXH3_state_t* state_;
};

}  // namespace mtl::detail
