#!/usr/bin/env bash
# Inputs that used to pass without a word (issue 18, kind 6): a gzip stream
# followed by trailing bytes is refused like a raw file with trailing bytes
# (several gzip members in a row still read); raw and .gz files both present
# with different contents are refused, naming both (identical ones read); a
# policy file that starts with a UTF-8 byte order mark reads; a checkpoint of
# another kind of run is named as such; flags that the chosen method does not
# use are refused.
# usage: bash tests/cli_oddities.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_oddities.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_oddities.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-odd-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"
cd "$SRC" || exit 1
GOLDEN=data/policies/authors-golden.tsv

# ---- IDX files: gzip trailing bytes, raw and .gz together ----
F="$T/ok"
mkdir -p "$F"
idx_set "$F" train 40
idx_set "$F" t10k 12
CLS=(classify --data fashion --n-valid 8 --batch 8 --net dense --epochs 1 --quiet)
case_dir() { rm -rf "$T/$1"; cp -r "$F" "$T/$1"; }

case_dir garbage
gzip -n "$T/garbage/train-labels-idx1-ubyte"
printf 'garbage' >>"$T/garbage/train-labels-idx1-ubyte.gz"
expect_err "gzip + trailing bytes" "train-labels-idx1-ubyte.gz: trailing bytes" \
  "$BIN" "${CLS[@]}" --data-dir "$T/garbage" --out "$T/o-garbage"
[ -f "$T/o-garbage/summary.json" ] && fail "gzip + trailing bytes: a finished-looking run"

case_dir members # two gzip members in a row: one stream to gzip itself
head -c 500 "$F/train-images-idx3-ubyte" | gzip -n >"$T/members/train-images-idx3-ubyte.gz"
tail -c +501 "$F/train-images-idx3-ubyte" | gzip -n >>"$T/members/train-images-idx3-ubyte.gz"
rm "$T/members/train-images-idx3-ubyte"
expect_ok "gzip members in a row" "$BIN" "${CLS[@]}" --data-dir "$T/members" --out "$T/o-members"

case_dir both-differ
idx_set "$T/both-differ" t10k 12 # other random images
gzip -n -c "$F/t10k-images-idx3-ubyte" >"$T/both-differ/t10k-images-idx3-ubyte.gz"
expect_err "raw and .gz differ" "t10k-images-idx3-ubyte.gz both exist and differ" \
  "$BIN" "${CLS[@]}" --data-dir "$T/both-differ" --out "$T/o-differ"

case_dir both-same
gzip -n -k "$T/both-same/t10k-images-idx3-ubyte"
expect_ok "raw and .gz the same" "$BIN" "${CLS[@]}" --data-dir "$T/both-same" --out "$T/o-same"

# ---- a policy file with a byte order mark ----
printf '\xef\xbb\xbf' >"$T/bom.tsv"
cat "$GOLDEN" >>"$T/bom.tsv"
"$BIN" policy show "$GOLDEN" >"$T/show.want" 2>&1
expect_ok "authors' table with a BOM" "$BIN" policy show "$T/bom.tsv" &&
  { cmp -s "$T/stdout" "$T/show.want" || fail "a BOM changed the table read"; }
expect_ok "import to synrl format" "$BIN" policy import "$GOLDEN" "$T/p.txt"
printf '\xef\xbb\xbf' >"$T/bom.txt"
cat "$T/p.txt" >>"$T/bom.txt"
expect_ok "synrl policy with a BOM" "$BIN" policy show "$T/bom.txt" &&
  { cmp -s "$T/stdout" "$T/show.want" || fail "a BOM changed the synrl table read"; }

# ---- a checkpoint of another kind of run ----
"$BIN" train --iterations 100000000 --points 60 --threads 1 --quiet --checkpoint-secs 0 \
  --checkpoint-every 100 --out "$T/tr" >/dev/null 2>&1 &
pid=$!
if wait_for "$T/tr/checkpoint.bin" $pid; then
  kill -INT $pid
  wait $pid
  expect_err "rl --resume of a train checkpoint" "a checkpoint of a different kind of run (synrl train)" \
    "$BIN" rl --preset cartpole-backprop --episodes 3 --quiet --resume "$T/tr"
  expect_err "classify --resume of a train checkpoint" "a checkpoint of a different kind of run (synrl train)" \
    "$BIN" "${CLS[@]}" --data-dir "$F" --resume "$T/tr"
else
  fail "the train run wrote no checkpoint"
fi
"$BIN" "${CLS[@]}" --data-dir "$F" --epochs 50 --checkpoint-every 1 --checkpoint-secs 0 --out "$T/cl" >/dev/null 2>&1 &
pid=$!
if wait_for "$T/cl/checkpoint.bin" $pid; then
  kill -INT $pid
  wait $pid
  expect_err "train --resume of a classify checkpoint" "a checkpoint of a different kind of run (synrl classify)" \
    "$BIN" train --iterations 3 --quiet --resume "$T/cl"
else
  kill -9 $pid 2>/dev/null
  fail "the classify run wrote no checkpoint"
fi

# ---- flags the method does not use ----
expect_err "--policy with --method gd" "--policy: not used by --method gd" \
  "$BIN" train --method gd --policy "$GOLDEN" --iterations 3 --quiet --out "$T/o-gd"
expect_err "--epsilon with --method gd" "--epsilon: not used by --method gd" \
  "$BIN" train --method gd --epsilon 0.1 --iterations 3 --quiet --out "$T/o-gd"
expect_err "--lr with synrl" "--lr: not used by --method synrl" \
  "$BIN" train --lr 0.1 --iterations 3 --quiet --out "$T/o-gd"
expect_ok "a gd preset's own settings" "$BIN" train --method gd --lr 0.1 --iterations 3 --quiet --out "$T/o-gd2"

echo "cli_oddities: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
