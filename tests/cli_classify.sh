#!/usr/bin/env bash
# synrl classify on tiny data sets this script makes (MNIST-JSON digits and
# Fashion-style IDX files): short runs of every network and rule with their
# outputs checked, determinism of a seed, and bad flags and files (one-line
# error naming the flag or file, exit status 1..127, no finished-looking output).
#
# usage: bash tests/cli_classify.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_classify.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-cls-XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C
. "$(dirname "$0")/common_cli.sh"

no_complete_output() { # NAME DIR
  checks=$((checks + 1))
  for f in summary.json metrics.csv net.bin; do
    [ -f "$2/$f" ] && fail "$1: failed run left $2/$f"
  done
  return 0
}

M="$T/mnist" # the tiny MNIST-JSON set (common_cli.sh)
mnist_json_set "$M"
SMALL=(--data mnist10k --data-dir "$M" --n-valid 10 --n-test 10 --batch 16 --quiet)
# key KEY VALUE FILE: summary.json has "KEY": VALUE (cJSON prints a tab after the colon)
key() { grep -qE "^[[:space:]]*\"$1\":[[:space:]]*$2,?\$" "$3"; }

for net in dense conv loccon; do
  for rule in agrel backprop; do
    O="$T/o-$net-$rule"
    if expect_ok "$net $rule" "$BIN" classify --net $net --rule $rule --epochs 2 "${SMALL[@]}" --out "$O"; then
      for f in metrics.csv summary.json net.bin; do [ -s "$O/$f" ] || fail "$net $rule: no $f"; done
      [ "$(wc -l <"$O/metrics.csv")" -eq 3 ] || fail "$net $rule: metrics.csv has $(wc -l <"$O/metrics.csv") lines"
      head -1 "$O/metrics.csv" | grep -qx 'step,seconds,lr,train_loss,train_acc,valid_acc' ||
        fail "$net $rule: metrics.csv header: $(head -1 "$O/metrics.csv")"
      key rule "\"$rule\"" "$O/summary.json" || fail "$net $rule: summary rule"
      key kind '"classify"' "$O/summary.json" || fail "$net $rule: summary kind"
      key metrics_step '"epoch"' "$O/summary.json" || fail "$net $rule: summary metrics_step"
      key epochs 2 "$O/summary.json" || fail "$net $rule: summary epochs"
      key train_examples 60 "$O/summary.json" || fail "$net $rule: summary train_examples"
      key test_acc '(0(\.[0-9]+)?|1)' "$O/summary.json" || fail "$net $rule: no test_acc fraction"
      key '(digits-dir|data-dir)' "\"$M\"" "$O/summary.json" || fail "$net $rule: data folder not recorded"
      ls "$O" | grep -q tmp && fail "$net $rule: temporary files left: $(ls "$O")"
    fi
  done
done
key batch 16 "$T/o-loccon-agrel/summary.json" || fail "loccon: --batch not applied"
grep -q 'local32k3s1valid' "$T/o-loccon-agrel/summary.json" || fail "loccon: no locally connected layer"

# the dense net learns the bars (10 classes, chance 10%)
if expect_ok "dense backprop learns" "$BIN" classify --net dense --rule backprop --epochs 8 --patience 0 "${SMALL[@]}" --out "$T/o-learn"; then
  awk -F':[[:space:]]*' '/"best_valid_acc"/ {gsub(",", "", $2); exit !($2 >= 0.5)}' "$T/o-learn/summary.json" ||
    fail "dense backprop: $(grep valid_acc "$T/o-learn/summary.json")"
fi

# a seed fixes the run; another seed changes it
sum() { sed -n 's/.*"params_fnv1a64":[[:space:]]*"\(.*\)".*/\1/p' "$1/summary.json"; }
expect_ok "repeat" "$BIN" classify --net conv --rule agrel --epochs 2 --seed 3 "${SMALL[@]}" --out "$T/r1"
expect_ok "repeat" "$BIN" classify --net conv --rule agrel --epochs 2 --seed 3 "${SMALL[@]}" --out "$T/r2"
expect_ok "other seed" "$BIN" classify --net conv --rule agrel --epochs 2 --seed 4 "${SMALL[@]}" --out "$T/r3"
[ -n "$(sum "$T/r1")" ] && [ "$(sum "$T/r1")" = "$(sum "$T/r2")" ] || fail "seed 3 twice: $(sum "$T/r1") vs $(sum "$T/r2")"
[ "$(sum "$T/r1")" != "$(sum "$T/r3")" ] || fail "seeds 3 and 4 gave the same weights"
expect_ok "independent feedback" "$BIN" classify --net dense --fb-init independent --epochs 1 "${SMALL[@]}" --out "$T/o-fb"
key fb_init '"independent"' "$T/o-fb/summary.json" || fail "fb-init not recorded"
expect_ok "preset" "$BIN" classify --preset mnist-dense --epochs 1 "${SMALL[@]}" --out "$T/o-preset"
key net '"dense"' "$T/o-preset/summary.json" || fail "--preset mnist-dense did not pick dense"
key init_sd 0.01 "$T/o-preset/summary.json" || fail "--preset mnist-dense: init_sd"

