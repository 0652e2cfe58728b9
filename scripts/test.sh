#!/usr/bin/env bash
# The test command: bootstrap, build with warnings as errors and
# AddressSanitizer + UndefinedBehaviorSanitizer, then run every test (unit,
# fuzz-corpus replays, end-to-end with the official MCP SDK and servers).
# Usage: scripts/test.sh [extra ctest args]     BUILD_DIR overrides the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
# -O0 with line tables: the sanitizers need no optimiser, and on two cores it
# compiles about five times faster than -O2 -g (CI must stay under 30 minutes).
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DMCP_WARDEN_WERROR=ON -DMCP_WARDEN_SANITIZE="address;undefined"
cmake --build "$BUILD_DIR" -j"$JOBS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$JOBS" --timeout 900 "$@"
