#!/usr/bin/env bash
# synrl classify's opt-in stabilisers (issue 5): --warmup and --clip-norm are
# range-checked (one-line error naming the flag), recorded in summary.json,
# and off by default (a run without them equals one with them set to 0).
#
# usage: bash tests/cli_agrel_stab.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_agrel_stab.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-stab-XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C
. "$(dirname "$0")/common_cli.sh"

# tiny MNIST-JSON set: 6 images per digit, a bright bar whose row is the digit
M="$T/mnist"
mkdir -p "$M"
for d in 0 1 2 3 4 5 6 7 8 9; do
  awk -v d=$d 'BEGIN {
    printf "{\"data\": ["
    for (i = 0; i < 6; i++) for (j = 0; j < 784; j++) {
      r = int(j / 28); v = (r >= 2 * d + 4 && r <= 2 * d + 5) ? 0.9 : ((i * 5 + j) % 11) / 100
      printf "%s%s", (i || j) ? "," : "", v
    }
    printf "]}\n" }' >"$M/$d.json"
done
S=(classify --net dense --data-dir "$M" --n-valid 10 --n-test 10 --batch 8 --epochs 2 --quiet)

expect_err "negative warm-up" "--warmup" "$BIN" "${S[@]}" --warmup -1 --out "$T/o-bad1"
expect_err "negative clip" "--clip-norm" "$BIN" "${S[@]}" --clip-norm -0.5 --out "$T/o-bad2"
expect_err "clip not a number" "--clip-norm" "$BIN" "${S[@]}" --clip-norm x --out "$T/o-bad3"
for o in o-bad1 o-bad2 o-bad3; do
  [ -f "$T/$o/summary.json" ] && fail "$o: failed run left summary.json"
done

hash_of() { sed -n 's/.*"params_fnv1a64":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' "$1/summary.json"; }
expect_ok "default" "$BIN" "${S[@]}" --out "$T/o-def"
expect_ok "zeros" "$BIN" "${S[@]}" --warmup 0 --clip-norm 0 --out "$T/o-zero"
expect_ok "on" "$BIN" "${S[@]}" --warmup 5 --clip-norm 0.5 --out "$T/o-on"
checks=$((checks + 4))
[ -n "$(hash_of "$T/o-def")" ] && [ "$(hash_of "$T/o-def")" = "$(hash_of "$T/o-zero")" ] ||
  fail "default and explicit zeros differ"
[ "$(hash_of "$T/o-def")" != "$(hash_of "$T/o-on")" ] || fail "--warmup/--clip-norm changed nothing"
grep -qE '"warmup_steps":[[:space:]]*5,' "$T/o-on/summary.json" || fail "summary lacks warmup_steps"
grep -qE '"clip_norm":[[:space:]]*0.5,' "$T/o-on/summary.json" || fail "summary lacks clip_norm"
grep -qE '"warmup":[[:space:]]*"5",' "$T/o-on/summary.json" || fail "settings lack warmup"

echo "cli_agrel_stab: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
