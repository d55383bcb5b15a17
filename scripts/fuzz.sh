#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/fuzz_*.c) with clang + ASan + UBSan in
# build-fuzz, replays the seed corpus and every past crash (fuzz/regress/),
# then fuzzes each harness for a bounded time.
#
# usage: bash scripts/fuzz.sh [SECONDS_PER_HARNESS [HARNESS...]]
#   SECONDS_PER_HARNESS defaults to $SYNRL_FUZZ_SECONDS or 20 (the CI budget).
# New inputs go to build-fuzz/corpus/<harness>/ (seeded from fuzz/corpus/),
# crashes to build-fuzz/artifacts/<harness>/; the script fails on a crash.
# A per-harness table (executions, seconds, corpus size) ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-${SYNRL_FUZZ_SECONDS:-20}}
shift || true
if ! command -v clang >/dev/null; then
  echo "fuzz.sh: clang not found (scripts/setup.sh installs it); skipping" >&2
  exit 0
fi
ALL=(fuzz_idx fuzz_idx_gz fuzz_policy fuzz_net fuzz_ckpt fuzz_opts fuzz_mnist_json fuzz_cifar
     fuzz_lnet fuzz_coagent fuzz_rlckpt fuzz_clsckpt)
HARNESSES=("${ALL[@]}")
[ $# -gt 0 ] && HARNESSES=("$@")
JOBS=${SYNRL_JOBS:-2}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DSYNRL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$JOBS" --target "${HARNESSES[@]}" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export OMP_NUM_THREADS=1
summary=()
status=0
for h in "${HARNESSES[@]}"; do
  bin=build-fuzz/$h
  seeds=fuzz/corpus/$h
  work=build-fuzz/corpus/$h
  art=build-fuzz/artifacts/$h
  mkdir -p "$work" "$art"
  # replay: the seeds and every input that once crashed
  replay=("$seeds"/*)
  [ -d "fuzz/regress/$h" ] && replay+=(fuzz/regress/"$h"/*)
  if ! "$bin" -close_fd_mask=3 "${replay[@]}" >"build-fuzz/$h.replay.log" 2>&1; then
    echo "fuzz.sh: $h: a seed or regression input fails:" >&2
    tail -40 "build-fuzz/$h.replay.log" >&2
    status=1
    continue
  fi
  log=build-fuzz/$h.log
  t0=$(date +%s.%N)
  if "$bin" "$work" "$seeds" -max_total_time="$SECS" -max_len=8192 -timeout=20 -rss_limit_mb=2048 \
     -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$art/" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    echo "fuzz.sh: $h: crash; reproducer in $art/:" >&2
    grep -A30 -m1 'ERROR\|runtime error\|deadly signal\|out-of-memory\|timeout' "$log" >&2 || tail -40 "$log" >&2
  fi
  t1=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  summary+=("$(printf '%-12s %8s execs %6.1f s  corpus %4d  %s' "$h" "${execs:-?}" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(ls "$work" | wc -l)" "$result")")
done
echo "fuzz.sh: $SECS s per harness"
printf '%s\n' "${summary[@]}"
exit $status
