#!/usr/bin/env bash
# Which of the settings read from the authors' configuration files made the
# CartPole Weight Max runs work (docs/results.md §6): the preset, and the
# preset with one setting put back as it was before (critic rates 0.03 on
# every layer annealed x0.01; all N logits free and zero biases). Seeds 1..5;
# finished runs are skipped.
# usage: scripts/exp_coagent_ablation.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/coagent-ablation}
seeds=${SEEDS:-1 2 3 4 5}
[ -x build/synrl ] || bash scripts/setup.sh
mkdir -p "$out"
declare -A VARIANT=(
  [preset]=""
  [old-critic-rates]="--critic-lr 0.03,0.03,0.03 --critic-lr-end 3e-4,3e-4,3e-4"
  [all-logits-zero-bias]="--fixed-last-logit off --init-bias 0"
)
for v in preset old-critic-rates all-logits-zero-bias; do
  for s in $seeds; do
    d="$out/$v-s$s"
    [ -f "$d/summary.json" ] && continue
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=1 nice -n 10 build/synrl rl --preset cartpole-weightmax --seed "$s" ${VARIANT[$v]} \
      --quiet --out "$d"
  done
done
python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
print("| variant | runs | avg return, mean (std) | per seed |")
print("|---|---|---|---|")
for v in ["preset", "old-critic-rates", "all-logits-zero-bias"]:
    r = [json.load(open(f))["avg_return"] for f in sorted(glob.glob(os.path.join(out, v + "-s*", "summary.json")))]
    if r:
        sd = statistics.stdev(r) if len(r) > 1 else float("nan")
        print(f"| {v} | {len(r)} | {statistics.mean(r):.1f} ({sd:.1f}) | {' '.join(f'{x:.0f}' for x in r)} |")
PY