expect_ok "arch code" "$BIN" classify --net loccon --arch code --epochs 1 "${SMALL[@]}" --out "$T/o-code"
grep -q 'local32k3s2valid' "$T/o-code/summary.json" || fail "--arch code: loccon's second layer is not locally connected"
key arch '"code"' "$T/o-code/summary.json" || fail "--arch not recorded"

# ---- tiny Fashion-style IDX set
F="$T/fashion"
mkdir -p "$F"
idx_set "$F" train 40
idx_set "$F" t10k 12
gzip -k "$F/t10k-images-idx3-ubyte"
rm "$F/t10k-images-idx3-ubyte"
if expect_ok "fashion dense" "$BIN" classify --data fashion --data-dir "$F" --n-valid 8 --batch 8 --net dense --epochs 1 --quiet --out "$T/o-f"; then
  key test_examples 12 "$T/o-f/summary.json" || fail "fashion: test set"
  key train_examples 32 "$T/o-f/summary.json" || fail "fashion: train set"
  # the files read, raw or compressed as they were found
  key test-images "\"$F/t10k-images-idx3-ubyte.gz\"" "$T/o-f/summary.json" || fail "fashion: test images file not recorded"
  key train-images "\"$F/train-images-idx3-ubyte\"" "$T/o-f/summary.json" || fail "fashion: train images file not recorded"
fi

# ---- bad flags and files
B=(classify "${SMALL[@]}" --epochs 1)
expect_err "net" "--net" "$BIN" "${B[@]}" --net resnet
expect_err "rule" "--rule" "$BIN" "${B[@]}" --rule hebb
expect_err "data" "--data" "$BIN" "${B[@]}" --data cifar100
expect_err "preset" "--preset" "$BIN" "${B[@]}" --preset mnist-huge
expect_err "preset vs net" "--preset" "$BIN" "${B[@]}" --preset mnist-conv --net dense
expect_err "epochs 0" "--epochs" "$BIN" "${B[@]}" --epochs 0
expect_err "epochs word" "--epochs" "$BIN" "${B[@]}" --epochs ten
expect_err "patience" "--patience" "$BIN" "${B[@]}" --patience -1
expect_err "lr" "--lr" "$BIN" "${B[@]}" --lr 0
expect_err "lr nan" "--lr" "$BIN" "${B[@]}" --lr nan
expect_err "epsilon" "--epsilon" "$BIN" "${B[@]}" --epsilon 1.5
expect_err "temperature" "--temperature" "$BIN" "${B[@]}" --temperature 0
expect_err "seed" "--seed" "$BIN" "${B[@]}" --seed -3
expect_err "bn momentum" "--bn-momentum" "$BIN" "${B[@]}" --bn-momentum 1
expect_err "fb init" "--fb-init" "$BIN" "${B[@]}" --fb-init random
expect_err "arch" "--arch" "$BIN" "${B[@]}" --arch keras
expect_err "unknown" "--layers" "$BIN" "${B[@]}" --layers 3
expect_err "missing value" "--seed" "$BIN" "${B[@]}" --seed
expect_err "batch too big" "--batch" "$BIN" "${B[@]}" --batch 500
expect_err "n-train too big" "--n-train" "$BIN" "${B[@]}" --n-train 61
expect_err "n-train negative" "--n-train" "$BIN" "${B[@]}" --n-train -5
if expect_ok "n-train" "$BIN" classify "${SMALL[@]}" --net dense --epochs 1 --n-train 20 --out "$T/o-nt"; then
  key train_examples 20 "$T/o-nt/summary.json" || fail "n-train: summary train_examples"
fi
expect_err "split too big" "--n-valid" "$BIN" classify --data mnist10k --data-dir "$M" --n-valid 50 --n-test 40 --quiet --epochs 1
expect_err "fashion n-test" "--n-test" "$BIN" classify --data fashion --data-dir "$F" --n-test 5 --quiet
expect_err "no data dir" "$T/none" "$BIN" classify --data-dir "$T/none" --quiet --epochs 1
expect_err "fashion dir without files" "--data-dir" "$BIN" classify --data fashion --data-dir "$M" --quiet
touch "$T/afile"
expect_err "out under a file" "--out" "$BIN" "${B[@]}" --out "$T/afile/sub"
expect_err "positional" "stray" "$BIN" "${B[@]}" stray

