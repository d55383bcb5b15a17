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
# The core unit tests (core layer, IDX files, checkpoints) under valgrind's
# memcheck, where valgrind is installed: any error fails the suite.
if [ "${SYNRL_SKIP_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
  vg_tests=(test_core test_idx test_ckpt)
  vg_pids=()
  for t in "${vg_tests[@]}"; do # side by side: valgrind runs one thread at a time
    SYNRL_SOURCE_DIR="$PWD" OMP_NUM_THREADS=2 valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite "build/$t" >"build/$t.valgrind.log" 2>&1 &
    vg_pids+=($!)
  done
  for i in "${!vg_tests[@]}"; do
    if wait "${vg_pids[$i]}"; then
      echo "valgrind: ${vg_tests[$i]}: no errors" >&2
    else
      echo "valgrind: ${vg_tests[$i]} failed:" >&2
      tail -50 "build/${vg_tests[$i]}.valgrind.log" >&2
      exit 1
    fi
  done
fi
# Fuzzing (clang + libFuzzer): replays the seeds and past crashes, then each
# harness for SYNRL_FUZZ_SECONDS (default 20) seconds.
if [ "${SYNRL_SKIP_FUZZ:-0}" != 1 ]; then
  bash scripts/fuzz.sh "${SYNRL_FUZZ_SECONDS:-20}"
fi
