#!/usr/bin/env bash
# A run never destroys an earlier result (issue 18, kind 1): a run folder is
# locked for the whole run (a second run or a resume on it is refused, naming
# the holder's pid and command); a finished run is not replaced without
# --overwrite; with --overwrite the old run stays (in DIR/.previous) until the
# new one is complete, and a run killed before it had a checkpoint gives the
# old run back.
# usage: bash tests/cli_runfolder.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_runfolder.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_runfolder.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-runfolder-XXXXXX")
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"
cd "$SRC" || exit 1

short=(train --iterations 60 --points 60 --threads 1 --quiet)
long=(train --iterations 100000000 --points 60 --threads 1 --quiet --checkpoint-secs 0)

# 1. A finished run is kept: refused without --overwrite, for every trainer.
expect_ok "first run" "$BIN" "${short[@]}" --out "$T/a"
cp "$T/a/summary.json" "$T/a.summary"
expect_err "train into a finished run" "--overwrite" "$BIN" "${short[@]}" --out "$T/a"
cmp -s "$T/a/summary.json" "$T/a.summary" || fail "a refused run changed the finished run"
expect_ok "rl first" "$BIN" rl --preset cartpole-backprop --episodes 3 --eval-episodes 1 --quiet --out "$T/rl"
expect_err "rl into a finished run" "--overwrite" "$BIN" rl --preset cartpole-backprop --episodes 3 \
  --eval-episodes 1 --quiet --out "$T/rl"
expect_ok "policy learn first" "$BIN" policy learn --iterations 20 --snapshot-every 10 --holdout-boundaries 1 \
  --holdout-iterations 10 --quiet --out "$T/pl"
expect_err "policy learn into a finished run" "--overwrite" "$BIN" policy learn --iterations 20 \
  --snapshot-every 10 --holdout-boundaries 1 --holdout-iterations 10 --quiet --out "$T/pl"
expect_ok "--overwrite replaces" "$BIN" "${short[@]}" --seed 2 --out "$T/a" --overwrite
cmp -s "$T/a/summary.json" "$T/a.summary" && fail "--overwrite: the old summary is still there"
[ -e "$T/a/.previous" ] && fail "--overwrite: the old run was not dropped once the new one was complete"
[ -e "$T/a/.lock" ] && fail "a finished run left its lock file"

# 2. A folder in use: a second run and a resume are refused, naming the holder.
"$BIN" "${long[@]}" --checkpoint-every 200 --out "$T/busy" >/dev/null 2>&1 &
pid=$!
if wait_for "$T/busy/checkpoint.bin" $pid; then
  expect_err "a second run on a folder in use" "pid $pid" "$BIN" "${short[@]}" --out "$T/busy"
  expect_err "a resume on a folder in use" "pid $pid" "$BIN" "${long[@]}" --resume "$T/busy"
  grep -q "synrl train" "$T/stderr" || fail "the refusal does not name the holder's command: $(cat "$T/stderr")"
  expect_err "rl on a folder in use" "in use" "$BIN" rl --preset cartpole-backprop --episodes 3 --quiet --out "$T/busy"
  kill -0 $pid 2>/dev/null || fail "the holder did not survive the refused runs"
  kill -9 $pid
  wait $pid 2>/dev/null
  # the kernel dropped the lock with the process: the resume goes on
  "$BIN" "${long[@]}" --resume "$T/busy" >/dev/null 2>"$T/err" &
  pid=$!
  sleep 0.5
  kill -INT $pid
  wait $pid
  rc=$?
  [ $rc -eq 3 ] || fail "resume after the holder was killed: exit $rc: $(cat "$T/err")"
else
  fail "the long run wrote no checkpoint"
fi

# 3. --overwrite killed before its first checkpoint: the old run comes back.
expect_ok "finished run" "$BIN" "${short[@]}" --out "$T/k"
cp "$T/k/summary.json" "$T/k.summary"
"$BIN" "${long[@]}" --checkpoint-every 0 --out "$T/k" --overwrite >/dev/null 2>&1 &
pid=$!
wait_for "$T/k/.lock" $pid
sleep 0.3
kill -9 $pid
wait $pid 2>/dev/null
checks=$((checks + 1))
if [ -f "$T/k/summary.json" ]; then
  fail "killed --overwrite run: summary.json in the folder while the new run had not finished"
elif ! cmp -s "$T/k/.previous/summary.json" "$T/k.summary"; then
  fail "killed --overwrite run: the old run is gone: $(ls -a "$T/k" | tr '\n' ' ')"
fi
# the next run on the folder puts the old run back (and refuses to replace it)
expect_err "after a killed --overwrite" "--overwrite" "$BIN" "${short[@]}" --out "$T/k"
cmp -s "$T/k/summary.json" "$T/k.summary" || fail "the old run was not put back"
for f in net.bin metrics.csv policy.txt; do [ -f "$T/k/$f" ] || fail "the old run's $f was not put back"; done
[ -e "$T/k/.previous" ] && fail "the old run was put back but .previous remains"

# 4. --overwrite interrupted after a checkpoint: the old run is kept until the
# resumed run is complete, and a new run without --overwrite is refused.
"$BIN" "${long[@]}" --iterations 3000 --checkpoint-every 100 --out "$T/k" --overwrite >/dev/null 2>&1 &
pid=$!
wait_for "$T/k/checkpoint.bin" $pid
kill -INT $pid
wait $pid
rc=$?
checks=$((checks + 1))
[ $rc -eq 3 ] || fail "interrupted --overwrite run: exit $rc"
cmp -s "$T/k/.previous/summary.json" "$T/k.summary" || fail "interrupted --overwrite run: the old run is gone"
expect_err "new run over an interrupted --overwrite" "--overwrite" "$BIN" "${short[@]}" --out "$T/k"
[ -f "$T/k/checkpoint.bin" ] || fail "a refused run removed the interrupted run's checkpoint"
expect_ok "resume the --overwrite run" "$BIN" "${long[@]}" --iterations 3000 --checkpoint-every 100 --resume "$T/k"
[ -f "$T/k/summary.json" ] && ! cmp -s "$T/k/summary.json" "$T/k.summary" || fail "the resumed run did not finish"
[ -e "$T/k/.previous" ] && fail "the resumed run finished but the old run was not dropped"

echo "cli_runfolder: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
