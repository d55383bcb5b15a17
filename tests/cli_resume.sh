#!/usr/bin/env bash
# Interruption and resume: a run killed with SIGKILL at a random moment after
# its first checkpoint, then resumed with --resume, must end bit-identical to
# one that never stopped (net.bin, policy.txt, metrics.csv and summary.json
# without their timing fields) -- for synaptic RL on the general path (2D,
# full batch and minibatches, halving) and on the 8-bit fast path (images),
# and for gradient descent. SIGINT and SIGTERM must write a checkpoint and
# exit 3 with a resume command that works. A checkpoint that cannot be
# written (full disk, a directory in the way, an unwritable directory) is a
# one-line error that leaves the previous checkpoint intact; resuming with
# other settings or from a damaged checkpoint is a one-line error.
#
# usage: bash tests/cli_resume.sh PATH/TO/synrl SOURCE_DIR
# SYNRL_RESUME_SEED fixes the kill moments (printed otherwise).
set -u

BIN=${1:?usage: cli_resume.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_resume.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-resume-XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
SEED=${SYNRL_RESUME_SEED:-$$}
RANDOM=$SEED
echo "cli_resume: kill-moment seed $SEED (SYNRL_RESUME_SEED=$SEED reproduces them)"

. "$(dirname "$0")/common_cli.sh"

[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }

# ---------------- a small 8-bit image set (deterministic) ----------------
be32() {
  printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))"
  printf "\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"
}
IMG="$T/img"
mkdir -p "$IMG"
NIMG=400
{
  printf '\x00\x00\x08\x03'; be32 $NIMG; be32 8; be32 8
  LC_ALL=C awk -v n=$NIMG 'BEGIN { srand(7); for (i = 0; i < n * 64; i++) printf "%c", int(rand() * 256) }'
} >"$IMG/train-images-idx3-ubyte"
{
  printf '\x00\x00\x08\x01'; be32 $NIMG
  LC_ALL=C awk -v n=$NIMG 'BEGIN { srand(8); for (i = 0; i < n; i++) printf "%c", int(rand() * 10) }'
} >"$IMG/train-labels-idx1-ubyte"

COMMON=(--threads 1 --checkpoint-secs 0)
# each configuration: NAME and its flags
declare -A CONF
CONF[synrl-2d]="--points 200 --valid-points 50 --iterations 1500 --eval-every 50 --halve-at 700"
CONF[synrl-2d-mini]="--points 200 --valid-points 50 --iterations 1500 --eval-every 50 --batch 64 --batch-every 7 --patience 1000"
CONF[synrl-q8]="--task images --data-dir $IMG --n-images $NIMG --valid-frac 0.2 --hidden 16 --act relu --batch 100 --batch-every 40 --halve-at 500 --iterations 3000 --eval-every 100 --epsilon 0.1"
CONF[synrl-q8-general]="--task images --data-dir $IMG --n-images $NIMG --valid-frac 0.2 --hidden 16 --act relu --batch 100 --batch-every 40 --iterations 2000 --eval-every 100 --path general"
CONF[gd-images]="--method gd --task images --data-dir $IMG --n-images $NIMG --valid-frac 0.2 --hidden 16 --act relu --batch 50 --iterations 6000 --eval-every 100 --patience 1000"
CONF[gd-2d]="--method gd --points 200 --valid-points 50 --iterations 1500 --eval-every 50"

