#!/usr/bin/env bash
# The main job on real input: installs the packages, builds the mtl command line, composes the
# evaluation scenes from real Fashion-MNIST garments, and runs the committed multifashion-v1 model
# on a handful of them with every task. Writes overlays and a JSON result file to out/demo/, prints
# each task's outputs and a per-stage timing table. Then runs the same model on a real photo.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh mtl_cli

model=models/multifashion-v1.pt
eval_dir=build/data/multifashion-eval
out=out/demo
if [ ! -f "$eval_dir/annotations.json" ]; then
  echo "demo: composing the evaluation scenes into $eval_dir"
  /usr/bin/python3 examples/multifashion/scenes.py --split eval --out "$eval_dir"
fi
mkdir -p "$out"

scenes=()
for index in 1 2 3 4 5; do
  scenes+=("$eval_dir/images/$(printf '%06d' "$index").png")
done

echo "demo: $model on ${#scenes[@]} evaluation scenes, all tasks"
build/tools/mtl run "$model" "${scenes[@]}" --tasks all --overlay "$out/overlays" --json-out "$out/results.json"

echo "demo: the same frame asked for detection, then segmentation and tags, with a backbone cache"
build/tools/mtl run "$model" "${scenes[0]}" --tasks det --tasks seg,tags --cache-mb 64

photo=/usr/lib/python3/dist-packages/skimage/data/coffee.png
echo "demo: $model on a real photo ($photo): garments are not expected there"
build/tools/mtl run "$model" "$photo" --tasks all --overlay "$out/coffee.overlay.png"

echo "demo: overlays in $out/overlays and $out/coffee.overlay.png, JSON in $out/results.json"
