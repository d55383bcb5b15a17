#!/usr/bin/env bash
# Drives the synrl binary with bad input: every case must exit non-zero (and
# below 128: no crash), with exactly one line on stderr naming the flag or
# file at fault, and must leave no output that looks complete. Then a few
# runs that must work: a short training run, policy import/show, --help, and
# eval reproducing the training run's accuracies.
#
# usage: bash tests/cli_badinput.sh PATH/TO/synrl SOURCE_DIR
set -u

BIN=${1:?usage: cli_badinput.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_badinput.sh SYNRL_BINARY SOURCE_DIR}
GOLDEN="$SRC/data/policies/authors-golden.tsv"
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/common_cli.sh"

# no_complete_output NAME DIR: a failed run left no summary.json or metrics.csv
no_complete_output() {
  local name=$1 dir=$2 f
  checks=$((checks + 1))
  for f in summary.json metrics.csv summary.json.tmp; do
    if [ -f "$dir/$f" ]; then fail "$name: failed run left $dir/$f"; fi
  done
}

# big-endian 32-bit integer as raw bytes
be32() {
  printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))"
  printf "\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"
}

# idx_images FILE N ROWS COLS: an IDX3 file of N ROWSxCOLS images
idx_images() {
  {
    printf '\x00\x00\x08\x03'
    be32 "$2"
    be32 "$3"
    be32 "$4"
    head -c $(($2 * $3 * $4)) /dev/zero | tr '\0' 'A'
  } >"$1"
}

# idx_labels FILE N [BYTES]: an IDX1 file with N declared labels
idx_labels() {
  {
    printf '\x00\x00\x08\x01'
    be32 "$2"
    printf "${3:-\\x00\\x01\\x02\\x03}"
  } >"$1"
}

