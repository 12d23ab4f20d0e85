#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "mtl/backbone_cache.h"
#include "mtl/error.h"
#include "mtl/multi_task_model.h"
#include "test_support.h"

using mtl::BackboneCache;
using mtl::MultiTaskModel;
using mtl::test::bitwise_equal;
using mtl::test::fixture;
using mtl::test::test_options;

namespace {

mtl::RunOptions with_cache(BackboneCache& cache) {
  mtl::RunOptions options;
  options.cache = &cache;
  return options;
}

}  // namespace

TEST_CASE("cached run reuses backbone across masks") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  BackboneCache cache(64 << 20);
  const at::Tensor input = mtl::test::random_input(model, 1);

  const mtl::RunResult first = model.run(input, model.mask("det"), with_cache(cache));
  const mtl::RunResult second = model.run(input, model.mask("seg,cls"), with_cache(cache));
  CHECK_FALSE(first.backbone_cached);
  CHECK(second.backbone_cached);
  CHECK(second.features.store() == first.features.store());
  CHECK(cache.stats().hits == 1);
  CHECK(cache.stats().misses == 1);
  CHECK(cache.stats().bytes_in_use == first.features.byte_size());

  const mtl::RunResult uncached = model.run(input, model.mask("seg,cls"));
  for (std::size_t i = 0; i < second.tasks.size(); ++i) {
    CHECK(bitwise_equal(second.tasks[i].outputs, uncached.tasks[i].outputs));
  }

  // Another input, or the same bytes in another shape, misses.
  model.run(mtl::test::random_input(model, 2), model.mask("det"), with_cache(cache));
  CHECK(cache.stats().misses == 2);
}

TEST_CASE("cached run honours caller keys") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  BackboneCache cache(64 << 20);
  mtl::RunOptions options = with_cache(cache);
  options.cache_key = "frame-17";

  const at::Tensor input = mtl::test::random_input(model, 3);
  CHECK_FALSE(model.run(input, model.mask("det"), options).backbone_cached);
  CHECK(model.run(input, model.mask("depth"), options).backbone_cached);

  // The same caller key under another backbone is another entry.
  const MultiTaskModel other = MultiTaskModel::load(fixture("raising.pt"), test_options());
  CHECK_FALSE(other.run(input, other.mask("cls"), options).backbone_cached);
  CHECK(cache.stats().entries == 2);
}

TEST_CASE("models with one backbone digest share entries") {
  const MultiTaskModel v1 = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const MultiTaskModel v2 = MultiTaskModel::load(fixture("tiny_v2.pt"), test_options());
  REQUIRE(v1.backbone_digest() == v2.backbone_digest());
  BackboneCache cache(64 << 20);
  const at::Tensor input = mtl::test::random_input(v1, 4);

  v1.run(input, v1.mask("det"), with_cache(cache));
  const mtl::RunResult shared = v2.run(input, v2.mask("cls"), with_cache(cache));
  CHECK(shared.backbone_cached);
  CHECK(bitwise_equal(shared.tasks[0].outputs, v2.run(input, v2.mask("cls")).tasks[0].outputs));
}

