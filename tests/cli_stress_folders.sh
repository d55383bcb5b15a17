#!/usr/bin/env bash
# Stress (issue 18): several runs, resumes and overwrites at once against the
# same few folders, hit by random SIGKILL, SIGINT, SIGHUP and SIGTERM. After
# every round each folder must hold a complete run whose figure `synrl eval`
# re-measures exactly, or a resumable checkpoint, or (a killed --overwrite)
# the earlier complete run in .previous, which the next run puts back; once a
# folder has held a complete run it never ends up with none. A partial result
# never carries summary.json. Exit codes: 0, 1 (a refusal: folder in use),
# 2 (finished run without --overwrite, nothing to resume), 3 (interrupted) or
# death by a signal (SIGKILL, or another before the run catches signals);
# nothing else (no crash, no abort).
# usage: bash tests/cli_stress_folders.sh PATH/TO/synrl SOURCE_DIR [ROUNDS]
set -u
BIN=${1:?usage: cli_stress_folders.sh SYNRL_BINARY SOURCE_DIR [ROUNDS]}
SRC=${2:?usage: cli_stress_folders.sh SYNRL_BINARY SOURCE_DIR [ROUNDS]}
ROUNDS=${3:-12}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-stress-XXXXXX")
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"
cd "$SRC" || exit 1
SEED=${SYNRL_STRESS_SEED:-$RANDOM}
RANDOM=$SEED
echo "cli_stress_folders: seed $SEED (SYNRL_STRESS_SEED=$SEED reproduces the choices)"

RUN=(train --iterations 2000 --points 200 --threads 1 --quiet --checkpoint-every 100 --checkpoint-secs 0)
DIRS=("$T/d0" "$T/d1" "$T/d2")
declare -A had_run
sigs=(KILL INT HUP TERM)

# check DIR: the invariant above (a run that put an old run back counts)
check_dir() {
  local d=$1
  checks=$((checks + 1))
  if [ -f "$d/summary.json" ]; then
    for f in net.bin metrics.csv policy.txt; do
      [ -f "$d/$f" ] || fail "$d: summary.json without $f"
    done
    "$BIN" eval "$d" >/dev/null 2>"$T/eval.err" || fail "$d: eval does not reproduce the run: $(cat "$T/eval.err")"
    had_run[$d]=1
  elif [ -f "$d/checkpoint.bin" ]; then
    : # resumable: tried at the end
  elif [ -f "$d/.previous/summary.json" ]; then
    : # a killed --overwrite: put back by the next run
  elif [ -n "${had_run[$d]:-}" ]; then
    fail "$d: held a complete run, now holds neither a run nor a checkpoint: $(ls -a "$d" | tr '\n' ' ')"
  fi
}

for round in $(seq 1 "$ROUNDS"); do
  pids=()
  for j in 1 2 3 4; do
    d=${DIRS[$((RANDOM % 3))]}
    case $((RANDOM % 3)) in
      0) args=(--out "$d" --overwrite --seed $((RANDOM % 3 + 1))) ;;
      1) args=(--resume "$d") ;;
      2) args=(--out "$d") ;;
    esac
    "$BIN" "${RUN[@]}" "${args[@]}" >/dev/null 2>>"$T/log" &
    pids+=($!)
  done
  sleep "0.$((RANDOM % 8))"
  for p in "${pids[@]}"; do
    [ $((RANDOM % 2)) -eq 0 ] && kill -"${sigs[$((RANDOM % 4))]}" "$p" 2>/dev/null
  done
  for p in "${pids[@]}"; do
    wait "$p"
    rc=$?
    # 129, 130, 143: a signal that came before the run caught signals (as SIGKILL)
    case $rc in 0 | 1 | 2 | 3 | 129 | 130 | 137 | 143) ;; *) fail "round $round: exit status $rc: $(tail -2 "$T/log")" ;; esac
  done
  for d in "${DIRS[@]}"; do check_dir "$d"; done
done

# the end: every folder resumes or is put back, and then holds a complete run
for d in "${DIRS[@]}"; do
  [ -d "$d" ] || continue
  if [ -f "$d/checkpoint.bin" ] && [ ! -f "$d/summary.json" ]; then
    # the seed is in the checkpoint's settings: find the one that matches
    for s in 1 2 3; do
      "$BIN" "${RUN[@]}" --seed $s --resume "$d" >/dev/null 2>"$T/err" && break
    done
  else
    "$BIN" "${RUN[@]}" --out "$d" >/dev/null 2>"$T/err" # puts back an old run, or runs
  fi
  check_dir "$d"
  [ -n "${had_run[$d]:-}" ] && [ ! -f "$d/summary.json" ] && fail "$d: no complete run at the end"
done

echo "cli_stress_folders: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
