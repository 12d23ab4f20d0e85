#!/usr/bin/env bash
# The whole test suite: installs the packages, builds everything (fixtures are exported by PyTorch
# at build time), runs CTest (C++ doctest suites and the Python tests), then installs mtl into a
# staging prefix and builds a separate consumer project against it with find_package(mtl).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "${MTL_JOBS:-$(nproc)}"

# The installed package must be usable by another CMake project.
rm -rf build/install build/consumer
cmake --install build --prefix build/install >/dev/null
cmake -S tests/consumer -B build/consumer -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PWD/build/install" >/dev/null
cmake --build build/consumer >/dev/null
build/consumer/mtl_consumer build/tests/fixtures/tiny.pt
echo "test.sh: all tests passed"
