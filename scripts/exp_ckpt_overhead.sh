#!/usr/bin/env bash
# Checkpoint cost on the paper's 32-HU OCR setting (preset ocr-32hu: Fashion-
# MNIST, 785-32-10, minibatch 5000 redrawn every 5000 iterations, 8-bit fast
# path), cut to ITERS iterations, single-threaded:
#   plain   no checkpoints (--checkpoint-secs 0)
#   ckpt    a checkpoint every EVERY iterations
#   resumed the same as ckpt, stopped by SIGTERM part-way, resumed to the end
# Prints checkpoint size, time per checkpoint, the runs' wall times, and
# whether ckpt and resumed ended bit-identical to plain (net.bin, policy.txt,
# metrics.csv without its time column, summary.json without timings).
#
# usage: bash scripts/exp_ckpt_overhead.sh [ITERS [EVERY]]   (defaults 20000, 1000)
# Outputs under runs/ckpt-overhead/; finished runs are kept and not redone.
set -euo pipefail
cd "$(dirname "$0")/.."
ITERS=${1:-20000}
EVERY=${2:-1000}
BIN=${SYNRL_BIN:-build/synrl}
R=runs/ckpt-overhead
mkdir -p "$R"
F=(--preset ocr-32hu --iterations "$ITERS" --threads 1 --checkpoint-secs 0)

run() { # run NAME ARGS...: one run unless its summary.json exists
  local name=$1
  shift
  [ -f "$R/$name/summary.json" ] && return 0
  rm -rf "$R/$name"
  nice -n 10 "$BIN" train "${F[@]}" "$@" --out "$R/$name" >"$R/$name.out" 2>"$R/$name.err"
}
run plain
run ckpt --checkpoint-every "$EVERY"
if [ ! -f "$R/resumed/summary.json" ]; then
  rm -rf "$R/resumed"
  nice -n 10 "$BIN" train "${F[@]}" --checkpoint-every "$EVERY" --out "$R/resumed" \
    >"$R/resumed.out" 2>"$R/resumed.err1" &
  pid=$!
  # stop it once about a third of the way: after its third checkpoint
  n=0
  while kill -0 $pid 2>/dev/null; do
    n=$(cat "$R/resumed/metrics.csv.tmp."* 2>/dev/null | wc -l)
    [ "$n" -gt $((ITERS / 3 / 1000 + 1)) ] && break
    sleep 0.5
  done
  kill -TERM $pid
  wait $pid || true
  t0=$(date +%s.%N)
  nice -n 10 "$BIN" train "${F[@]}" --checkpoint-every "$EVERY" --resume "$R/resumed" \
    >"$R/resumed.out" 2>"$R/resumed.err"
  t1=$(date +%s.%N)
  echo "$t0 $t1" >"$R/resumed.wall"
fi

json() { sed -n "s/.*\"$2\": \([^,]*\),*/\1/p" "$R/$1/summary.json"; }
same() {
  cmp -s "$R/plain/net.bin" "$R/$1/net.bin" && cmp -s "$R/plain/policy.txt" "$R/$1/policy.txt" &&
    cmp -s <(cut -d, -f1-7 "$R/plain/metrics.csv") <(cut -d, -f1-7 "$R/$1/metrics.csv") &&
    cmp -s <(grep -vE '"(seconds|cpu_seconds|threads)"' "$R/plain/summary.json") \
      <(grep -vE '"(seconds|cpu_seconds|threads)"' "$R/$1/summary.json") && echo yes || echo NO
}
line=$(grep 'checkpoint(s) of' "$R/ckpt.err" || true)
count=$(echo "$line" | sed -n 's/.*synrl: \([0-9]*\) checkpoint(s) of \([0-9]*\) bytes.*, \([0-9.]*\) s in all/\1/p')
bytes=$(echo "$line" | sed -n 's/.*checkpoint(s) of \([0-9]*\) bytes.*/\1/p')
secs=$(echo "$line" | sed -n 's/.*, \([0-9.]*\) s in all/\1/p')
echo "ocr-32hu, $ITERS iterations, 1 thread, checkpoint every $EVERY iterations"
echo "| run | wall s | CPU s | checkpoints | bytes each | ms per checkpoint (wall, incl. fsync) | bit-identical to plain |"
echo "|---|---|---|---|---|---|---|"
echo "| plain | $(json plain seconds) | $(json plain cpu_seconds) | 0 | - | - | - |"
echo "| ckpt | $(json ckpt seconds) | $(json ckpt cpu_seconds) | $count | $bytes | $(awk -v s="$secs" -v n="$count" 'BEGIN { printf "%.1f", n ? 1000 * s / n : 0 }') | $(same ckpt) |"
echo "| resumed (SIGTERM at iteration $(sed -n 's/.*interrupted at iteration \([0-9]*\).*/\1/p' "$R/resumed.err1"), resumed) | $(json resumed seconds) | $(json resumed cpu_seconds) | - | - | - | $(same resumed) |"
