#!/usr/bin/env bash
# Records the figures of docs/benchmarks.md: exports the ResNet-18 + FPN benchmark model if
# needed, then runs `mtl bench` at 1 and 2 intra-op threads, `mtl eval` on the reference model,
# and the Google Benchmark micro-benchmarks. JSON results go to out/bench/.
# Usage: bench/run_benchmarks.sh [REPEAT]   (default 30 runs per figure)
set -euo pipefail
cd "$(dirname "$0")/.."

repeat="${1:-30}"
out=out/bench
model=build/bench/resnet18_fpn.pt
mkdir -p "$out" build/bench

scripts/build.sh mtl_cli mtl_benchmarks mtl_eval_split
if [ ! -f "$model" ]; then
  /usr/bin/python3 bench/export_bench_model.py "$model"
fi

lscpu | grep -E "Model name|^CPU\(s\)" | tee "$out/machine.txt"
for threads in 1 2; do
  build/tools/mtl bench "$model" --threads "$threads" --repeat "$repeat" --json-out "$out/resnet18_fpn_t$threads.json"
done
build/tools/mtl bench models/multifashion-v1.pt --threads 2 --repeat "$repeat" --json-out "$out/multifashion_v1.json"
build/tools/mtl eval models/multifashion-v1.pt build/data/multifashion-eval --threads 2 --json "$out/eval_v1.json"
build/bench/mtl_benchmarks --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json
