#!/usr/bin/env bash
# Outputs and inputs that are not plain files (issue 18, kind 2): an output
# that is a symbolic link, a FIFO or a device is refused and left as it was
# (not replaced by a regular file), as is an output that is the command's
# own input; an input that is a FIFO (IDX data, a policy file) is refused at
# once instead of waiting forever for a writer.
# usage: bash tests/cli_special_files.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_special_files.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_special_files.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-special-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"
cd "$SRC" || exit 1
GOLDEN=data/policies/authors-golden.tsv
# a FIFO must be refused, not waited on: a run still there after 20 s failed
W=(timeout 20)

# ---- outputs ----
expect_ok "a network to export" "$BIN" train --iterations 5 --points 40 --threads 1 --quiet --out "$T/run"
mkfifo "$T/fifo"
ln -s "$T/target.txt" "$T/link"
cp "$GOLDEN" "$T/in.tsv"
for sub in "policy import $GOLDEN" "export $T/run"; do
  # shellcheck disable=SC2086
  expect_err "$sub into a symbolic link" "symbolic link" "${W[@]}" "$BIN" $sub "$T/link"
  [ -L "$T/link" ] && [ ! -e "$T/target.txt" ] || fail "$sub: the link was replaced or followed"
  # shellcheck disable=SC2086
  expect_err "$sub into a FIFO" "not a regular file" "${W[@]}" "$BIN" $sub "$T/fifo"
  [ -p "$T/fifo" ] || fail "$sub: the FIFO was replaced"
  if [ -c /dev/null ]; then
    # shellcheck disable=SC2086
    expect_err "$sub into a device" "not a regular file" "${W[@]}" "$BIN" $sub /dev/null
    [ -c /dev/null ] || fail "$sub: /dev/null is no longer a device"
  fi
done
expect_err "policy import into its own input" "the output is the input" "$BIN" policy import "$T/in.tsv" "$T/in.tsv"
cmp -s "$T/in.tsv" "$GOLDEN" || fail "policy import X X changed X"
expect_err "export into its own input" "the output is the input" "$BIN" export "$T/run/net.bin" "$T/run/net.bin"

# ---- inputs ----
F="$T/fashion"
mkdir -p "$F"
idx_set "$F" train 40
idx_set "$F" t10k 12
CLS=(classify --data fashion --data-dir "$F" --n-valid 8 --batch 8 --net dense --epochs 1 --quiet)
expect_ok "the data set reads" "$BIN" "${CLS[@]}" --out "$T/o-ok"
rm "$F/train-labels-idx1-ubyte"
mkfifo "$F/train-labels-idx1-ubyte"
expect_err "IDX input a FIFO" "train-labels-idx1-ubyte: not a regular file" "${W[@]}" "$BIN" "${CLS[@]}" --out "$T/o-fifo"
expect_err "policy input a FIFO" "not a regular file" "${W[@]}" "$BIN" train --policy "$T/fifo" --iterations 3 --quiet --out "$T/o-pfifo"
expect_err "policy show of a FIFO" "not a regular file" "${W[@]}" "$BIN" policy show "$T/fifo"

echo "cli_special_files: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
