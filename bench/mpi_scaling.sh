#!/usr/bin/env bash
# Data-parallel synaptic RL over MPI on this machine: iterations per second
# at P = 1 (no MPI), P = 1 and P = 2 (mpirun), and the bytes each process
# sends per iteration, for the paper's two OCR networks (batch 5000, 8-bit
# path). One thread per process, so P processes use P cores. Evaluation is
# left out of the timing (one evaluation at the end). Used by docs/mpi.md.
# usage: bench/mpi_scaling.sh [SYNRL_BINARY] [ITERATIONS]
set -euo pipefail
BIN=${1:-build/synrl}
N=${2:-3000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none
"$BIN" --version | grep -q "MPI: yes" || { echo "mpi_scaling: $BIN was built without MPI" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-mpib-XXXXXX")
trap 'rm -rf "$T"' EXIT
field() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1/summary.json"; }
echo "network,processes,launcher,iterations,seconds,iters_per_s,ms_per_iter,bytes_per_iter_per_process,params_fnv1a64"
for preset in ocr-0hu ocr-32hu; do
  for cfg in "1 none" "1 mpirun" "2 mpirun"; do
    set -- $cfg
    P=$1; how=$2; out="$T/$preset-$P-$how"
    args=(train --preset "$preset" --iterations "$N" --eval-every "$N" --threads 1 --quiet --out "$out")
    if [ "$how" = none ]; then "$BIN" "${args[@]}" > /dev/null
    else mpirun --oversubscribe -n "$P" "$BIN" "${args[@]}" > /dev/null; fi
    s=$(field "$out" seconds); it=$(field "$out" iterations); b=$(field "$out" bytes_sent_per_iteration)
    h=$(sed -n 's/.*"params_fnv1a64": "\([0-9a-f]*\)".*/\1/p' "$out/summary.json")
    python3 -c "print('$preset,$P,$how,$it,$s,%.1f,%.4f,$b,$h' % ($it/$s, 1e3*$s/$it))"
  done
done