# same_run REF DIR NAME: final outputs identical (timings aside)
same_run() {
  local ref=$1 dir=$2 name=$3 f
  for f in net.bin policy.txt target.bin; do
    if [ -f "$ref/$f" ] || [ -f "$dir/$f" ]; then
      cmp -s "$ref/$f" "$dir/$f" || fail "$name: $f differs from the uninterrupted run's"
    fi
  done
  # seconds (column 2) is wall time
  cmp -s <(cut -d, -f1,3- "$ref/metrics.csv") <(cut -d, -f1,3- "$dir/metrics.csv") ||
    fail "$name: metrics.csv differs from the uninterrupted run's"
  # the command lines differ (--out, --resume)
  cmp -s <(grep -vE '"(seconds|cpu_seconds|threads|command_line)"' "$ref/summary.json") \
    <(grep -vE '"(seconds|cpu_seconds|threads|command_line)"' "$dir/summary.json") ||
    fail "$name: summary.json differs from the uninterrupted run's"
  [ -f "$dir/checkpoint.bin" ] && fail "$name: a finished run left its checkpoint"
  ls "$dir" | grep -q '\.tmp' && fail "$name: temporary files left: $(ls "$dir")"
}

# ---------------- SIGKILL at a random moment, then --resume ----------------
for name in synrl-2d synrl-2d-mini synrl-q8 synrl-q8-general gd-images gd-2d; do
  read -r -a FL <<<"${CONF[$name]}"
  ref="$T/ref-$name" dir="$T/kill-$name"
  if ! "$BIN" train "${FL[@]}" "${COMMON[@]}" --quiet --out "$ref" >/dev/null 2>"$T/err"; then
    fail "$name: reference run failed: $(cat "$T/err")"
    continue
  fi
  # a random moment after the first checkpoint (0 to 0.3 s); where the run
  # was quicker than that, again with no delay
  if ! kill_at_random "$dir" 300 "$BIN" train "${FL[@]}" "${COMMON[@]}" --checkpoint-every 50; then
    fail "$name: no checkpoint appeared, or the run always finished before the kill"
    continue
  fi
  # resume: possibly twice interrupted, always continued to the end
  if ! "$BIN" train "${FL[@]}" "${COMMON[@]}" --checkpoint-every 50 --resume "$dir" >/dev/null 2>"$T/err"; then
    fail "$name: resume failed: $(cat "$T/err")"
    continue
  fi
  at=$(sed -n 's/.*resumed at iteration \([0-9]*\).*/\1/p' "$T/err")
  [ -n "$at" ] && [ "$at" -gt 0 ] || fail "$name: resume did not say where it resumed: $(cat "$T/err")"
  echo "ok: $name: killed, resumed at iteration $at"
  same_run "$ref" "$dir" "$name (SIGKILL)"
done

# ---------------- SIGINT and SIGTERM: checkpoint, exit 3, resume hint ----------------
for sig in INT TERM; do
  name=synrl-q8
  [ $sig = TERM ] && name=gd-images
  read -r -a FL <<<"${CONF[$name]}"
  dir="$T/sig$sig dir" # a space: the printed command must quote it
  "$BIN" train "${FL[@]}" "${COMMON[@]}" --checkpoint-every 50 --out "$dir" >/dev/null 2>"$T/err-$sig" &
  pid=$!
  signal_check "$sig" train "$name" "$dir" "metrics.csv summary.json net.bin" 'interrupted at iteration [0-9]*' $pid
done


# ---------------- checkpoints that cannot be written ----------------
read -r -a FL <<<"${CONF[synrl-2d]}"
# A full disk: the file-size limit makes writes fail (EFBIG) as ENOSPC
# would. The checkpoint written earlier must survive, byte for byte.
dir="$T/full"
"$BIN" train "${FL[@]}" "${COMMON[@]}" --quiet --checkpoint-every 50 --out "$dir" >/dev/null 2>&1 &
pid=$!
wait_for "$dir/checkpoint.bin" $pid
kill -INT $pid
wait $pid
cp "$dir/checkpoint.bin" "$T/full.before"
limit=$(($(wc -c <"$dir/checkpoint.bin") / 1024 - 2))
expect_err "full disk" "checkpoint.bin" \
  bash -c 'trap "" XFSZ; ulimit -f '"$limit"'; exec "$@"' _ "$BIN" train "${FL[@]}" "${COMMON[@]}" \
  --quiet --checkpoint-every 50 --resume "$dir"
