#!/usr/bin/env bash
# Issue-2 image experiment (docs/results.md): Fashion-MNIST, the paper's
# protocol, 0 hidden units, synaptic RL for 1,200,000 iterations (about ten
# minutes of one core with the fast path) with the project's own static policy
# and with the authors' table. Gradient descent on the same split comes from
# scripts/exp_table1.sh (gd-0hu-s1). The two runs go in parallel, one thread each.
# usage: scripts/exp_fmnist10.sh [OUTDIR] [TABLE1DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/fmnist10}; t1=${2:-runs/table1}
bash scripts/setup.sh
mkdir -p "$out"
cp build/synrl "$out/.synrl"; bin="$out/.synrl"
own="$t1/policy-own/policy.txt"
[ -f "$own" ] || "$bin" train --preset 2d-adaptive --seed 1 --quiet --out "$t1/policy-own" > /dev/null
for pol in own authors; do
  p=data/policies/authors-golden.tsv; [ $pol = own ] && p=$own
  [ -f "$out/synrl-0hu-$pol-s1/summary.json" ] ||
    echo "$bin train --preset ocr-0hu --policy $p --iterations 1200000 --eval-every 20000 --seed 1 --threads 1 --quiet --out $out/synrl-0hu-$pol-s1"
done | xargs -P 2 -I{} sh -c '{} > /dev/null || echo "FAILED: {}" >&2'
python3 scripts/summarize.py --metrics valid_acc,test_acc,iterations,cpu_seconds,seconds \
  "Syn. RL 0 HU, own policy=$out/synrl-0hu-own-s1" \
  "Syn. RL 0 HU, authors' table=$out/synrl-0hu-authors-s1" \
  "Grad. Desc. 0 HU (full batch, to plateau)=$t1/gd-0hu-s1"
