#!/usr/bin/env bash
# Reproduces the 2D decision-boundary results in docs/results.md:
# for seeds 1..10, an adaptive run (the paper's Fig. 1a settings) on boundary
# seed s; its frozen policy applied statically to a new boundary (seed 100+s);
# the authors' published table applied to the same new boundaries.
# usage: scripts/exp_2d.sh [OUTDIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/2d}; threads=${2:-0}
bash scripts/setup.sh
mkdir -p "$out"
# a private copy of the binary, so rebuilding during the run cannot mix versions
cp build/synrl "$out/.synrl"; synrl="$out/.synrl"
for s in 1 2 3 4 5 6 7 8 9 10; do
  "$synrl" train --preset 2d-adaptive --seed "$s" --threads "$threads" --quiet \
      --out "$out/adaptive-s$s" > /dev/null
  "$synrl" train --preset 2d-static --policy "$out/adaptive-s$s/policy.txt" --seed "$s" \
      --boundary-seed $((100 + s)) --threads "$threads" --quiet --out "$out/static-own-s$s" > /dev/null
  "$synrl" train --preset 2d-static --policy data/policies/authors-golden.tsv --seed "$s" \
      --boundary-seed $((100 + s)) --threads "$threads" --quiet --out "$out/static-authors-s$s" > /dev/null
  echo "seed $s done" >&2
done
python3 scripts/summarize.py --metrics train_acc,train_loss,valid_acc \
  "adaptive (learns its table)=$out/adaptive-s*" \
  "static, own frozen table, new boundary=$out/static-own-s*" \
  "static, authors' table, new boundary=$out/static-authors-s*"
echo
python3 scripts/summarize.py --per-seed --metrics train_acc \
  "adaptive (boundary s)=$out/adaptive-s*" \
  "static, own table (boundary 100+s)=$out/static-own-s*" \
  "static, authors' table (boundary 100+s)=$out/static-authors-s*"
mkdir -p docs/data
python3 scripts/collect_curves.py docs/data/2d-curves.csv "$out"/adaptive-s* "$out"/static-*