grep -q 'File too large\|No space' "$T/stderr" || fail "full disk: the message does not say why: $(cat "$T/stderr")"
cmp -s "$dir/checkpoint.bin" "$T/full.before" || fail "full disk: the previous checkpoint changed"
ls "$dir" | grep -q '\.tmp' && fail "full disk: temporary files left: $(ls "$dir")"
"$BIN" train "${FL[@]}" "${COMMON[@]}" --quiet --resume "$dir" >/dev/null 2>"$T/err" ||
  fail "full disk: the surviving checkpoint does not resume: $(cat "$T/err")"
same_run "$T/ref-synrl-2d" "$dir" "resume after a full disk"

# A directory where the checkpoint goes: the rename fails.
dir="$T/blocked"
mkdir -p "$dir/checkpoint.bin"
expect_err "checkpoint path is a directory" "checkpoint.bin" \
  "$BIN" train "${FL[@]}" "${COMMON[@]}" --quiet --checkpoint-every 50 --out "$dir"
ls "$dir" | grep -q '\.tmp' && fail "checkpoint path is a directory: temporary files left"
[ -f "$dir/summary.json" ] && fail "checkpoint path is a directory: a failed run left summary.json"

# A directory that becomes unwritable while the run goes on: the next
# checkpoint fails with a one-line error and the last one stays. Root writes
# anyway, so as root the run goes as user nobody (setpriv).
dir="$T/ro"
if ro_dir_setup "$BIN" "$dir"; then
  ro_dir_check 'checkpoint.bin.*Permission denied' "$T/ref-synrl-2d" "$dir" 50 "$BIN" train "${FL[@]}" "${COMMON[@]}"
else
  echo "skip: unwritable directory (root, and user nobody cannot run $BIN)"
fi

# ---------------- resuming what does not fit ----------------
dir="$T/mismatch"
"$BIN" train "${FL[@]}" "${COMMON[@]}" --quiet --checkpoint-every 50 --out "$dir" >/dev/null 2>&1 &
pid=$!
wait_for "$dir/checkpoint.bin" $pid
kill -TERM $pid
wait $pid
cp "$dir/checkpoint.bin" "$T/good.ckpt"
expect_err "other epsilon" "epsilon" "$BIN" train "${FL[@]}" "${COMMON[@]}" --epsilon 0.2 --resume "$dir"
expect_err "other seed" "seed" "$BIN" train "${FL[@]}" "${COMMON[@]}" --seed 2 --resume "$dir"
expect_err "other method" "does not match this run" "$BIN" train "${FL[@]}" "${COMMON[@]}" --method gd --resume "$dir"
expect_err "other data" "points" "$BIN" train "${FL[@]}" "${COMMON[@]}" --points 201 --resume "$dir"
expect_err "other iterations" "iterations" "$BIN" train "${FL[@]}" "${COMMON[@]}" --iterations 1600 --resume "$dir"
expect_err "resume with another --out" "--resume" "$BIN" train "${FL[@]}" "${COMMON[@]}" --out "$T/x" --resume "$dir"
expect_err "resume: no checkpoint" "$T/nothing/checkpoint.bin" "$BIN" train "${FL[@]}" "${COMMON[@]}" --resume "$T/nothing"
damaged_checkpoint_checks "$T/good.ckpt" "$dir" "$T/ref-synrl-2d/net.bin" "$BIN" train "${FL[@]}" "${COMMON[@]}"
expect_err "bad --checkpoint-every" "--checkpoint-every" "$BIN" train --checkpoint-every -1 --out "$T/x"
expect_err "bad --checkpoint-secs" "--checkpoint-secs" "$BIN" train --checkpoint-secs nan --out "$T/x"
expect_err "empty --resume" "--resume" "$BIN" train --resume ""

if [ $failures -ne 0 ]; then
  echo "cli_resume: $failures failure(s) (seed $SEED)" >&2
  exit 1
fi
echo "cli_resume: all passed"
