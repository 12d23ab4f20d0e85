#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <list>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "mtl/backbone_cache.h"
#include "mtl/error.h"

using mtl::BackboneCache;
using mtl::CacheKey;
using mtl::Features;

namespace {

// Features of exactly `bytes` bytes (a multiple of 4), filled with `value`.
Features features_of(std::size_t bytes, float value = 1.0f) {
  return Features({{"p", at::full({static_cast<int64_t>(bytes / 4)}, value)}});
}

CacheKey key(const std::string& id) { return CacheKey::for_id("sha256:model", id); }

}  // namespace

TEST_CASE("cache hit after miss skips compute") {
  BackboneCache cache(1 << 20);
  int computed = 0;
  const auto compute = [&] {
    ++computed;
    return features_of(400, 3.0f);
  };

  const BackboneCache::Lookup first = cache.get_or_compute(key("a"), compute);
  const BackboneCache::Lookup second = cache.get_or_compute(key("a"), compute);
  CHECK_FALSE(first.hit);
  CHECK(second.hit);
  CHECK(computed == 1);
  CHECK(second.features.store() == first.features.store());

  const mtl::CacheStats stats = cache.stats();
  CHECK(stats.hits == 1);
  CHECK(stats.misses == 1);
  CHECK(stats.entries == 1);
  CHECK(stats.bytes_in_use == 400);
  CHECK(stats.capacity_bytes == 1 << 20);
}

TEST_CASE("cache keys separate models and ids") {
  BackboneCache cache(1 << 20);
  int computed = 0;
  const auto compute = [&] {
    ++computed;
    return features_of(40);
  };
  cache.get_or_compute(CacheKey::for_id("sha256:v1", "frame-1"), compute);
  cache.get_or_compute(CacheKey::for_id("sha256:v2", "frame-1"), compute);
  cache.get_or_compute(CacheKey::for_id("sha256:v1", "frame-2"), compute);
  cache.get_or_compute(CacheKey::for_id("sha256:v1", "frame-1"), compute);
  CHECK(computed == 3);
  CHECK(cache.stats().hits == 1);
}

TEST_CASE("content keys follow values not layout") {
  const at::Tensor input = at::randn({1, 3, 8, 12});
  const CacheKey base = CacheKey::for_input("d", input);
  CHECK(base.identity.rfind("xxh3:", 0) == 0);
  CHECK(CacheKey::for_input("d", input.clone()) == base);
  CHECK(CacheKey::for_input("d", input.contiguous(at::MemoryFormat::ChannelsLast)) == base);
  const at::Tensor wide = at::zeros({1, 3, 8, 24});
  const at::Tensor strided = wide.index({at::indexing::Slice(), at::indexing::Slice(), at::indexing::Slice(),
                                         at::indexing::Slice(at::indexing::None, at::indexing::None, 2)});
  strided.copy_(input);
  CHECK(CacheKey::for_input("d", strided) == base);

  // Same bytes, other shape or dtype or scope: another key.
  CHECK_FALSE(CacheKey::for_input("d", input.reshape({1, 3, 12, 8})) == base);
  CHECK_FALSE(CacheKey::for_input("d", input.to(at::kDouble)) == base);
  CHECK_FALSE(CacheKey::for_input("e", input) == base);
  at::Tensor changed = input.clone();
  changed[0][2][7][11] += 1e-3f;
  CHECK_FALSE(CacheKey::for_input("d", changed) == base);
}

TEST_CASE("cache evicts least recently used") {
  BackboneCache cache(1200);  // room for three 400-byte entries
  cache.insert(key("a"), features_of(400));
  cache.insert(key("b"), features_of(400));
  cache.insert(key("c"), features_of(400));
  CHECK(cache.find(key("a")).has_value());  // a becomes the most recently used
  cache.insert(key("d"), features_of(400));

  CHECK_FALSE(cache.find(key("b")).has_value());
  CHECK(cache.find(key("a")).has_value());
  CHECK(cache.find(key("c")).has_value());
  CHECK(cache.find(key("d")).has_value());
  CHECK(cache.stats().evictions == 1);
  CHECK(cache.stats().bytes_in_use == 1200);
}