mk_bad() { # NAME: a copy of the good set to damage (4.json)
  rm -rf "$T/bad-$1"
  cp -r "$M" "$T/bad-$1"
}
mk_bad trunc
truncate -s -10 "$T/bad-trunc/4.json"
mk_bad value
sed -i 's/0.9/9.9/' "$T/bad-value/4.json"
mk_bad garbage
printf 'not json at all' >"$T/bad-garbage/4.json"
mk_bad missing
rm "$T/bad-missing/4.json"
mk_bad count
sed -i 's/\]}$/,0.5]}/' "$T/bad-count/4.json"
for c in trunc value garbage missing count; do
  expect_err "json $c" "$T/bad-$c/4.json" "$BIN" classify --data mnist10k --data-dir "$T/bad-$c" --n-valid 10 --n-test 10 --quiet --epochs 1 --out "$T/o-bad-$c"
  no_complete_output "json $c" "$T/o-bad-$c"
done
cp -r "$F" "$T/fbad"
truncate -s -3 "$T/fbad/train-images-idx3-ubyte"
expect_err "idx truncated" "$T/fbad/train-images-idx3-ubyte" "$BIN" classify --data fashion --data-dir "$T/fbad" --quiet --n-valid 8 --out "$T/o-fbad"
no_complete_output "idx truncated" "$T/o-fbad"

# exit statuses (docs/bad-inputs.md): 1 for a bad data file, 2 for a bad flag
rc_is() { # NAME WANT CMD...
  local name=$1 want=$2
  shift 2
  checks=$((checks + 1))
  "$@" >/dev/null 2>&1 </dev/null
  local rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit status $rc, expected $want"
}
rc_is "bad IDX file" 1 "$BIN" classify --data fashion --data-dir "$T/fbad" --quiet --n-valid 8
rc_is "bad JSON file" 1 "$BIN" classify --data mnist10k --data-dir "$T/bad-trunc" --n-valid 10 --n-test 10 --quiet --epochs 1
rc_is "folder without the IDX files" 1 "$BIN" classify --data fashion --data-dir "$M" --quiet
rc_is "split too big" 2 "$BIN" classify --data mnist10k --data-dir "$M" --n-valid 50 --n-test 40 --quiet --epochs 1
rc_is "bad --net" 2 "$BIN" "${B[@]}" --net resnet

# no flags: the default preset, on the Fashion-MNIST that setup installs, at
# the settings under which DeepAGREL learns there (a short run of it)
FASHION=/usr/share/datasets/fashion-mnist
if [ -f "$FASHION/t10k-labels-idx1-ubyte.gz" ] || [ -f "$FASHION/t10k-labels-idx1-ubyte" ]; then
  if expect_ok "default" "$BIN" classify --n-train 256 --n-valid 64 --epochs 1 --quiet --out "$T/o-default"; then
    S="$T/o-default/summary.json"
    key preset '"fashion-conv"' "$S" || fail "default: preset"
    key data '"fashion"' "$S" || fail "default: data"
    key data-dir "\"$FASHION\"" "$S" || fail "default: data folder"
    key lr 0.05 "$S" || fail "default: lr"
    key bn_momentum 0.9 "$S" || fail "default: bn momentum"
    grep -qE '"train-images":[[:space:]]*"'"$FASHION"'/train-images-idx3-ubyte(\.gz)?"' "$S" || fail "default: file read not recorded"
  fi
else
  echo "skip: the default run ($FASHION not installed)"
fi

# a rerun (--overwrite) whose net.bin cannot be written fails; the earlier
# run it was to replace stays whole
O="$T/o-dense-agrel"
cp "$O/summary.json" "$T/o-dense-agrel.summary"
rm -f "$O/net.bin"
mkdir "$O/net.bin"
touch "$O/net.bin/keep"
expect_err "net.bin not writable" "net.bin" "$BIN" "${B[@]}" --out "$O" --overwrite
cmp -s "$O/summary.json" "$T/o-dense-agrel.summary" || fail "unwritable net.bin: the earlier run was not kept"

if expect_ok "help" "$BIN" classify --help; then
  grep -qE -- '--net dense\|conv\|loccon .*\[conv\]' "$T/stdout" || fail "help: no --net default"
  grep -qE -- '--epsilon .*\[0\.02\]' "$T/stdout" || fail "help: no --epsilon default"
fi
expect_ok "synrl --help lists classify" "$BIN" --help && grep -q classify "$T/stdout" || fail "usage lacks classify"

echo "cli_classify: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
