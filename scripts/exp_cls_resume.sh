#!/usr/bin/env bash
# synrl classify checkpoints on real data: backprop on the conv net, Fashion-
# MNIST (55,000 train / 5,000 valid / 10,000 test), EPOCHS epochs, single-
# threaded (DeepAGREL at the reference settings diverges in its first
# minibatches on Fashion conv (issue 5), which would end the runs at once):
#   plain    no checkpoints
#   ckpt     a checkpoint every SECS seconds
#   resumed  the same, stopped by SIGINT in the last epoch (at its first
#            checkpoint there: mid-epoch), resumed by the printed command
# Prints the checkpoint size and time, the runs' CPU times, and whether ckpt
# and resumed ended bit-identical to plain (net.bin, metrics.csv without its
# seconds column, summary.json without timings).
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
F=(classify --data fashion --net conv --rule backprop --epochs "$EPOCHS")

run() { # run NAME ARGS...: one run unless its summary.json exists
  local name=$1
  shift
  [ -f "$R/$name/summary.json" ] && return 0
  rm -rf "${R:?}/$name"
  nice -n 10 "$BIN" "${F[@]}" "$@" --out "$R/$name" >"$R/$name.out" 2>"$R/$name.err"
}
run plain --checkpoint-secs 0
run ckpt --checkpoint-secs "$SECS"
if [ ! -f "$R/resumed/summary.json" ]; then
  rm -rf "$R/resumed"
  # no /usr/bin/time here: it ignores SIGINT, which must reach synrl
  nice -n 10 "$BIN" "${F[@]}" --checkpoint-secs "$SECS" --out "$R/resumed" \
    >"$R/resumed.out" 2>"$R/resumed.err1" &
  pid=$!
  # stop it at its first checkpoint in the last epoch
  while kill -0 $pid 2>/dev/null; do
    rows=0
    [ -f "$R/resumed/metrics.csv" ] && rows=$(($(wc -l <"$R/resumed/metrics.csv") - 1))
    if [ "$rows" -ge $((EPOCHS - 1)) ] && [ -f "$R/resumed/checkpoint.bin" ] &&
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
  bash -c "nice -n 10 \"$BIN\" $cmd" >"$R/resumed.out" 2>"$R/resumed.err2"
fi
# the training loop's CPU seconds (continued across a resume), from summary.json
cpu() { sed -n 's/.*"cpu_seconds": \([0-9.]*\).*/\1/p' "$R/$1/summary.json"; }
grep -h 'checkpoint(s)' "$R/ckpt.err"
grep -h 'interrupted at' "$R/resumed.err1" | sed 's/; resume with.*//'
grep -h 'resumed at\|checkpoint(s)' "$R/resumed.err2"
echo "training CPU seconds: plain $(cpu plain), ckpt $(cpu ckpt), resumed $(cpu resumed) (both parts)"
for run in ckpt resumed; do
  same=yes
  cmp -s "$R/plain/net.bin" "$R/$run/net.bin" || same="no (net.bin)"
  cmp -s <(cut -d, -f1-5 "$R/plain/metrics.csv") <(cut -d, -f1-5 "$R/$run/metrics.csv") || same="no (metrics.csv)"
  cmp -s <(grep -vE '"(seconds|cpu_seconds)"' "$R/plain/summary.json") \
    <(grep -vE '"(seconds|cpu_seconds)"' "$R/$run/summary.json") || same="no (summary.json)"
  echo "$run bit-identical to plain: $same"
done
grep -H '"test_acc"' "$R"/{plain,ckpt,resumed}/summary.json
