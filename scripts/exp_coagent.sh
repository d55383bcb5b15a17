#!/usr/bin/env bash
# Coagent networks (issue 4): 10 runs per method x task of the published table
# (reference/coagent-networks.md), plus Global REINFORCE, backprop and STE on
# the same tasks. Every run is `synrl rl --preset TASK-METHOD --seed S`; a run
# whose summary.json exists is skipped, so the script resumes. Then
# scripts/coagent_summary.py writes OUTDIR/coagent.csv (or $CSV) and prints the
# table of docs/results.md ("Coagent networks").
#
# usage: scripts/exp_coagent.sh [OUTDIR] [PARALLEL]
#   TASKS="cartpole multiplexer acrobot lunarlander mountaincar" (default: all,
#   in this order), SEEDS="1 2 ... 10" (default), METHODS="..." to restrict.
#   FLAGS="..." adds flags to every run (e.g. FLAGS="--adam-eps 1e-9"): use
#   a fresh OUTDIR for them, since finished runs are skipped by name.
# Runs are single-threaded and niced; PARALLEL (default 1) runs at once.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/coagent}; par=${2:-1}
tasks=${TASKS:-cartpole multiplexer acrobot lunarlander mountaincar}
seeds=${SEEDS:-1 2 3 4 5 6 7 8 9 10}
if [ ! -x build/synrl ]; then bash scripts/setup.sh; fi
mkdir -p "$out"
cp build/synrl "$out/.synrl"; bin="$out/.synrl"
jobs="$out/jobs.txt"; : > "$jobs"
want() { [ -z "${METHODS:-}" ] || [[ " $METHODS " == *" $1 "* ]]; }
add() { # add PRESET: one job per seed not yet finished
  local p=$1 m=${1#*-} s
  want "$m" || return 0
  for s in $seeds; do
    [ -f "$out/$p-s$s/summary.json" ] && continue
    echo "nice -n 10 $bin rl --preset $p --seed $s ${FLAGS:-} --quiet --out $out/$p-s$s" >> "$jobs"
  done
}
for t in $tasks; do
  case $t in
    cartpole|acrobot|lunarlander)
      for m in weightmax weightmax-traces mapprop reinforce backprop ste; do add "$t-$m"; done ;;
    mountaincar)
      for m in mapprop backprop; do add "$t-$m"; done ;;
    multiplexer)
      for m in weightmax reinforce backprop ste; do add "multiplexer20-$m"; done
      add multiplexer37-mapprop ;;
    *) echo "exp_coagent.sh: unknown task '$t'" >&2; exit 2 ;;
  esac
done
echo "exp_coagent.sh: $(wc -l < "$jobs") runs to do" >&2
if [ -s "$jobs" ]; then
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 xargs -P "$par" -I{} sh -c '{} || echo "FAILED: {}" >&2' < "$jobs"
fi
# the per-run CSV goes beside the runs unless CSV names another file (the
# docs' table: CSV=docs/data/coagent.csv), so a partial rerun elsewhere does
# not overwrite the documented rows
python3 scripts/coagent_summary.py "$out" "${CSV:-$out/coagent.csv}"
