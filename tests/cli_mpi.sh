#!/usr/bin/env bash
# Data-parallel runs and sweeps over MPI (docs/mpi.md):
#  - `mpirun -n 2` and `mpirun -n 1` give exactly the single-process result
#    (weights byte for byte, every metric but the elapsed time), on the
#    general path (2D task) and, where Fashion-MNIST is installed, the 8-bit
#    path; for any --shards;
#  - a killed rank makes the job fail, with a message, instead of hanging;
#  - a killed 2-process run resumes from rank 0's checkpoint;
#  - bad --shards and bad grid files get one-line errors;
#  - a sweep gives the same cells with one process and with two.
# Without MPI in the build or without mpirun, only the parts that need
# neither run.
# usage: bash tests/cli_mpi.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_mpi.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_mpi.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-mpi-XXXXXX")
trap 'rm -rf "$T"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
. "$(dirname "$0")/common_cli.sh"

have_mpi=0
if command -v mpirun > /dev/null && "$BIN" --version | grep -q "MPI: yes"; then
  have_mpi=1
fi
# Under AddressSanitizer the MPI runs check memory errors but not leaks:
# Open MPI's plugins (dlopen'ed, then closed) keep allocations that LSan
# reports from unknown modules, so they cannot be suppressed by name. The
# single-process runs of this test keep the leak check.
MPIRUN=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" mpirun --oversubscribe)

# same RUN_A RUN_B: identical weights and metrics (the seconds column aside)
same() {
  checks=$((checks + 1))
  if ! cmp -s "$1/net.bin" "$2/net.bin"; then fail "$1 vs $2: net.bin differs"; return; fi
  if ! diff -q <(cut -d, -f1,3- "$1/metrics.csv") <(cut -d, -f1,3- "$2/metrics.csv") > /dev/null; then
    fail "$1 vs $2: metrics.csv differs"; return
  fi
  for k in train_acc valid_acc test_acc params_fnv1a64; do
    if [ "$(grep "\"$k\"" "$1/summary.json")" != "$(grep "\"$k\"" "$2/summary.json")" ]; then
      fail "$1 vs $2: $k differs"
    fi
  done
}

run2d=(train --iterations 300 --eval-every 100 --points 1900 --valid-points 600 --threads 1 --quiet)
"$BIN" "${run2d[@]}" --out "$T/one" > /dev/null || fail "single-process 2D run failed"
if [ $have_mpi = 1 ]; then
  "${MPIRUN[@]}" -n 2 "$BIN" "${run2d[@]}" --out "$T/two" > /dev/null || fail "mpirun -n 2 failed"
  same "$T/one" "$T/two"
  "${MPIRUN[@]}" -n 2 "$BIN" "${run2d[@]}" --shards 6 --out "$T/two6" > /dev/null 2> "$T/two6.err" ||
    fail "mpirun -n 2 --shards 6 failed: $(grep -v '^--' "$T/two6.err" | head -5)"
  same "$T/one" "$T/two6"
  "${MPIRUN[@]}" -n 1 "$BIN" "${run2d[@]}" --out "$T/mpi1" > /dev/null || fail "mpirun -n 1 failed"
  same "$T/one" "$T/mpi1"
  checks=$((checks + 1))
  grep -qE '"processes":[[:space:]]*2' "$T/two/summary.json" || fail "summary.json does not record 2 processes"
  FM=/usr/share/datasets/fashion-mnist
  if [ -f "$FM/train-images-idx3-ubyte.gz" ]; then
    img=(train --preset ocr-32hu --policy "$SRC/data/policies/authors-golden.tsv" --iterations 200
         --eval-every 100 --threads 1 --quiet)
    "$BIN" "${img[@]}" --out "$T/img1" > /dev/null || fail "single-process 8-bit run failed"
    "${MPIRUN[@]}" -n 2 "$BIN" "${img[@]}" --shards 4 --out "$T/img2" > /dev/null || fail "mpirun 8-bit run failed"
    same "$T/img1" "$T/img2"
  else
    echo "note: no Fashion-MNIST: the 8-bit path is not compared" >&2
  fi

  # a 2-process run killed after a checkpoint and resumed by 2 processes ends
  # as the single-process run does (rank 0 writes, every rank reads)
  checks=$((checks + 1))
  ck=(train --iterations 3000 --eval-every 100 --points 1900 --threads 1 --quiet --checkpoint-every 200)
  "$BIN" "${ck[@]}" --out "$T/ck1" > /dev/null || fail "single-process checkpointed run failed"
  "${MPIRUN[@]}" -n 2 "$BIN" "${ck[@]}" --out "$T/ck2" > /dev/null 2>&1 &
  job=$!
  for _ in $(seq 1 300); do [ -f "$T/ck2/checkpoint.bin" ] && break; sleep 0.1; done
  pkill -9 -f -- "--out $T/ck2" ; wait $job 2> /dev/null
  if [ -f "$T/ck2/summary.json" ]; then
    echo "note: the 2-process run finished before it could be killed" >&2
  elif [ -f "$T/ck2/checkpoint.bin" ]; then
    "${MPIRUN[@]}" -n 2 "$BIN" "${ck[@]}" --out "$T/ck2" --resume "$T/ck2" > /dev/null || fail "mpirun --resume failed"
    same "$T/ck1" "$T/ck2"
  else
    fail "the 2-process run wrote no checkpoint"
  fi

  # bad --shards: the number of processes must divide it
  checks=$((checks + 1))
  "${MPIRUN[@]}" -n 2 "$BIN" "${run2d[@]}" --shards 3 --out "$T/bad" > "$T/out" 2> "$T/err"
  rc=$?
  if [ $rc -eq 0 ] || ! grep -q -- "--shards 3" "$T/err"; then fail "--shards 3 with 2 processes: rc $rc"; fi
  [ -f "$T/bad/summary.json" ] && fail "--shards 3 left a summary"

  # a killed rank: the job must end (non-zero), not hang
  checks=$((checks + 1))
  "${MPIRUN[@]}" -n 2 "$BIN" train --iterations 100000000 --points 1900 --threads 1 --quiet \
    --out "$T/killed" > /dev/null 2> "$T/kerr" &
  job=$!
  victim=""
  for _ in $(seq 1 100); do
    for p in $(pgrep -f -- "--out $T/killed" || true); do
      if tr '\0' '\n' < /proc/$p/environ 2> /dev/null | grep -q '^OMPI_COMM_WORLD_RANK=1$'; then victim=$p; fi
    done
    [ -n "$victim" ] && break
    sleep 0.1
  done
  if [ -z "$victim" ]; then
    fail "could not find rank 1 of the job to kill"
    kill $job 2> /dev/null
  else
    sleep 1
    kill -9 "$victim"
    ( sleep 60; touch "$T/hung"; kill -9 $job 2> /dev/null ) &
    watchdog=$!
    wait $job
    rc=$?
    kill $watchdog 2> /dev/null
    if [ -f "$T/hung" ]; then fail "job with a killed rank hung (killed after 60 s)"
    elif [ $rc -eq 0 ]; then fail "job with a killed rank: exit status 0"; fi
    [ -f "$T/killed/summary.json" ] && fail "job with a killed rank left a summary"
    [ -s "$T/kerr" ] || fail "job with a killed rank printed no message"
  fi