TEST_CASE("cache budget holds under random workload") {
  constexpr std::size_t kCapacity = 10000;
  BackboneCache cache(kCapacity);
  // A reference LRU: front is the most recent; entries are (key, bytes).
  std::list<std::pair<std::string, std::size_t>> reference;
  uint64_t reference_evictions = 0;
  std::mt19937 random(42);

  for (int step = 0; step < 5000; ++step) {
    const std::string id = std::to_string(random() % 40);
    const std::size_t bytes = 4 * (1 + random() % 1000);
    const auto found = std::find_if(reference.begin(), reference.end(), [&](const auto& e) { return e.first == id; });
    const bool present = found != reference.end();

    cache.get_or_compute(key(id), [&] { return features_of(bytes); });

    if (present) {
      reference.splice(reference.begin(), reference, found);
    } else {
      std::size_t used = 0;
      for (const auto& entry : reference) {
        used += entry.second;
      }
      while (used + bytes > kCapacity && !reference.empty()) {
        used -= reference.back().second;
        reference.pop_back();
        ++reference_evictions;
      }
      reference.emplace_front(id, bytes);
    }

    std::size_t expected_bytes = 0;
    for (const auto& entry : reference) {
      expected_bytes += entry.second;
    }
    const mtl::CacheStats stats = cache.stats();
    REQUIRE(stats.bytes_in_use <= kCapacity);
    REQUIRE(stats.bytes_in_use == expected_bytes);
    REQUIRE(stats.entries == reference.size());
    REQUIRE(stats.evictions == reference_evictions);
  }
}

TEST_CASE("cache entry held by caller survives eviction") {
  BackboneCache cache(800);
  std::optional<Features> held = cache.get_or_compute(key("a"), [] { return features_of(800, 7.0f); }).features;
  const std::weak_ptr<const mtl::detail::FeatureStore> watch = held->store();

  cache.insert(key("b"), features_of(800));  // evicts a
  CHECK(cache.stats().evictions == 1);
  CHECK_FALSE(cache.find(key("a")).has_value());
  CHECK_FALSE(watch.expired());
  CHECK(held->at("p").sum().item<float>() == 7.0f * 200);

  held.reset();
  CHECK(watch.expired());
}

TEST_CASE("cache with capacity zero stores nothing") {
  BackboneCache cache(0);
  int computed = 0;
  for (int i = 0; i < 3; ++i) {
    const auto lookup = cache.get_or_compute(key("a"), [&] {
      ++computed;
      return features_of(40);
    });
    CHECK_FALSE(lookup.hit);
  }
  CHECK(computed == 3);
  CHECK(cache.stats().entries == 0);
  CHECK(cache.stats().misses == 3);
  cache.insert(key("b"), features_of(40));
  CHECK(cache.stats().entries == 0);
}

TEST_CASE("cache rejects entry larger than capacity") {
  BackboneCache cache(100);
  cache.insert(key("small"), features_of(80));
  const auto lookup = cache.get_or_compute(key("big"), [] { return features_of(400); });
  CHECK(lookup.features.byte_size() == 400);
  CHECK(cache.stats().rejected == 1);
  CHECK(cache.find(key("small")).has_value());  // nothing was evicted for an entry that cannot fit
  CHECK(cache.stats().bytes_in_use == 80);
}

TEST_CASE("cache erase and clear") {
  BackboneCache cache(1000);
  cache.insert(key("a"), features_of(100));
  cache.insert(key("b"), features_of(100));
  CHECK(cache.erase(key("a")));
  CHECK_FALSE(cache.erase(key("a")));
  CHECK(cache.stats().bytes_in_use == 100);
  cache.clear();
  CHECK(cache.stats().entries == 0);
  CHECK(cache.stats().bytes_in_use == 0);
  cache.reset_stats();
  CHECK(cache.stats().hits == 0);
}

TEST_CASE("cache concurrent misses compute once") {
  BackboneCache cache(1 << 20);
  std::atomic<int> computed{0};
  std::vector<const mtl::detail::FeatureStore*> stores(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const auto lookup = cache.get_or_compute(key("shared"), [&] {
        ++computed;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return features_of(64);
      });
      stores[t] = lookup.features.store().get();
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(computed.load() == 1);
  for (const auto* store : stores) {
    CHECK(store == stores[0]);
  }
  const mtl::CacheStats stats = cache.stats();
  CHECK(stats.misses == 1);
  CHECK(stats.hits + stats.waits == 7);
}

TEST_CASE("cache failure reaches every waiter") {
  BackboneCache cache(1 << 20);
  std::atomic<int> computed{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      try {
        cache.get_or_compute(key("bad"), [&]() -> Features {
          ++computed;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          throw mtl::Error(mtl::ErrorCode::kInference, "backbone exploded");
        });
      } catch (const mtl::Error& error) {
        if (std::string(error.what()) == "backbone exploded") {
          ++errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(errors.load() == 8);
  CHECK(computed.load() >= 1);
  CHECK(cache.stats().entries == 0);

  // The failure poisoned nothing: the next caller computes afresh.
  const auto lookup = cache.get_or_compute(key("bad"), [] { return features_of(8); });
  CHECK_FALSE(lookup.hit);
  CHECK(cache.stats().entries == 1);
}
