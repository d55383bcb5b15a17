#!/usr/bin/env bash
# Bit-for-bit guard: a fixed set of short runs covering every training path
# (2D adaptive/static, OCR 8-bit fast path and general path, GD, SGD, policy
# learning, every rl rule on CartPole, LunarLander, classify dense/conv/loccon
# with DeepAGREL and backprop, an MPI run). Each run's weight checksum (from
# its summary.json, or a hash of the file it writes) must equal the one in
# tests/checksums.txt, recorded before the training loops moved to src/train/.
# Usage: checksums.sh SYNRL_BIN SOURCE_DIR [--record]
set -u
BIN=$1
SRC=$2
RECORD=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$SRC" || exit 1
FASHION=/usr/share/datasets/fashion-mnist
out="$T/got.txt"
: >"$out"

# field NAME FILE KEY: the first JSON string value of KEY in FILE
field() {
  local v
  v=$(grep -oE "\"$3\":[[:space:]]*\"[0-9a-f]*\"" "$2" | head -1 | sed 's/.*"\([0-9a-f]*\)"$/\1/')
  echo "$1 ${v:-MISSING}" >>"$out"
}
run() { # NAME KEY CMD... : runs CMD (output folder $T/NAME), records KEY of its summary.json
  local name=$1 key=$2
  shift 2
  if ! "$@" --out "$T/$name" >"$T/$name.log" 2>&1; then
    echo "$name FAILED" >>"$out"
    sed 's/^/    /' "$T/$name.log" | tail -5 >&2
    return
  fi
  field "$name" "$T/$name/summary.json" "$key"
}
P=params_fnv1a64
TR=(--threads 1 --quiet)
run 2d-adaptive $P "$BIN" train --iterations 300 "${TR[@]}"
run 2d-static $P "$BIN" train --preset 2d-static --policy data/policies/authors-golden.tsv \
  --boundary-seed 7 --iterations 300 "${TR[@]}"
run 2d-static-2thr $P "$BIN" train --preset 2d-static --policy data/policies/authors-golden.tsv \
  --iterations 300 --threads 2 --quiet
run ocr0-q8 $P "$BIN" train --preset ocr-0hu --iterations 40 --eval-every 20 "${TR[@]}"
run ocr32-q8 $P "$BIN" train --preset ocr-32hu --iterations 40 --eval-every 20 "${TR[@]}"
run ocr32-general $P "$BIN" train --preset ocr-32hu --iterations 40 --eval-every 20 --path general "${TR[@]}"
run gd-ocr0 $P "$BIN" train --preset gd-ocr-0hu --iterations 5 --eval-every 5 "${TR[@]}"
run gd-ocr32 $P "$BIN" train --preset gd-ocr-32hu --iterations 5 --eval-every 5 "${TR[@]}"
run sgd-2d $P "$BIN" train --method gd --batch 32 --iterations 200 "${TR[@]}"
if "$BIN" policy learn --seed 1 --iterations 600 --task-iterations 200 --snapshot-every 300 --holdout-boundaries 2 --holdout-iterations 200 --image-iterations 20 --threads 1 --quiet \
  --out "$T/policy-learn" >"$T/pl.log" 2>&1; then
  echo "policy-learn $(sha256sum <"$T/policy-learn/best.txt" | cut -c1-16)" >>"$out"
else
  echo "policy-learn FAILED" >>"$out"
  tail -3 "$T/pl.log" >&2
fi
for m in reinforce weightmax weightmax-traces mapprop backprop ste; do
  run "rl-cartpole-$m" actor_fnv1a64 "$BIN" rl --preset "cartpole-$m" --episodes 6 --seed 2 --quiet
done
run rl-acrobot-mapprop actor_fnv1a64 "$BIN" rl --preset acrobot-mapprop --episodes 2 --quiet
run rl-mountaincar-weightmax actor_fnv1a64 "$BIN" rl --preset mountaincar-weightmax --episodes 1 --max-steps 60 --quiet
run rl-mux20-weightmax actor_fnv1a64 "$BIN" rl --preset multiplexer20-weightmax --episodes 300 --quiet
if "$BIN" rl --help 2>&1 | grep -q lunarlander; then
  run rl-lunarlander-weightmax actor_fnv1a64 "$BIN" rl --preset lunarlander-weightmax --episodes 2 --quiet
fi
CL=(--data fashion --data-dir "$FASHION" --n-train 256 --n-valid 64 --epochs 1 --quiet)
for net in dense conv loccon; do
  for rule in agrel backprop; do
    run "classify-$net-$rule" $P "$BIN" classify --net "$net" --rule "$rule" "${CL[@]}"
  done
done
if command -v mpirun >/dev/null && "$BIN" --version | grep -q "MPI: yes"; then
  run mpi-ocr32 $P mpirun --allow-run-as-root --oversubscribe -n 2 "$BIN" train --preset ocr-32hu \
    --iterations 40 --eval-every 20 "${TR[@]}"
fi

if [ "$RECORD" = --record ]; then
  cp "$out" tests/checksums.txt
  cat "$out"
  exit 0
fi
if diff -u tests/checksums.txt "$out"; then
  echo "checksums: $(wc -l <"$out") runs bit-identical"
  exit 0
fi
echo "FAIL: weight checksums differ from tests/checksums.txt (above)" >&2
exit 1
