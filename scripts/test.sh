#!/usr/bin/env bash
# The whole test suite. Installs the packages and builds everything; PyTorch exports the fixtures
# at build time. Runs CTest (the C++ doctest suites, the command line checks and the Python tests).
# Then installs mtl into a staging prefix and builds a separate project against it with
# find_package(mtl).
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