fi

# sweeps: a 2 x 2 grid, one process (and two, with MPI)
cat > "$T/grid.txt" <<'G'
# two seeds x two step sizes
command = train --iterations 200 --eval-every 100 --points 1000 --valid-points 500 --threads 1
seed = 1 2
alpha-s = 1e-3 2e-3   # the last key varies fastest
G
"$BIN" sweep "$T/grid.txt" --out "$T/sw1" > "$T/sw1.out" 2> /dev/null || fail "sweep failed"
checks=$((checks + 1))
[ "$(grep -c ',ok$' "$T/sw1/sweep.csv" 2> /dev/null)" = 4 ] || fail "sweep.csv does not list 4 finished cells"
grep -q '^| 3 | 2 | 2e-3 |' "$T/sw1/sweep.md" || fail "sweep.md: cell 3 is not seed 2, alpha-s 2e-3"
"$BIN" train --iterations 200 --eval-every 100 --points 1000 --valid-points 500 --threads 1 \
  --seed 2 --alpha-s 1e-3 --quiet --out "$T/cell2" > /dev/null
same "$T/sw1/cell-0002" "$T/cell2"
if [ $have_mpi = 1 ]; then
  "${MPIRUN[@]}" -n 2 "$BIN" sweep "$T/grid.txt" --out "$T/sw2" > /dev/null 2>&1 || fail "mpirun sweep failed"
  for c in 0 1 2 3; do same "$T/sw1/cell-000$c" "$T/sw2/cell-000$c"; done
fi
# bad grids: one line naming the file (and line)
bad_grid() {
  checks=$((checks + 1))
  printf '%b' "$2" > "$T/bad.txt"
  "$BIN" sweep "$T/bad.txt" --out "$T/swbad" > /dev/null 2> "$T/err"
  local rc=$?
  if [ $rc -eq 0 ] || [ $rc -ge 128 ] || [ "$(wc -l < "$T/err")" != 1 ] || ! grep -q "bad.txt" "$T/err"; then
    fail "bad grid ($1): rc $rc: $(cat "$T/err")"
  fi
}
bad_grid "no command" 'seed = 1 2\n'
bad_grid "not train" 'command = eval x\n'
bad_grid "no values" 'command = train\nseed =\n'
bad_grid "bad key" 'command = train\nSeed = 1\n'
bad_grid "out in command" 'command = train --out x\n'
bad_grid "twice" 'command = train\nseed = 1\nseed = 2\n'
bad_grid "no equals" 'command = train\nseed 1 2\n'
bad_grid "binary" 'command = train\n\0\n'
checks=$((checks + 1))
"$BIN" sweep "$T/missing.txt" > /dev/null 2> "$T/err"
[ $? -ne 0 ] && grep -q "missing.txt" "$T/err" || fail "missing grid file"

echo "cli_mpi: $checks checks, $failures failures (MPI: $have_mpi)"
[ $failures -eq 0 ]
