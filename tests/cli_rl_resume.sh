#!/usr/bin/env bash
# synrl rl: interruption and resume. A run killed with SIGKILL at a random
# moment after its first checkpoint, then continued with --resume, must end
# bit-identical to one that never stopped (nets.bin, metrics.csv but its
# seconds column, and summary.json without its timing fields and command line) -- on CartPole (critic, batch 1),
# the 37-bit multiplexer (batch 128), MountainCar (Gaussian output, MAP
# propagation), Acrobot (STE) and LunarLander (Box2D: checkpointed after a
# reset, the reset replayed). SIGINT and SIGTERM write a checkpoint and exit 3
# with a resume command that works. A checkpoint that cannot be written is a
# one-line error that leaves the previous one intact; resuming with other
# settings or from a damaged checkpoint is a one-line error.
#
# usage: bash tests/cli_rl_resume.sh PATH/TO/synrl SOURCE_DIR
# SYNRL_RESUME_SEED fixes the kill moments (printed otherwise).
set -u

BIN=${1:?usage: cli_rl_resume.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-rlresume-XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"
SEED=${SYNRL_RESUME_SEED:-$$}
RANDOM=$SEED
echo "cli_rl_resume: kill-moment seed $SEED (SYNRL_RESUME_SEED=$SEED reproduces them)"

[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }

COMMON=(--checkpoint-secs 0 --seed 5)
declare -A CONF
CONF[cartpole]="--preset cartpole-weightmax-traces --episodes 300"
CONF[mux37]="--preset multiplexer37-weightmax --episodes 60000"
CONF[mountaincar]="--preset mountaincar-mapprop --episodes 4 --map-steps 5"
CONF[acrobot]="--preset acrobot-ste --episodes 20"
NAMES="cartpole mux37 mountaincar acrobot"
if "$BIN" rl --env lunarlander --episodes 1 --quiet --out "$T/ll-probe" >/dev/null 2>&1; then
  CONF[lunarlander]="--preset lunarlander-weightmax --episodes 40"
  NAMES="$NAMES lunarlander"
else
  echo "skip: lunarlander (built without Box2D)"
fi
# checkpoint every N episodes, per configuration
declare -A EVERY=([cartpole]=10 [mux37]=2000 [mountaincar]=1 [acrobot]=1 [lunarlander]=2)

# same_run REF DIR NAME: final outputs identical (timings aside)
same_run() {
  local ref=$1 dir=$2 name=$3 f
  checks=$((checks + 1))
  cmp -s "$ref/nets.bin" "$dir/nets.bin" || fail "$name: nets.bin differs from the uninterrupted run's"
  # column 2 is wall time
  cmp -s <(cut -d, -f1,3- "$ref/metrics.csv") <(cut -d, -f1,3- "$dir/metrics.csv") ||
    fail "$name: metrics.csv differs from the uninterrupted run's"
  cmp -s <(grep -vE '"(seconds|cpu_seconds|command_line|git_commit)"' "$ref/summary.json") \
    <(grep -vE '"(seconds|cpu_seconds|command_line|git_commit)"' "$dir/summary.json") ||
    fail "$name: summary.json differs from the uninterrupted run's"
  [ -f "$dir/checkpoint.bin" ] && fail "$name: a finished run left its checkpoint"
  ls "$dir" | grep -q '\.tmp' && fail "$name: temporary files left: $(ls "$dir")"
}

# wait_for FILE PID: until FILE exists (or PID ends); 1 if PID ended first
wait_for() {
  local i
  for i in $(seq 1 1200); do
    [ -f "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { [ -f "$1" ]; return; }
    sleep 0.02
  done
  return 1
}

# ---------------- SIGKILL at a random moment, then --resume ----------------
for name in $NAMES; do
  read -r -a FL <<<"${CONF[$name]}"
  ref="$T/ref-$name" dir="$T/kill-$name"
  if ! "$BIN" rl "${FL[@]}" "${COMMON[@]}" --quiet --out "$ref" >/dev/null 2>"$T/err"; then
    fail "$name: reference run failed: $(cat "$T/err")"
    continue
  fi
  if ! kill_at_random "$dir" 300 "$BIN" rl "${FL[@]}" "${COMMON[@]}" --checkpoint-every "${EVERY[$name]}"; then
    fail "$name: no checkpoint appeared, or the run always finished before the kill"
    continue
  fi
  if ! "$BIN" rl "${FL[@]}" "${COMMON[@]}" --checkpoint-every "${EVERY[$name]}" --resume "$dir" \
    >/dev/null 2>"$T/err"; then
    fail "$name: resume failed: $(cat "$T/err")"
    continue
  fi
  at=$(sed -n 's/.*resumed at episode \([0-9]*\).*/\1/p' "$T/err")
  [ -n "$at" ] && [ "$at" -gt 0 ] || fail "$name: resume did not say where it resumed: $(cat "$T/err")"
  echo "ok: $name: killed, resumed at episode $at"
  same_run "$ref" "$dir" "$name (SIGKILL)"
done

# ---------------- SIGINT and SIGTERM: checkpoint, exit 3, resume hint ----------------
for sig in INT TERM; do
  name=cartpole
  [ $sig = TERM ] && name=mux37
  read -r -a FL <<<"${CONF[$name]}"
  dir="$T/sig$sig dir" # a space: the printed command must quote it
  "$BIN" rl "${FL[@]}" "${COMMON[@]}" --checkpoint-every "${EVERY[$name]}" --out "$dir" >/dev/null \
    2>"$T/err-$sig" &
  pid=$!
  checks=$((checks + 1))
  signal_check "$sig" rl "$name" "$dir" "metrics.csv summary.json nets.bin" 'interrupted at episode [0-9]*' $pid
done

# LunarLander with batch > 1 cannot be checkpointed (its rows are never all
# at an episode start together): a signal stops it with exit 3 and says so
if [ -n "${CONF[lunarlander]:-}" ]; then
  checks=$((checks + 1))
  "$BIN" rl --preset lunarlander-weightmax --batch 2 --episodes 100000 --out "$T/ll2" >/dev/null 2>"$T/err" &
  pid=$!
  # the start line comes once signals are caught; then let it run a little
  for i in $(seq 1 600); do
    grep -q 'synrl: rl lunarlander-weightmax' "$T/err" && break
    sleep 0.05
  done
  sleep 0.3
  kill -INT $pid
  wait $pid
  rc=$?
  if [ $rc -ne 3 ] || ! grep -q 'cannot be checkpointed with --batch > 1' "$T/err" ||
    ! grep -q 'interrupted at episode [0-9]* of 100000; no checkpoint' "$T/err"; then
    fail "lunarlander batch 2: exit $rc: $(cat "$T/err")"
  else
    echo "ok: lunarlander batch 2: exit 3 without a checkpoint, said so"
  fi
  [ -f "$T/ll2/checkpoint.bin" ] && fail "lunarlander batch 2: a checkpoint was written"
fi

# a checkpoint written and interrupted: DIR ends up holding a good checkpoint
interrupted_run() {
  local dir=$1
  shift
  "$BIN" rl "$@" "${COMMON[@]}" --quiet --checkpoint-every 10 --out "$dir" >/dev/null 2>&1 &
  local p=$!
  wait_for "$dir/checkpoint.bin" $p
  kill -INT $p
  wait $p
}

# ---------------- checkpoints that cannot be written ----------------
read -r -a FL <<<"${CONF[cartpole]}"
# A full disk: the file-size limit makes writes fail (EFBIG) as ENOSPC
# would. The checkpoint written earlier must survive, byte for byte.
dir="$T/full"
interrupted_run "$dir" "${FL[@]}"
cp "$dir/checkpoint.bin" "$T/full.before"
limit=$(($(wc -c <"$dir/checkpoint.bin") / 1024 - 2))
expect_err "full disk" "checkpoint.bin" \
  bash -c 'trap "" XFSZ; ulimit -f '"$limit"'; exec "$@"' _ "$BIN" rl "${FL[@]}" "${COMMON[@]}" \
  --quiet --checkpoint-every 10 --resume "$dir"
grep -q 'File too large\|No space' "$T/stderr" || fail "full disk: the message does not say why: $(cat "$T/stderr")"
cmp -s "$dir/checkpoint.bin" "$T/full.before" || fail "full disk: the previous checkpoint changed"
ls "$dir" | grep -q '\.tmp' && fail "full disk: temporary files left: $(ls "$dir")"
expect_ok "resume after a full disk" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --quiet --resume "$dir" &&
  same_run "$T/ref-cartpole" "$dir" "resume after a full disk"

# A directory where the checkpoint goes: the rename fails.
dir="$T/blocked"
mkdir -p "$dir/checkpoint.bin"
expect_err "checkpoint path is a directory" "checkpoint.bin" \
  "$BIN" rl "${FL[@]}" "${COMMON[@]}" --quiet --checkpoint-every 10 --out "$dir"
ls "$dir" | grep -q '\.tmp' && fail "checkpoint path is a directory: temporary files left"
[ -f "$dir/summary.json" ] && fail "checkpoint path is a directory: a failed run left summary.json"

# A directory that becomes unwritable while the run goes on (as root: run as
# user nobody, since root writes anyway).
dir="$T/ro"
if ro_dir_setup "$BIN" "$dir"; then
  ro_dir_check 'checkpoint.bin.*Permission denied' "$T/ref-cartpole" "$dir" 10 "$BIN" rl "${FL[@]}" "${COMMON[@]}"
else
  echo "skip: unwritable directory (root, and user nobody cannot run $BIN)"
fi

# ---------------- resuming what does not fit ----------------
dir="$T/mismatch"
interrupted_run "$dir" "${FL[@]}"
cp "$dir/checkpoint.bin" "$T/good.ckpt"
expect_err "other lambda" "lambda" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --lambda 0.5 --resume "$dir"
expect_err "other seed" "seed" "$BIN" rl "${FL[@]}" --checkpoint-secs 0 --seed 6 --resume "$dir"
expect_err "other method" "method" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --method reinforce --resume "$dir"
expect_err "other episodes" "episodes" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --episodes 301 --resume "$dir"
expect_err "other batch" "batch" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --batch 2 --resume "$dir"
expect_err "resume with another --out" "--resume" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --out "$T/x" --resume "$dir"
expect_err "resume: no checkpoint" "$T/nothing/checkpoint.bin" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --resume "$T/nothing"
# options that do not change results may differ
expect_ok "resume with other neutral options" "$BIN" rl "${FL[@]}" "${COMMON[@]}" --quiet \
  --checkpoint-every 7 --checkpoint-secs 30 --resume "$dir" &&
  same_run "$T/ref-cartpole" "$dir" "resume with other neutral options"
damaged_checkpoint_checks "$T/good.ckpt" "$dir" "$T/ref-cartpole/nets.bin" "$BIN" rl "${FL[@]}" "${COMMON[@]}"
expect_err "bad --checkpoint-every" "--checkpoint-every" "$BIN" rl --checkpoint-every -1 --out "$T/x"
expect_err "bad --checkpoint-secs" "--checkpoint-secs" "$BIN" rl --checkpoint-secs nan --out "$T/x"
expect_err "empty --resume" "--resume" "$BIN" rl --resume ""

if [ $failures -ne 0 ]; then
  echo "cli_rl_resume: $failures failure(s) of $checks (seed $SEED)" >&2
  exit 1
fi
echo "cli_rl_resume: all $checks passed"
