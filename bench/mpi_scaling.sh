#!/usr/bin/env bash
# Data-parallel synaptic RL over MPI on this machine, for the paper's two OCR
# networks (batch 5000, 8-bit path), one thread per process:
#   - P = 1 without MPI, P = 1 and P = 2 under mpirun: ms per iteration and
#     the bytes each process sends per iteration;
#   - P = 1 with a one-chunk batch (256 rows): the part of an iteration that
#     every process repeats (the per-synapse policy step);
#   - gradient descent on the same network and batch: ms per step, for the
#     comparison with data-parallel backprop.
# Evaluation is left out (one at the end). scripts/mpi_model.py turns the CSV
# into the cost model of docs/mpi.md.
# usage: bench/mpi_scaling.sh [SYNRL_BINARY] [ITERATIONS] > bench.csv
set -euo pipefail
BIN=${1:-build/synrl}
N=${2:-3000}
POLICY="$(cd "$(dirname "$0")/.." && pwd)/data/policies/authors-golden.tsv"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none
"$BIN" --version | grep -q "MPI: yes" || { echo "mpi_scaling: $BIN was built without MPI" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-mpib-XXXXXX")
trap 'rm -rf "$T"' EXIT
field() { sed -n "s/.*\"$2\": \"*\([0-9a-f.e+-]*\)\"*,*$/\1/p" "$1/summary.json"; }
echo "network,case,processes,batch,iterations,seconds,ms_per_iter,bytes_per_iter_per_process,params_fnv1a64"
row() { # network case P batch outdir
  local s it
  s=$(field "$5" seconds); it=$(field "$5" iterations)
  echo "$1,$2,$3,$4,$it,$s,$(python3 -c "print('%.4f' % (1e3*$s/$it))"),$(field "$5" bytes_sent_per_iteration),$(field "$5" params_fnv1a64)"
}
for preset in ocr-0hu ocr-32hu; do
  net=${preset#ocr-}
  common=(--preset "$preset" --policy "$POLICY" --iterations "$N" --eval-every "$N" --threads 1 --quiet)
  "$BIN" train "${common[@]}" --out "$T/$net-a" > /dev/null; row "$net" no-mpi 1 5000 "$T/$net-a"
  mpirun --oversubscribe -n 1 "$BIN" train "${common[@]}" --out "$T/$net-b" > /dev/null; row "$net" mpirun 1 5000 "$T/$net-b"
  mpirun --oversubscribe -n 2 "$BIN" train "${common[@]}" --out "$T/$net-c" > /dev/null; row "$net" mpirun 2 5000 "$T/$net-c"
  "$BIN" train "${common[@]}" --batch 256 --out "$T/$net-d" > /dev/null; row "$net" one-chunk 1 256 "$T/$net-d"
  "$BIN" train --preset "gd-$preset" --batch 5000 --iterations 100 --eval-every 100 --threads 1 --quiet \
    --out "$T/$net-e" > /dev/null; row "$net" gd-step 1 5000 "$T/$net-e"
done
