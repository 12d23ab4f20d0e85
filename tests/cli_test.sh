#!/usr/bin/env bash
# End-to-end checks of the mtl command line on the fixture models: help texts, JSON output, overlay
# files, backbone cache hits, and the gate's exit codes (0 promote, 1 blocked, 2 error).
# Usage: cli_test.sh MTL_BINARY FIXTURE_DIR
set -u
mtl="$1"
fixtures="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

check() {  # check DESCRIPTION EXPECTED_STATUS COMMAND...
  local description="$1" expected="$2"
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local status=$?
  if [ "$status" -ne "$expected" ]; then
    echo "FAIL: $description: exit status $status, expected $expected"
    sed 's/^/  | /' "$work/out" "$work/err" | head -20
    failures=$((failures + 1))
  fi
}

expect_output() {  # expect_output DESCRIPTION TEXT: the last command's stdout or stderr contains TEXT
  if ! grep -qF -- "$2" "$work/out" "$work/err"; then
    echo "FAIL: $1: output lacks '$2'"
    failures=$((failures + 1))
  fi
}

photo=/usr/lib/python3/dist-packages/skimage/data/coffee.png
image="$fixtures/tiny_eval/images/000001.png"

for command in inspect run bench eval gate; do
  check "$command --help" 0 "$mtl" "$command" --help
  expect_output "$command --help" "Usage:"
done
check "no subcommand" 2 "$mtl"

check "inspect" 0 "$mtl" inspect "$fixtures/tiny.pt"
expect_output "inspect lists heads" "head_depth"
check "inspect --json" 0 "$mtl" inspect --json "$fixtures/tiny.pt"
expect_output "inspect --json" '"manifest_in_archive": true'

check "run with overlay" 0 "$mtl" run "$fixtures/tiny.pt" "$photo" --tasks det,seg --overlay "$work/coffee.png"
expect_output "run prints the timing table" "head seg"
[ -s "$work/coffee.png" ] || { echo "FAIL: run wrote no overlay"; failures=$((failures + 1)); }

check "run --json with cache" 0 "$mtl" run "$fixtures/tiny.pt" "$image" --tasks det --tasks cls,depth --cache-mb 16 --json
expect_output "second task set hits the cache" '"backbone_cached": true'
expect_output "cache statistics" '"hits": 1'

check "run unknown task" 2 "$mtl" run "$fixtures/tiny.pt" "$image" --tasks det,nope
expect_output "unknown task lists known ones" "det, seg, cls, depth"
check "run corrupt model" 2 "$mtl" run "$fixtures/manifest_not_json.pt" "$image"
expect_output "corrupt model is named" "manifest_not_json.pt"
printf 'not an image' >"$work/bad.png"
check "run bad image" 2 "$mtl" run "$fixtures/tiny.pt" "$work/bad.png"
expect_output "bad image is named" "bad.png"

check "eval" 0 "$mtl" eval "$fixtures/tiny.pt" "$fixtures/tiny_eval" --json "$work/eval.json"
expect_output "eval prints the metrics table" "miou"
grep -q '"format": "mtl-metrics"' "$work/eval.json" || { echo "FAIL: eval JSON lacks metrics"; failures=$((failures + 1)); }

check "gate identical" 0 "$mtl" gate --baseline "$fixtures/tiny.pt" --candidate "$fixtures/tiny.pt" --data "$fixtures/tiny_eval"
expect_output "gate promotes" "promote"
check "gate kind changed" 1 "$mtl" gate --baseline "$fixtures/tiny.pt" --candidate "$fixtures/tiny_kind_changed.pt" \
  --data "$fixtures/tiny_eval" --json "$work/gate.json"
expect_output "gate names the kind change" "kind changed"
grep -q '"cls"' "$work/gate.json" || { echo "FAIL: gate JSON lacks the task"; failures=$((failures + 1)); }
check "gate broken candidate" 1 "$mtl" gate --baseline "$fixtures/tiny.pt" --candidate "$fixtures/no_backbone.pt" \
  --data "$fixtures/tiny_eval"
expect_output "gate says why" "failed to load"
check "gate missing data" 2 "$mtl" gate --baseline "$fixtures/tiny.pt" --candidate "$fixtures/tiny.pt" --data "$work/none"

if [ "$failures" -ne 0 ]; then
  echo "$failures command line checks failed"
  exit 1
fi
echo "all command line checks passed"
