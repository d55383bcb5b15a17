#!/usr/bin/env bash
# Set up, build and run the whole test suite: the normal build, then the same
# tests under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
if [ "${SYNRL_SKIP_SANITIZE:-0}" != 1 ]; then
  SYNRL_BUILD_DIR=build-asan SYNRL_BUILD_TYPE=Debug bash scripts/setup.sh -DSYNRL_SANITIZE=ON
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j"$(nproc)" -L sanitize)
fi
