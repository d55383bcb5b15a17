#!/usr/bin/env bash
# synrl classify checkpoints on real data: backprop on the conv net, Fashion-
# MNIST (55,000 train / 5,000 valid / 10,000 test), EPOCHS epochs, single-
# threaded:
#   plain    no checkpoints
#   resumed  a checkpoint every SECS seconds, stopped by SIGINT part-way
#            through the last epoch (mid-epoch), resumed by the printed command
# Prints the checkpoint size, time per checkpoint, the runs' CPU times, and
# whether resumed ended bit-identical to plain (net.bin, metrics.csv without
# its seconds column, summary.json without timings).
#
# usage: bash scripts/exp_cls_resume.sh [EPOCHS [SECS]]   (defaults 2, 20)
# Outputs under runs/cls-resume/; finished runs are kept and not redone.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-2}
SECS=${2:-20}
BIN=${SYNRL_BIN:-build/synrl}
R=runs/cls-resume
mkdir -p "$R"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# backprop: DeepAGREL at the reference settings diverges in its first
# minibatches on Fashion conv (issue 5), which would end the runs at once
F=(classify --data fashion --net conv --rule backprop --epochs "$EPOCHS")

if [ ! -f "$R/plain/summary.json" ]; then
  rm -rf "$R/plain"
  /usr/bin/time -f "%U %S" -o "$R/plain.time" nice -n 10 "$BIN" "${F[@]}" --checkpoint-secs 0 \
    --out "$R/plain" >"$R/plain.out" 2>"$R/plain.err"
fi
if [ ! -f "$R/resumed/summary.json" ]; then
  rm -rf "$R/resumed"
  nice -n 10 "$BIN" "${F[@]}" --checkpoint-secs "$SECS" --out "$R/resumed" \
    >"$R/resumed.out" 2>"$R/resumed.err1" &
  pid=$!
  # stop it in the last epoch, after a checkpoint there
  while kill -0 $pid 2>/dev/null; do
    done_ep=$(($(cat "$R/resumed/metrics.csv" 2>/dev/null | wc -l) - 1))
    if [ "$done_ep" -ge $((EPOCHS - 1)) ] && [ -f "$R/resumed/checkpoint.bin" ] &&
      [ "$R/resumed/checkpoint.bin" -nt "$R/resumed/metrics.csv" ]; then
      kill -INT $pid
      break
    fi
    sleep 1
  done
  rc=0
  wait $pid || rc=$?
  [ $rc -eq 3 ] || { echo "the interrupted run exited $rc, not 3" >&2; cat "$R/resumed.err1" >&2; exit 1; }
  cmd=$(sed -n 's/.*resume with: synrl //p' "$R/resumed.err1")
  /usr/bin/time -f "%U %S" -o "$R/resumed.time" bash -c "nice -n 10 \"$BIN\" $cmd" \
    >"$R/resumed.out" 2>"$R/resumed.err2"
fi
grep -h 'interrupted at' "$R/resumed.err1" | sed 's/; resume with.*//'
grep -h 'resumed at\|checkpoint(s)' "$R/resumed.err2"
ls -l "$R/resumed.err1" >/dev/null
echo "cpu seconds (user+sys): plain $(awk '{print $1 + $2}' "$R/plain.time"), resumed part $(awk '{print $1 + $2}' "$R/resumed.time")"
same=yes
cmp -s "$R/plain/net.bin" "$R/resumed/net.bin" || same="no (net.bin)"
cmp -s <(cut -d, -f1-5 "$R/plain/metrics.csv") <(cut -d, -f1-5 "$R/resumed/metrics.csv") || same="no (metrics.csv)"
cmp -s <(grep -vE '"(seconds|cpu_seconds)"' "$R/plain/summary.json") \
  <(grep -vE '"(seconds|cpu_seconds)"' "$R/resumed/summary.json") || same="no (summary.json)"
echo "resumed bit-identical to plain: $same"
grep -h '"test_acc"' "$R/plain/summary.json" "$R/resumed/summary.json"
