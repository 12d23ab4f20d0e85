#!/usr/bin/env bash
# Configures and builds mtl in build/ (Release, Ninja, ccache). Extra arguments go to ninja, so
# `scripts/build.sh mtl_cli` builds only the command line. Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${MTL_JOBS:-$(nproc)}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build --parallel "$jobs" ${1:+--target "$@"}
