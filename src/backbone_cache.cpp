#include "mtl/backbone_cache.h"

#include <fmt/format.h>

#include <future>
#include <list>
#include <mutex>
#include <unordered_map>

#include "tensor_digest.h"

namespace mtl {
namespace {

struct Entry {
  std::string key;
  Features features;
  std::size_t charge = 0;
};

std::string flat_key(const CacheKey& key) { return key.scope + '\n' + key.identity; }

}  // namespace

CacheKey CacheKey::for_input(const std::string& backbone_digest, const at::Tensor& input) {
  return CacheKey{backbone_digest, "xxh3:" + detail::tensor_digest(input).hex()};
}

CacheKey CacheKey::for_id(const std::string& backbone_digest, const std::string& id) {
  return CacheKey{backbone_digest, "id:" + id};
}

struct BackboneCache::State {
  explicit State(std::size_t capacity_bytes) : capacity(capacity_bytes) {}

  const std::size_t capacity;
  mutable std::mutex mutex;
  std::list<Entry> recency;  // front: most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
  std::unordered_map<std::string, std::shared_future<Features>> in_flight;
  std::size_t bytes = 0;
  CacheStats counters;

  void remove_locked(std::list<Entry>::iterator position) {
    bytes -= position->charge;
    index.erase(position->key);
    recency.erase(position);
  }

  void insert_locked(const std::string& key, Features features) {
    if (const auto found = index.find(key); found != index.end()) {
      remove_locked(found->second);
    }
    const std::size_t charge = features.byte_size();
    if (charge > capacity) {
      ++counters.rejected;
      return;
    }
    while (bytes + charge > capacity && !recency.empty()) {
      remove_locked(std::prev(recency.end()));
      ++counters.evictions;
    }
    recency.push_front(Entry{key, std::move(features), charge});
    index.emplace(key, recency.begin());
    bytes += charge;
  }
};

BackboneCache::BackboneCache(std::size_t capacity_bytes) : state_(std::make_unique<State>(capacity_bytes)) {}

BackboneCache::~BackboneCache() = default;

BackboneCache::Lookup BackboneCache::get_or_compute(const CacheKey& key, const std::function<Features()>& compute) {
  if (state_->capacity == 0) {
    Features features = compute();
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->counters.misses;
    ++state_->counters.rejected;
    return Lookup{std::move(features), false};
  }

  const std::string flat = flat_key(key);
  std::promise<Features> promise;
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    if (const auto found = state_->index.find(flat); found != state_->index.end()) {
      state_->recency.splice(state_->recency.begin(), state_->recency, found->second);
      ++state_->counters.hits;
      return Lookup{found->second->features, true};
    }
    if (const auto running = state_->in_flight.find(flat); running != state_->in_flight.end()) {
      std::shared_future<Features> result = running->second;
      ++state_->counters.waits;
      lock.unlock();
      return Lookup{result.get(), true};
    }
    state_->in_flight.emplace(flat, promise.get_future().share());
    ++state_->counters.misses;
  }

  // The backbone runs without the lock, so lookups of other keys proceed meanwhile.
  Features features;
  try {
    features = compute();
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      state_->in_flight.erase(flat);
    }
    promise.set_exception(std::current_exception());
    throw;
  }

  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->in_flight.erase(flat);
    state_->insert_locked(flat, features);
  }
  promise.set_value(features);
  return Lookup{std::move(features), false};
}

std::optional<Features> BackboneCache::find(const CacheKey& key) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  const auto found = state_->index.find(flat_key(key));
  if (found == state_->index.end()) {
    ++state_->counters.misses;
    return std::nullopt;
  }
  state_->recency.splice(state_->recency.begin(), state_->recency, found->second);
  ++state_->counters.hits;
  return found->second->features;
}

void BackboneCache::insert(const CacheKey& key, Features features) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->capacity == 0) {
    ++state_->counters.rejected;
    return;
  }
  state_->insert_locked(flat_key(key), std::move(features));
}

bool BackboneCache::erase(const CacheKey& key) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  const auto found = state_->index.find(flat_key(key));
  if (found == state_->index.end()) {
    return false;
  }
  state_->remove_locked(found->second);
  return true;
}

void BackboneCache::clear() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->recency.clear();
  state_->index.clear();
  state_->bytes = 0;
}

CacheStats BackboneCache::stats() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  CacheStats stats = state_->counters;
  stats.bytes_in_use = state_->bytes;
  stats.entries = state_->recency.size();
  stats.capacity_bytes = state_->capacity;
  return stats;
}

void BackboneCache::reset_stats() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->counters = CacheStats{};
}

std::size_t BackboneCache::capacity() const { return state_->capacity; }

}  // namespace mtl
