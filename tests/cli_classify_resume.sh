#!/usr/bin/env bash
# synrl classify: interruption and resume. A run killed with SIGKILL at a
# random moment after its first checkpoint, then resumed with --resume, must
# end bit-identical to one that never stopped (net.bin, metrics.csv and
# summary.json without their timing fields) -- DeepAGREL on the conv net
# (dropout, batch norm, separate feedback weights) and backprop on the dense
# net (lr halving, last-epoch weights). SIGINT and SIGTERM write a checkpoint
# and exit 3 with a resume command that works. A checkpoint that cannot be
# written (full disk, unwritable directory, a directory in its place) is a
# one-line error that leaves the previous one intact; resuming with other
# settings or data, or from a damaged checkpoint, is a one-line error.
#
# usage: bash tests/cli_classify_resume.sh PATH/TO/synrl SOURCE_DIR
# SYNRL_RESUME_SEED fixes the kill moments (printed otherwise).
set -u
BIN=${1:?usage: cli_classify_resume.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-clsres-XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
export LC_ALL=C
. "$(dirname "$0")/common_cli.sh"
SEED=${SYNRL_RESUME_SEED:-$$}
RANDOM=$SEED
echo "cli_classify_resume: kill-moment seed $SEED (SYNRL_RESUME_SEED=$SEED reproduces them)"

M="$T/mnist" # the tiny MNIST-JSON set (common_cli.sh)
mnist_json_set "$M"

# 60 training rows in minibatches of 8: 8 a epoch, the last of 4
COMMON=(--data mnist10k --data-dir "$M" --n-valid 10 --n-test 10 --batch 8 --checkpoint-secs 0)
declare -A CONF
CONF[agrel-conv]="--net conv --rule agrel --fb-init independent --lr 0.01 --epochs 5 --seed 5"
CONF[backprop-dense]="--net dense --rule backprop --lr 0.05 --halve-every 2 --epochs 5 --keep-last --seed 6"

# same_run REF DIR NAME: final outputs identical (timings aside)
same_run() {
  local ref=$1 dir=$2 name=$3
  checks=$((checks + 1))
  cmp -s "$ref/net.bin" "$dir/net.bin" || fail "$name: net.bin differs from the uninterrupted run's"
  # seconds (column 6) is wall time
  cmp -s <(cut -d, -f1,3-6 "$ref/metrics.csv") <(cut -d, -f1,3-6 "$dir/metrics.csv") ||
    fail "$name: metrics.csv differs from the uninterrupted run's"
  # timings, the command line and where the data lay aside
  local aside='"(seconds|cpu_seconds|command_line|data-dir|data_dir|digits-dir)"'
  cmp -s <(grep -vE "$aside" "$ref/summary.json") <(grep -vE "$aside" "$dir/summary.json") ||
    fail "$name: summary.json differs from the uninterrupted run's"
  [ -f "$dir/checkpoint.bin" ] && fail "$name: a finished run left its checkpoint"
  ls "$dir" | grep -q '\.tmp' && fail "$name: temporary files left: $(ls "$dir")"
}

# ---------------- SIGKILL at a random moment, then --resume ----------------
for name in agrel-conv backprop-dense; do
  read -r -a FL <<<"${CONF[$name]}"
  ref="$T/ref-$name" dir="$T/kill-$name"
  expect_ok "$name: reference run" "$BIN" classify "${FL[@]}" "${COMMON[@]}" --quiet --out "$ref" || continue
  if ! kill_at_random "$dir" 800 "$BIN" classify "${FL[@]}" "${COMMON[@]}" --checkpoint-every 3; then
    fail "$name: no checkpoint appeared, or the run always finished before the kill"
    continue
  fi
  expect_ok "$name: resume" "$BIN" classify "${FL[@]}" "${COMMON[@]}" --checkpoint-every 3 --resume "$dir" || continue
  at=$(sed -n 's/.*resumed at epoch \([0-9]*\) with \([0-9]*\) of its minibatches done.*/\1, minibatch \2/p' "$T/stderr")
  [ -n "$at" ] || fail "$name: resume did not say where it resumed: $(cat "$T/stderr")"
  echo "ok: $name: killed, resumed at epoch $at"
  same_run "$ref" "$dir" "$name (SIGKILL)"
done

# ---------------- SIGINT and SIGTERM: checkpoint, exit 3, resume hint ----------------
for sig in INT TERM; do
  name=agrel-conv
  [ $sig = TERM ] && name=backprop-dense
  read -r -a FL <<<"${CONF[$name]}"
  dir="$T/sig$sig dir" # a space: the printed command must quote it
  checks=$((checks + 1))
  "$BIN" classify "${FL[@]}" "${COMMON[@]}" --checkpoint-every 3 --out "$dir" >/dev/null 2>"$T/err-$sig" &
  pid=$!
  signal_check "$sig" classify "$name" "$dir" "summary.json net.bin" 'interrupted at epoch [0-9]* of [0-9]* with [0-9]* of its [0-9]* minibatches done' $pid
done

# ---------------- checkpoints that cannot be written ----------------
read -r -a FL <<<"${CONF[agrel-conv]}"
# interrupted: a checkpoint to resume from
stopped() { # DIR: a run stopped by SIGINT after its first checkpoint
  "$BIN" classify "${FL[@]}" "${COMMON[@]}" --quiet --checkpoint-every 3 --out "$1" >/dev/null 2>&1 &
  local pid=$!
  wait_for "$1/checkpoint.bin" $pid
  kill -INT $pid
  wait $pid
}
# A full disk: the file-size limit makes writes fail (EFBIG) as ENOSPC would.
dir="$T/full"
stopped "$dir"
cp "$dir/checkpoint.bin" "$T/full.before"
limit=$(($(wc -c <"$dir/checkpoint.bin") / 1024 - 2))
if expect_err "full disk" "checkpoint.bin" \
  bash -c 'trap "" XFSZ; ulimit -f '"$limit"'; exec "$@"' _ "$BIN" classify "${FL[@]}" "${COMMON[@]}" \
  --quiet --checkpoint-every 3 --resume "$dir"; then
  grep -q 'File too large\|No space' "$T/stderr" || fail "full disk: the message does not say why: $(cat "$T/stderr")"
fi
cmp -s "$dir/checkpoint.bin" "$T/full.before" || fail "full disk: the previous checkpoint changed"
ls "$dir" | grep -q '\.tmp' && fail "full disk: temporary files left: $(ls "$dir")"
[ -f "$dir/summary.json" ] && fail "full disk: a failed run left summary.json"
expect_ok "resume after a full disk" "$BIN" classify "${FL[@]}" "${COMMON[@]}" --quiet --resume "$dir" &&
  same_run "$T/ref-agrel-conv" "$dir" "resume after a full disk"

# A directory where the checkpoint goes.
dir="$T/blocked"
mkdir -p "$dir/checkpoint.bin/x"
expect_err "checkpoint path is a directory" "checkpoint.bin" \
  "$BIN" classify "${FL[@]}" "${COMMON[@]}" --quiet --checkpoint-every 3 --out "$dir"
[ -f "$dir/summary.json" ] && fail "checkpoint path is a directory: a failed run left summary.json"

# A directory that becomes unwritable while the run goes on: the next
# checkpoint fails with a one-line error and the last one stays. Root writes
# anyway, so as root the run goes as user nobody (setpriv).
dir="$T/ro"
if ro_dir_setup "$BIN" "$dir"; then
  if [ "$(id -u)" = 0 ]; then # nobody reads the data too
    chmod 755 "$M"
    chmod 644 "$M"/*
  fi
  ro_dir_check 'Permission denied' "$T/ref-agrel-conv" "$dir" 3 "$BIN" classify "${FL[@]}" "${COMMON[@]}"
else
  echo "skip: unwritable directory (root, and user nobody cannot run $BIN)"
fi

# ---------------- resuming what does not fit ----------------
dir="$T/mismatch"
stopped "$dir"
cp "$dir/checkpoint.bin" "$T/good.ckpt"
R=("$BIN" classify "${FL[@]}" "${COMMON[@]}")
expect_err "other lr" "'lr=0.01', this run has 'lr=0.02'" "${R[@]}" --lr 0.02 --resume "$dir"
expect_err "other seed" "seed" "${R[@]}" --seed 2 --resume "$dir"
expect_err "other rule" "rule" "${R[@]}" --rule backprop --resume "$dir"
expect_err "other epochs" "epochs" "${R[@]}" --epochs 7 --resume "$dir"
expect_err "other split" "n-valid" "${R[@]}" --n-valid 11 --resume "$dir"
cp -r "$M" "$T/mnist2"
sed -i 's/0.9/0.8/' "$T/mnist2/3.json"
expect_err "other data" "data0_fnv1a64" "${R[@]}" --data-dir "$T/mnist2" --resume "$dir"
cp -r "$M" "$T/mnist3"
# --data-dir and the checkpoint intervals do not change the results
expect_ok "the same data elsewhere" "${R[@]}" --quiet --data-dir "$T/mnist3" --checkpoint-secs 1000 --resume "$dir" &&
  same_run "$T/ref-agrel-conv" "$dir" "resume with the data in another directory"
cp "$T/good.ckpt" "$dir/checkpoint.bin"
rm -f "$dir/summary.json" "$dir/net.bin"
expect_err "resume with another --out" "--resume" "${R[@]}" --out "$T/x" --resume "$dir"
expect_err "resume: no checkpoint" "$T/nothing/checkpoint.bin" "${R[@]}" --resume "$T/nothing"
expect_err "empty --resume" "--resume" "${R[@]}" --resume ""
damaged_checkpoint_checks "$T/good.ckpt" "$dir" "$T/ref-agrel-conv/net.bin" "${R[@]}"
[ -f "$dir/summary.json" ] && fail "refused resumes left summary.json"
expect_err "bad --checkpoint-every" "--checkpoint-every" "$BIN" classify --checkpoint-every -1
expect_err "bad --checkpoint-secs" "--checkpoint-secs" "$BIN" classify --checkpoint-secs nan

if [ $failures -ne 0 ]; then
  echo "cli_classify_resume: $failures of $checks checks failed (seed $SEED)" >&2
  exit 1
fi
echo "cli_classify_resume: all $checks checks passed"