# flip_byte FILE OFFSET
flip_byte() {
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\x$(printf %02x $((b ^ 0x55)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# truncate_by FILE N: drop the last N bytes
truncate_by() {
  local size
  size=$(wc -c <"$1")
  head -c $((size - $2)) "$1" >"$1.cut" && mv "$1.cut" "$1"
}

[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }
[ -f "$GOLDEN" ] || { echo "FAIL: $GOLDEN missing" >&2; exit 1; }

# ---------------- flags and commands ----------------
expect_err "unknown flag" "--frobnicate" "$BIN" train --frobnicate --out "$T/o-flag"
expect_err "unknown flag (eval)" "--frobnicate" "$BIN" eval --frobnicate 1
expect_err "unknown flag (policy show)" "--frobnicate" "$BIN" policy show "$GOLDEN" --frobnicate
expect_err "unknown command" "frobnicate" "$BIN" frobnicate
expect_err "unknown policy subcommand" "frobnicate" "$BIN" policy frobnicate
expect_err "bad number" "--iterations" "$BIN" train --iterations abc --out "$T/o-num"
expect_err "bad number, =form" "--iterations" "$BIN" train --iterations=12x --out "$T/o-num"
expect_err "number out of range" "--epsilon" "$BIN" train --epsilon 2 --out "$T/o-num"
expect_err "nan" "--epsilon" "$BIN" train --epsilon nan --out "$T/o-num"
expect_err "negative seed" "--seed" "$BIN" train --seed -1 --out "$T/o-num"
expect_err "negative seed (eval)" "--seed" "$BIN" eval --net "$T/none.bin" --seed -1
expect_err "negative iterations" "--iterations" "$BIN" train --iterations -5 --out "$T/o-num"
expect_err "huge iterations" "--iterations" "$BIN" train --iterations 99999999999999999999999 --out "$T/o-num"
expect_err "empty number" "--batch" "$BIN" train --batch "" --out "$T/o-num"
expect_err "bad choice" "--method" "$BIN" train --method sgd --out "$T/o-num"
expect_err "bad choice (task)" "--task" "$BIN" train --task mnist --out "$T/o-num"
expect_err "bad preset" "--preset" "$BIN" train --preset ocr-64hu --out "$T/o-num"
expect_err "hidden 0,x" "--hidden" "$BIN" train --hidden 0,x --out "$T/o-num"
expect_err "hidden 10,,5" "--hidden" "$BIN" train --hidden 10,,5 --out "$T/o-num"
expect_err "hidden -3" "--hidden" "$BIN" train --hidden -3 --out "$T/o-num"
expect_err "hidden too many" "--hidden" "$BIN" train --hidden 2,2,2,2,2,2,2,2 --out "$T/o-num"
expect_err "missing value at end" "--iterations" "$BIN" train --iterations
expect_err "missing value at end (eval)" "--net" "$BIN" eval --net
expect_err "flag given a value" "--quiet" "$BIN" train --quiet=yes --out "$T/o-num"
expect_err "stray argument" "stray" "$BIN" train stray --out "$T/o-num"
expect_err "eval without --net" "--net" "$BIN" eval
expect_err "static without policy" "--policy" "$BIN" train --policy-mode static --out "$T/o-num"
expect_err "softmax-ce on boundary2d" "--loss" "$BIN" train --loss softmax-ce --out "$T/o-num"
expect_err "q8 path on boundary2d" "--path" "$BIN" train --path q8-ref --iterations 1 --quiet --out "$T/o-path"
no_complete_output "bad flags" "$T/o-num"
no_complete_output "q8 path on boundary2d" "$T/o-path"
[ -e "$T/o-flag" ] && fail "unknown flag: created the output directory"

# ---------------- policy files ----------------
expect_err "policy missing" "$T/nope.txt" "$BIN" train --policy "$T/nope.txt" --out "$T/o-pol"
expect_ok "policy import" "$BIN" policy import "$GOLDEN" "$T/good.txt"
if [ -f "$T/good.txt" ]; then
  head -1 "$T/good.txt" | grep -q '^synrl-policy 1' || fail "policy import: no synrl-policy header"
  nstates=$(grep -cE '^[-0+] [-0+] [-?+] [-?+] ' "$T/good.txt")
  [ "$nstates" -eq 81 ] || fail "policy import: $nstates state lines, expected 81"
  # the imported file is itself accepted
  expect_ok "policy show imported" "$BIN" policy show "$T/good.txt"

  printf 'hello world\nthis is not a policy\n' >"$T/garbage.txt"
  printf '\x00\x01\x02\xff\xfe garbage\n' >"$T/binary.txt"
  : >"$T/empty.txt"
  # synrl format with one state missing (the last state line dropped)
  last=$(grep -nE '^[-0+] [-0+] [-?+] [-?+] ' "$T/good.txt" | tail -1 | cut -d: -f1)
  sed "${last}d" "$T/good.txt" >"$T/missing.txt"
  # a NaN Q value, an infinite one, a non-number
  awk 'BEGIN{d=0} /^[-0+] [-0+] [-?+] [-?+] / && !d {$5="nan"; d=1} {print}' "$T/good.txt" >"$T/nan.txt"
  awk 'BEGIN{d=0} /^[-0+] [-0+] [-?+] [-?+] / && !d {$6="inf"; d=1} {print}' "$T/good.txt" >"$T/inf.txt"
  awk 'BEGIN{d=0} /^[-0+] [-0+] [-?+] [-?+] / && !d {$7="1.5x"; d=1} {print}' "$T/good.txt" >"$T/word.txt"
  # a state listed twice (the second state line replaced by the first)
  awk 'BEGIN{n=0} /^[-0+] [-0+] [-?+] [-?+] / {n++; if (n==1) first=$0; if (n==2) {print first; next}} {print}' \
    "$T/good.txt" >"$T/dup.txt"
  # bad state symbols, too few fields
  awk 'BEGIN{d=0} /^[-0+] [-0+] [-?+] [-?+] / && !d {$1="x"; d=1} {print}' "$T/good.txt" >"$T/sym.txt"
  awk 'BEGIN{d=0} /^[-0+] [-0+] [-?+] [-?+] / && !d {$5=""; $6=""; d=1} {print}' "$T/good.txt" >"$T/short.txt"
  # the authors' table, cut short and with a code out of range
  head -n 100 "$GOLDEN" >"$T/authors-short.tsv"
  awk 'BEGIN{d=0} !/^#/ && !d {$1="4"; d=1} {print}' "$GOLDEN" >"$T/authors-code.tsv"
  awk 'BEGIN{d=0} !/^#/ && !d {$6="nan"; d=1} {print}' "$GOLDEN" >"$T/authors-nan.tsv"

  for f in garbage binary empty missing nan inf word dup sym short; do
    expect_err "policy $f (train)" "$T/$f.txt" "$BIN" train --policy "$T/$f.txt" --out "$T/o-pol"
    expect_err "policy $f (show)" "$T/$f.txt" "$BIN" policy show "$T/$f.txt"
  done
  for f in authors-short authors-code authors-nan; do
    expect_err "policy $f (train)" "$T/$f.tsv" "$BIN" train --policy "$T/$f.tsv" --policy-mode static --out "$T/o-pol"
    expect_err "policy $f (import)" "$T/$f.tsv" "$BIN" policy import "$T/$f.tsv" "$T/o-imported.txt"
    [ -e "$T/o-imported.txt" ] && fail "policy $f (import): wrote the output anyway"
  done
  expect_err "policy show: no file" "FILE" "$BIN" policy show
  expect_err "policy import: into a missing directory" "$T/no/dir/x.txt" "$BIN" policy import "$GOLDEN" "$T/no/dir/x.txt"
  no_complete_output "bad policies" "$T/o-pol"
fi

# ---------------- image data ----------------
# A tiny valid data set first, so that the failures below come from the
# damage done to it and not from the files' making.
mkdir -p "$T/img-ok"
idx_images "$T/img-ok/train-images-idx3-ubyte" 4 2 2
idx_labels "$T/img-ok/train-labels-idx1-ubyte" 4
IMGFLAGS=(--task images --n-images 4 --valid-frac 0 --iterations 2 --quiet)
expect_ok "tiny image set" "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/img-ok" --out "$T/o-img-ok"

mkcase() { # mkcase NAME: a copy of the valid set to damage
  rm -rf "$T/img-$1"
  cp -r "$T/img-ok" "$T/img-$1"
}
mkcase trunc
truncate_by "$T/img-trunc/train-images-idx3-ubyte" 1
mkcase magic
flip_byte "$T/img-magic/train-images-idx3-ubyte" 0
mkcase type
printf '\x0d' | dd of="$T/img-type/train-images-idx3-ubyte" bs=1 seek=2 conv=notrunc status=none
mkcase hdr
head -c 9 "$T/img-ok/train-images-idx3-ubyte" >"$T/img-hdr/train-images-idx3-ubyte"
mkcase trail
printf 'X' >>"$T/img-trail/train-labels-idx1-ubyte"
mkcase empty
: >"$T/img-empty/train-labels-idx1-ubyte"
mkcase count
idx_labels "$T/img-count/train-labels-idx1-ubyte" 3 '\x00\x01\x02'
mkcase label
idx_labels "$T/img-label/train-labels-idx1-ubyte" 4 '\x00\x01\x0a\x03'
mkcase gz
gzip -n -9 "$T/img-gz/train-images-idx3-ubyte" # replaced by .gz
gzsize=$(wc -c <"$T/img-gz/train-images-idx3-ubyte.gz")
flip_byte "$T/img-gz/train-images-idx3-ubyte.gz" $((gzsize / 2))
flip_byte "$T/img-gz/train-images-idx3-ubyte.gz" $((gzsize / 2 + 1))
mkcase gzcut
gzip -n -9 "$T/img-gzcut/train-labels-idx1-ubyte"
truncate_by "$T/img-gzcut/train-labels-idx1-ubyte.gz" 6
mkcase gzdata # a valid gzip stream of a file whose data is short
truncate_by "$T/img-gzdata/train-images-idx3-ubyte" 3
gzip -n -9 "$T/img-gzdata/train-images-idx3-ubyte"
mkcase test # the official test files are read too
idx_images "$T/img-test/t10k-images-idx3-ubyte" 2 2 2
idx_labels "$T/img-test/t10k-labels-idx1-ubyte" 2 '\x00'
mkcase testshape
idx_images "$T/img-testshape/t10k-images-idx3-ubyte" 2 3 3
idx_labels "$T/img-testshape/t10k-labels-idx1-ubyte" 2 '\x00\x01'

for c in trunc magic type hdr gz gzdata; do
  f=$(ls "$T/img-$c"/train-images-idx3-ubyte* | head -1)
  expect_err "images: $c" "$f" "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/img-$c" --out "$T/o-img-$c"
  no_complete_output "images: $c" "$T/o-img-$c"
done
for c in trail empty count label gzcut; do
  f=$(ls "$T/img-$c"/train-labels-idx1-ubyte* | head -1)
  expect_err "labels: $c" "$f" "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/img-$c" --out "$T/o-img-$c"
  no_complete_output "labels: $c" "$T/o-img-$c"
done
expect_err "t10k truncated" "$T/img-test/t10k-labels-idx1-ubyte" \
  "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/img-test" --out "$T/o-img-test"
expect_err "t10k image size" "$T/img-testshape/t10k-images-idx3-ubyte" \
  "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/img-testshape" --out "$T/o-img-testshape"
expect_err "n-images above the count" "$T/img-ok/train-images-idx3-ubyte" \
  "$BIN" train --task images --n-images 5 --iterations 1 --quiet --data-dir "$T/img-ok" --out "$T/o-img-n"
expect_err "batch above the training set" "--batch" \
  "$BIN" train "${IMGFLAGS[@]}" --batch 10 --data-dir "$T/img-ok" --out "$T/o-img-b"
mkdir -p "$T/img-none"
expect_err "data dir without files" "--data-dir" "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/img-none" --out "$T/o-img-none"
expect_err "data dir missing" "--data-dir" "$BIN" train "${IMGFLAGS[@]}" --data-dir "$T/no-such-dir" --out "$T/o-img-none"
expect_err "eval: corrupt images" "$T/img-trunc/train-images-idx3-ubyte" \
  "$BIN" eval --net "$T/o-img-ok/net.bin" --task images --n-images 4 --valid-frac 0 --data-dir "$T/img-trunc"
for d in "$T"/o-img-*; do
  [ "$d" = "$T/o-img-ok" ] || no_complete_output "images" "$d"
done

# ---------------- a failure after training ----------------
# The output files cannot be written: the run fails, and what it leaves does
# not look like a finished run (no summary.json, no metrics.csv), also when an
# earlier finished run used the same directory.
mkdir -p "$T/o-late/net.bin"
expect_err "net.bin not writable" "net.bin" "$BIN" train --iterations 3 --points 50 --valid-points 10 --quiet --out "$T/o-late"
no_complete_output "net.bin not writable" "$T/o-late"
if expect_ok "rerun: first run" "$BIN" train --iterations 3 --points 50 --valid-points 10 --quiet --out "$T/o-rerun"; then
  [ -f "$T/o-rerun/summary.json" ] || fail "rerun: first run wrote no summary.json"
  cp "$T/o-rerun/summary.json" "$T/o-rerun.summary"
  rm -f "$T/o-rerun/policy.txt"
  mkdir "$T/o-rerun/policy.txt"
  # the new run fails; the finished run it was to replace comes back whole
  expect_err "rerun: policy.txt not writable" "policy.txt" \
    "$BIN" train --iterations 3 --points 50 --valid-points 10 --quiet --out "$T/o-rerun" --overwrite
  cmp -s "$T/o-rerun/summary.json" "$T/o-rerun.summary" || fail "rerun: the earlier run's summary.json was not kept"
  [ -e "$T/o-rerun/.previous" ] && fail "rerun: .previous left after a failed run"
fi
expect_err "out under a file" "--out" "$BIN" train --iterations 1 --quiet --out "$GOLDEN/sub"

# ---------------- network files for eval ----------------
OUT="$T/run"
SEED=7
if expect_ok "train 50 iterations" "$BIN" train --iterations 50 --seed $SEED --out "$OUT" --quiet; then
  [ -s "$T/stderr" ] && fail "train --quiet wrote to stderr: $(head -3 "$T/stderr")"
  for f in metrics.csv net.bin policy.txt target.bin summary.json; do
    [ -s "$OUT/$f" ] || fail "train: $OUT/$f missing or empty"
  done
  head -1 "$OUT/metrics.csv" | grep -q '^step,seconds,batch_loss,reward_rate,train_loss,train_acc,valid_loss,valid_acc$' ||
    fail "metrics.csv: not the agreed header: $(head -1 "$OUT/metrics.csv")"
  tail -1 "$OUT/metrics.csv" | grep -q '^50,' || fail "metrics.csv: last row is not iteration 50"
  # summary.json: the common head, the settings that rebuild the task, results as fractions
  checks=$((checks + 1))
  python3 - "$OUT/summary.json" $SEED <<'PY' || fail "summary.json: $(cat "$OUT/summary.json" | head -c 300)"
import json, sys
d = json.load(open(sys.argv[1]))
seed = int(sys.argv[2])
assert d["kind"] == "train" and d["metrics_step"] == "iteration", "kind/metrics_step"
assert d["iterations"] == 50 and d["seed"] == seed, "iterations/seed"
assert d["command_line"][:2] == ["synrl", "train"] and "--seed" in d["command_line"], "command line"
st = d["settings"]
for k in ("task", "hidden", "act", "loss", "init-range", "boundary-seed", "points", "valid-points",
          "data-dir", "split-seed", "epsilon", "alpha-s", "policy-mode"):
    assert k in st, "setting " + k
assert st["boundary_seed_used"] == str(seed), "boundary_seed_used"
assert st["epsilon"] == "0.25" and st["alpha-s"] == "0.001", "shortest numbers"
assert "data0_fnv1a64" in st and st["data0_n"] == "2000", "data lines"
assert 0 <= d["train_acc"] <= 1 and 0 <= d["valid_acc"] <= 1, "fractions"
assert len(d["params_fnv1a64"]) == 16
PY
  ls "$OUT" | grep -q '\.tmp' && fail "train left temporary files: $(ls "$OUT")"

  # eval reproduces the accuracies and losses of the run
  if expect_ok "eval" "$BIN" eval --net "$OUT/net.bin" --seed $SEED; then
    cp "$T/stdout" "$T/eval.csv"
    for split in train valid; do
      read -r acc_sum loss_sum < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.6f %.10g' % (d[sys.argv[2]+'_acc'], d[sys.argv[2]+'_loss']))" "$OUT/summary.json" $split)
      acc_eval=$(awk -F, -v s=$split '$1 == s {print $4}' "$T/eval.csv")
      loss_eval=$(awk -F, -v s=$split '$1 == s {print $3}' "$T/eval.csv")
      if [ -z "$acc_sum" ] || [ -z "$acc_eval" ]; then
        fail "eval: no $split accuracy (summary '$acc_sum', eval '$acc_eval')"
        continue
      fi
      [ "$acc_sum" = "$acc_eval" ] || fail "eval: $split accuracy $acc_eval, summary.json $acc_sum"
      [ "$loss_sum" = "$loss_eval" ] || fail "eval: $split loss $loss_eval, summary.json $loss_sum"
    done
    grep -q '^train,2000,' "$T/eval.csv" || fail "eval: no train row with 2000 examples: $(cat "$T/eval.csv")"
  fi
  # eval of the target network gives zero loss and full accuracy
  if expect_ok "eval target" "$BIN" eval --net "$OUT/target.bin" --seed $SEED; then
    # (the targets were computed in one block of rows, eval goes in chunks:
    # allow for rounding)
    awk -F, '$1 == "train" && $2 == 2000 && $3 < 1e-9 && $4 >= 0.999 {ok = 1} END {exit !ok}' \
      "$T/stdout" || fail "eval target: $(cat "$T/stdout")"
  fi

  # broken network files
  cp "$OUT/net.bin" "$T/flip.bin"
  flip_byte "$T/flip.bin" 40
  cp "$OUT/net.bin" "$T/cut.bin"
  truncate_by "$T/cut.bin" 9
  printf 'SYNRLNET' >"$T/short.bin"
  : >"$T/empty.bin"
  head -c 3000 "$GOLDEN" >"$T/text.bin"
  cp "$OUT/metrics.csv" "$T/csv.bin"
  for f in flip cut short empty text csv; do
    expect_err "eval: net $f" "$T/$f.bin" "$BIN" eval --net "$T/$f.bin" --seed $SEED
  done
  expect_err "eval: net missing" "$T/none.bin" "$BIN" eval --net "$T/none.bin"
  expect_err "eval: net is a directory" "$OUT" "$BIN" eval --net "$OUT"
  expect_err "eval: net of another task" "--net" "$BIN" eval --net "$OUT/net.bin" --task images \
    --n-images 4 --valid-frac 0 --data-dir "$T/img-ok"
  expect_err "eval: bad hidden" "--hidden" "$BIN" eval --net "$OUT/net.bin" --hidden 1,a
fi

# ---------------- policy import/show, help ----------------
if expect_ok "policy import golden" "$BIN" policy import "$GOLDEN" "$T/golden.txt"; then
  if expect_ok "policy show" "$BIN" policy show "$T/golden.txt"; then
    grep -q 'greedy action per state' "$T/stdout" || fail "policy show: no table"
    [ "$(grep -c '|' "$T/stdout")" -ge 10 ] || fail "policy show: table too short"
  fi
  if expect_ok "policy show --q" "$BIN" policy show "$T/golden.txt" --q; then
    grep -q 'Q(-)' "$T/stdout" || fail "policy show --q: no Q values"
  fi
  expect_ok "policy show authors' table" "$BIN" policy show "$GOLDEN"
  # the written policy is read by train
  expect_ok "train with imported policy" "$BIN" train --policy "$T/golden.txt" --policy-mode static \
    --iterations 2 --points 20 --valid-points 0 --quiet --out "$T/o-static"
fi

if expect_ok "train --help" "$BIN" train --help; then
  grep -q 'default in brackets' "$T/stdout" || fail "train --help: no defaults"
  grep -qE -- '--iterations .*\[10000\]' "$T/stdout" || fail "train --help: no --iterations default"
  grep -qE -- '--epsilon .*\[0\.25\]' "$T/stdout" || fail "train --help: no --epsilon default"
  grep -qE -- '--seed .*\[1\]' "$T/stdout" || fail "train --help: no --seed default"
  [ -s "$T/stderr" ] && fail "train --help wrote to stderr"
fi
if expect_ok "eval --help" "$BIN" eval --help; then
  grep -q 'default in brackets' "$T/stdout" || fail "eval --help: no defaults"
  grep -qE -- '--net .*\[none\]' "$T/stdout" || fail "eval --help: no --net line"
  grep -qE -- '--task .*\[boundary2d\]' "$T/stdout" || fail "eval --help: no --task default"
fi
if expect_ok "policy --help" "$BIN" policy --help; then
  grep -q 'policy show' "$T/stdout" && grep -q 'policy import' "$T/stdout" || fail "policy --help: no usage"
fi
if expect_ok "policy show --help" "$BIN" policy show --help; then
  grep -qE -- '--q .*\[off\]' "$T/stdout" || fail "policy show --help: no --q default"
fi
expect_ok "synrl --help" "$BIN" --help
expect_ok "synrl --version" "$BIN" --version
# --help wins over bad flags given with it
expect_ok "train --help with a bad flag" "$BIN" train --iterations abc --help
# every policy subcommand answers --help with exit 0
for sub in show import learn compare; do
  if expect_ok "policy $sub --help" "$BIN" policy $sub --help; then
    grep -q "usage: synrl policy $sub" "$T/stdout" || fail "policy $sub --help: no usage line"
  fi
done

# ---------------- friction ----------------
# no command: usage on stderr, exit 2, and no run started
checks=$((checks + 1))
BIN_ABS=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
(cd "$T" && "$BIN_ABS" >"$T/stdout" 2>"$T/stderr")
rc=$?
[ $rc -eq 2 ] || fail "synrl without a command: exit $rc, expected 2"
grep -q 'usage: synrl COMMAND' "$T/stderr" || fail "synrl without a command: no usage on stderr"
[ -e "$T/runs" ] && fail "synrl without a command started a run"
# integers written with an exponent: exact ones are accepted, others refused
if expect_ok "--iterations 1e2" "$BIN" train --iterations 1e2 --eval-every 5e1 --points 1e2 --valid-points 0 --quiet --out "$T/o-exp"; then
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['iterations'] == 100 and d['settings']['eval-every'] == '50'" \
    "$T/o-exp/summary.json" || fail "--iterations 1e2: not 100 iterations"
fi
expect_err "--iterations 1.5" "--iterations: '1.5' is not an integer" "$BIN" train --iterations 1.5 --out "$T/o-num"
expect_err "--iterations 2.5e0" "not an integer" "$BIN" train --iterations 2.5e0 --out "$T/o-num"
expect_err "--seed 1e30" "--seed" "$BIN" train --seed 1e30 --out "$T/o-num"
expect_err "--iterations 1e13" "out of range" "$BIN" train --iterations 1e13 --out "$T/o-num"
expect_err "--iterations 0x10" "--iterations" "$BIN" train --iterations 0x10 --out "$T/o-num"
no_complete_output "integers with exponents" "$T/o-num"
# doubles print shortest: 0.1, not 0.10000000000000001
if expect_ok "train --help (numbers)" "$BIN" train --help; then
  grep -qE -- '--lr .*\[0\.1\]' "$T/stdout" || fail "train --help: lr not printed as 0.1"
  grep -q '0000000' "$T/stdout" && fail "train --help: a long number: $(grep '0000000' "$T/stdout")"
fi
expect_err "range message" "[0, 1]" "$BIN" train --epsilon 1.5 --out "$T/o-num"

echo "cli_badinput: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
