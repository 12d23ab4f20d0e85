// Micro-benchmarks of mtl's own overheads, independent of any model's compute:
// input hashing throughput, cache hits, and the per-request cost around a tiny model.
//
//   build/bench/mtl_benchmarks --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "mtl/backbone_cache.h"
#include "mtl/multi_task_model.h"

namespace {

// XXH3-128 over a 1x3x384x640 float input, the benchmark model's input size.
void BM_HashInput(benchmark::State& state) {
  const at::Tensor input = at::rand({1, 3, 384, 640});
  for (auto _ : state) {
    benchmark::DoNotOptimize(mtl::CacheKey::for_input("digest", input));
  }
  state.SetBytesProcessed(state.iterations() * input.numel() * input.element_size());
}
BENCHMARK(BM_HashInput);

// The same input in channels-last layout: hashing reads a contiguous copy.
void BM_HashChannelsLastInput(benchmark::State& state) {
  const at::Tensor input = at::rand({1, 3, 384, 640}).contiguous(at::MemoryFormat::ChannelsLast);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mtl::CacheKey::for_input("digest", input));
  }
  state.SetBytesProcessed(state.iterations() * input.numel() * input.element_size());
}
BENCHMARK(BM_HashChannelsLastInput);

// A cache hit among `range(0)` resident entries.
void BM_CacheHit(benchmark::State& state) {
  mtl::BackboneCache cache(1ull << 30);
  const mtl::Features features({{"p", at::zeros({1024})}});
  for (int64_t i = 0; i < state.range(0); ++i) {
    cache.insert(mtl::CacheKey::for_id("digest", std::to_string(i)), features);
  }
  const mtl::CacheKey key = mtl::CacheKey::for_id("digest", "0");
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.find(key));
  }
}
BENCHMARK(BM_CacheHit)->Arg(16)->Arg(4096);

// A whole request on the tiny fixture model, so the library's per-request overhead dominates.
void BM_TinyModelRun(benchmark::State& state) {
  mtl::LoadOptions options;
  options.intra_op_threads = 1;
  const mtl::MultiTaskModel model = mtl::MultiTaskModel::load(std::string(MTL_FIXTURE_DIR) + "/tiny.pt", options);
  const at::Tensor input = at::rand({1, 3, 32, 48});
  const mtl::TaskMask mask = model.mask(state.range(0) == 1 ? "cls" : "all");
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.run(input, mask));
  }
}
BENCHMARK(BM_TinyModelRun)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