TEST_CASE("cached concurrent runs compute each key once") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  constexpr int kKeys = 4;
  std::vector<at::Tensor> inputs;
  std::vector<mtl::RunResult> expected;
  for (int i = 0; i < kKeys; ++i) {
    inputs.push_back(mtl::test::random_input(model, 50 + i));
    expected.push_back(model.run(inputs.back(), model.all_tasks()));
  }

  BackboneCache cache(256 << 20);  // large enough that nothing is evicted
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      for (int r = 0; r < 100; ++r) {
        const int input = static_cast<int>(random() % kKeys);
        const mtl::TaskMask mask = mtl::TaskMask::from_bits(1 + random() % 15);
        try {
          const mtl::RunResult result = model.run(inputs[input], mask, with_cache(cache));
          for (const mtl::TaskResult& task : result.tasks) {
            if (!bitwise_equal(task.outputs, expected[input].tasks[task.index].outputs)) {
              ++mismatches;
            }
          }
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  const mtl::CacheStats stats = cache.stats();
  CHECK(failures.load() == 0);
  CHECK(mismatches.load() == 0);
  CHECK(stats.misses == kKeys);
  CHECK(stats.evictions == 0);
  CHECK(stats.hits + stats.waits + stats.misses == 800);
}

TEST_CASE("cached run keeps cache usable after bad input") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  BackboneCache cache(64 << 20);
  CHECK_THROWS_AS(model.run(at::zeros({1, 3, 5, 5}), model.mask("det"), with_cache(cache)), mtl::Error);
  CHECK(cache.stats().entries == 0);
  const at::Tensor input = mtl::test::random_input(model, 9);
  CHECK_FALSE(model.run(input, model.mask("det"), with_cache(cache)).backbone_cached);
  CHECK(model.run(input, model.mask("det"), with_cache(cache)).backbone_cached);
}

TEST_CASE("cached features stay intact under check mode") {
  mtl::LoadOptions options = test_options();
  options.verify_heads = false;
  const MultiTaskModel model = MultiTaskModel::load(fixture("mutating.pt"), options);
  BackboneCache cache(64 << 20);
  const at::Tensor input = mtl::test::random_input(model, 10);

  // The first request caches inference tensors, which have no version counters.
  const mtl::RunResult clean = model.run(input, model.mask("clean"), with_cache(cache));
  const at::Tensor before = clean.features.at("c3").clone();

  mtl::RunOptions checked = with_cache(cache);
  checked.check_features = true;
  CHECK_THROWS_WITH_AS(model.run(input, model.mask("dirty"), checked), doctest::Contains("head 'dirty'"), mtl::Error);
  // The check dropped the damaged entry, so the next request recomputes clean features.
  const mtl::RunResult again = model.run(input, model.mask("clean"), with_cache(cache));
  CHECK_FALSE(again.backbone_cached);
  CHECK(bitwise_equal(again.features.at("c3"), before));
}

TEST_CASE("cache ignores a declared digest") {
  // lying_digest.pt has other backbone weights but claims tiny.pt's digest in its manifest.
  const MultiTaskModel honest = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const MultiTaskModel lying = MultiTaskModel::load(fixture("lying_digest.pt"), test_options());
  REQUIRE(honest.manifest().backbone_digest == lying.manifest().backbone_digest);
  CHECK(honest.backbone_digest() != lying.backbone_digest());
  CHECK(honest.backbone_digest().rfind("xxh3:", 0) == 0);

  BackboneCache cache(64 << 20);
  const at::Tensor input = mtl::test::random_input(honest, 12);
  honest.run(input, honest.mask("cls"), with_cache(cache));
  const mtl::RunResult result = lying.run(input, lying.mask("cls"), with_cache(cache));
  CHECK_FALSE(result.backbone_cached);
  CHECK(bitwise_equal(result.tasks[0].outputs, lying.run(input, lying.mask("cls")).tasks[0].outputs));
}

TEST_CASE("cached features do not alias the input") {
  // passthrough.pt returns its input as the feature "input". The cache must keep a copy, because
  // the caller may fill its buffer with the next frame.
  const MultiTaskModel model = MultiTaskModel::load(fixture("passthrough.pt"), test_options());
  BackboneCache cache(64 << 20);
  at::Tensor frame = at::zeros({1, 3, 32, 48});
  model.run(frame, model.mask("sum"), with_cache(cache));
  frame.fill_(1.0f);

  const mtl::RunResult again = model.run(at::zeros({1, 3, 32, 48}), model.mask("sum"), with_cache(cache));
  CHECK(again.backbone_cached);
  CHECK(again.tasks[0].outputs.at("value").item<float>() == 0.0f);
  CHECK(again.features.at("input").abs().sum().item<float>() == 0.0f);
}
