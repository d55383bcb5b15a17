#!/usr/bin/env bash
# Is DeepAGREL's gap to backprop a small-data effect? The same dense (and
# optionally conv) runs as docs/results.md §7.1 (patience 10, at most 50
# epochs, bn-momentum 0.9), on the first N rows of the seeded training split
# (--n-train; the split's order is fixed by --split-seed, so a smaller set is
# a subset of every larger one). Outputs under runs/agrel/size-DATA-N/; the
# full 7,000-row MNIST-10k runs are §7.1's runs/agrel/p10.
#   SIZES="1750 3500" DATAS=mnist10k bash scripts/exp_agrel_datasize.sh
#   python3 scripts/summarize_agrel_datasize.py   # the table of §7.2
# Fashion-MNIST, 7,000 of its training images, at the settings of §7.2's
# full-size Fashion runs (runs/agrel/fashion-dense-lr005):
#   SIZES=7000 DATAS=fashion LR=0.05 EPOCHS=20 PATIENCE=5 BN_MOMENTUM=0.99 \
#     bash scripts/exp_agrel_datasize.sh
# Environment: SIZES, DATAS, NETS (default dense), SEEDS (default 1..5), LR,
# EPOCHS (50), PATIENCE (10), BN_MOMENTUM (0.9), and everything
# scripts/exp_agrel.sh reads (BIN, MNIST_DIR, NICE).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1750 3500"}
DATAS=${DATAS:-mnist10k}
for data in $DATAS; do
  for n in $SIZES; do
    tag=size-$data-$n
    [ -n "${LR:-}" ] && tag=$tag-lr$LR
    TAG=$tag DATAS=$data N_TRAIN=$n NETS=${NETS:-dense} SEEDS=${SEEDS:-"1 2 3 4 5"} \
      EPOCHS=${EPOCHS:-50} PATIENCE=${PATIENCE:-10} BN_MOMENTUM=${BN_MOMENTUM:-0.9} \
      bash scripts/exp_agrel.sh
  done
done
