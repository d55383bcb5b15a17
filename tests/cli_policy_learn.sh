#!/usr/bin/env bash
# synrl policy learn / compare from the command line: bad flags and files
# (one-line errors, no crash, no output left that looks complete), a tiny
# learning run repeated under one seed (identical tables and logs), and
# compare reproducing a 'synrl train' static run.
#
# usage: bash tests/cli_policy_learn.sh PATH/TO/synrl SOURCE_DIR
set -u

BIN=${1:?usage: cli_policy_learn.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_policy_learn.sh SYNRL_BINARY SOURCE_DIR}
GOLDEN="$SRC/data/policies/authors-golden.tsv"
RULE="$SRC/data/policies/rule-keep-or-reverse.txt"
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-cli-pl-XXXXXX")
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/common_cli.sh"

[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }

TINY=(--iterations 400 --snapshot-every 200 --task-iterations 150 --check-every 50
      --holdout-boundaries 2 --holdout-iterations 100 --image-iterations 0
      --hidden-min 8 --hidden-max 12 --acts tanh,relu --points 200 --threads 1)

# ---------------- learn: bad flags ----------------
L="$BIN policy learn"
expect_err "learn: bad activation" "--acts" $L "${TINY[@]}" --acts tanh,foo --out "$T/l-bad"
expect_err "learn: widths reversed" "--hidden-max" $L "${TINY[@]}" --hidden-min 20 --hidden-max 10 --out "$T/l-bad"
expect_err "learn: steps reversed" "--alpha-s-max" $L "${TINY[@]}" --alpha-s-min 1e-2 --alpha-s-max 1e-3 --out "$T/l-bad"
expect_err "learn: bad select" "--select" $L "${TINY[@]}" --select worst --out "$T/l-bad"
expect_err "learn: no held-out task" "held-out" $L "${TINY[@]}" --holdout-boundaries 0 --out "$T/l-bad"
expect_err "learn: zero iterations" "--iterations" $L "${TINY[@]}" --iterations 0 --out "$T/l-bad"
expect_err "learn: image weight" "--image-weight" $L "${TINY[@]}" --image-weight 1.5 --out "$T/l-bad"
expect_err "learn: too many held-out" "--holdout-boundaries" $L "${TINY[@]}" --holdout-boundaries 1000 --out "$T/l-bad"
expect_err "learn: unknown flag" "--frobnicate" $L --frobnicate
expect_err "learn: stray argument" "stray" $L stray
expect_err "learn: empty out" "--out" $L "${TINY[@]}" --out ""
expect_err "learn: init missing" "$T/nope.txt" $L "${TINY[@]}" --init "$T/nope.txt" --out "$T/l-bad"
printf 'synrl-policy 1\nnot a table\n' >"$T/garbage.txt"
expect_err "learn: init garbage" "$T/garbage.txt" $L "${TINY[@]}" --init "$T/garbage.txt" --out "$T/l-bad"
expect_err "learn: data dir" "--data-dir" $L "${TINY[@]}" --image-iterations 100 --data-dir "$T/nodata" --out "$T/l-bad"
touch "$T/afile"
expect_err "learn: out under a file" "$T/afile/x" $L "${TINY[@]}" --out "$T/afile/x"
checks=$((checks + 1))
[ -e "$T/l-bad/best.json" ] && fail "learn: a failed run left best.json"

# ---------------- learn: a tiny run, twice ----------------
if expect_ok "learn: tiny run" $L "${TINY[@]}" --seed 5 --quiet --out "$T/l1"; then
  grep -q "kept: snapshot" "$T/stdout" || fail "learn: no summary line"
  for f in best.txt best.json last.txt log.csv metrics.csv summary.json; do
    checks=$((checks + 1))
    [ -s "$T/l1/$f" ] || fail "learn: $f missing"
  done
  checks=$((checks + 1))
  ls "$T/l1" | grep -q '\.tmp' && fail "learn: temporary files left: $(ls "$T/l1")"
  checks=$((checks + 1))
  [ "$(wc -l <"$T/l1/log.csv")" -eq 3 ] || fail "learn: log.csv should have a header and 2 snapshots"
  expect_ok "learn: best table readable" "$BIN" policy show "$T/l1/best.txt"
  # the agreed layout: metrics.csv = step (iteration), seconds, log.csv's columns;
  # summary.json of kind policy-learn with the settings and the command line
  checks=$((checks + 1))
  head -1 "$T/l1/metrics.csv" | grep -q '^step,seconds,snapshot,tasks,restarts_converged,restarts_stalled,acc_2d_mean,acc_2d_min,acc_2d_max,loss_2d_mean,img_acc,img_loss,score,best$' ||
    fail "learn: metrics.csv header: $(head -1 "$T/l1/metrics.csv")"
  checks=$((checks + 1))
  python3 - "$T/l1" <<'PY' || fail "learn: summary.json"
import json, sys
d = json.load(open(sys.argv[1] + "/summary.json"))
b = json.load(open(sys.argv[1] + "/best.json"))
assert d["kind"] == "policy-learn" and d["metrics_step"] == "iteration"
assert d["command_line"][:3] == ["synrl", "policy", "learn"]
st = d["settings"]
assert st["seed"] == "5" and st["hidden-min"] == "8" and st["acts"] == "tanh,relu" and "out" not in st
assert d["snapshot"] == b["snapshot"] and d["iteration"] == b["iteration"]
assert abs(d["score"] - b["score"]) < 1e-9 and 0 <= d["acc_2d_mean"] <= 1
rows = open(sys.argv[1] + "/metrics.csv").read().split("\n")[1:-1]
assert [r.split(",")[0] for r in rows] == ["200", "400"], rows
PY
fi
# progress lines name the transfer score
if expect_ok "learn: same seed again" $L "${TINY[@]}" --seed 5 --out "$T/l2"; then
  grep -q "snapshot 1 at 400 iterations.*score" "$T/stderr" || fail "learn: no progress line with the score: $(cat "$T/stderr")"
  checks=$((checks + 1))
  cmp -s "$T/l1/best.txt" "$T/l2/best.txt" || fail "learn: same seed, different best.txt"
  checks=$((checks + 1))
  cmp -s "$T/l1/last.txt" "$T/l2/last.txt" || fail "learn: same seed, different last.txt"
  checks=$((checks + 1))
  # all but the wall-clock column
  cmp -s <(cut -d, -f1-13 "$T/l1/log.csv") <(cut -d, -f1-13 "$T/l2/log.csv") || fail "learn: same seed, different log.csv"
  checks=$((checks + 1))
  cmp -s <(cut -d, -f1,3- "$T/l1/metrics.csv") <(cut -d, -f1,3- "$T/l2/metrics.csv") || fail "learn: same seed, different metrics.csv"
fi
if expect_ok "learn: another seed" $L "${TINY[@]}" --seed 6 --quiet --out "$T/l3"; then
  checks=$((checks + 1))
  cmp -s "$T/l1/last.txt" "$T/l3/last.txt" && fail "learn: seeds 5 and 6 learned the same table"
fi
# a rerun into the same directory replaces the outputs (with --overwrite)
if expect_ok "learn: rerun into the same directory" $L "${TINY[@]}" --seed 6 --quiet --out "$T/l1" --overwrite; then
  checks=$((checks + 1))
  cmp -s "$T/l1/last.txt" "$T/l3/last.txt" || fail "learn: rerun did not replace last.txt"
fi

# ---------------- compare ----------------
C="$BIN policy compare"
expect_err "compare: no files" "FILE" $C --boundaries 1 --iterations 10
expect_err "compare: missing file" "$T/nope.txt" $C --boundaries 1 --iterations 10 "$T/nope.txt"
expect_err "compare: garbage file" "$T/garbage.txt" $C --boundaries 1 --iterations 10 "$GOLDEN" "$T/garbage.txt"
expect_err "compare: no task" "--boundaries" $C --boundaries 0 "$GOLDEN"
expect_err "compare: bad path" "--path" $C --path fast "$GOLDEN"
expect_err "compare: iterations" "--iterations" $C --iterations -5 "$GOLDEN"
expect_err "compare: csv into a missing dir" "--csv" $C --boundaries 1 --iterations 10 --quiet --csv "$T/no/dir/x.csv" "$GOLDEN"
expect_err "compare: data dir" "--data-dir" $C --boundaries 0 --image-iterations 10 --data-dir "$T/nodata" "$GOLDEN"

if expect_ok "compare: two tables" $C --boundaries 2 --iterations 300 --quiet --csv "$T/c.csv" --md "$T/c.md" \
    --tasks-csv "$T/t.csv" authors="$GOLDEN" rule="$RULE"; then
  grep -q "^authors " "$T/stdout" || fail "compare: no 'authors' row: $(cat "$T/stdout")"
  checks=$((checks + 1))
  [ "$(wc -l <"$T/c.csv")" -eq 3 ] || fail "compare: c.csv should have 3 lines"
  checks=$((checks + 1))
  grep -q '^| rule |' "$T/c.md" || fail "compare: no Markdown row for 'rule'"
  checks=$((checks + 1))
  [ "$(wc -l <"$T/t.csv")" -eq 5 ] || fail "compare: t.csv should have a header and 4 task rows"
  # the first task is synrl train's static run on boundary 101 with seed 1
  if expect_ok "compare vs train" "$BIN" train --preset 2d-static --policy "$GOLDEN" --seed 1 \
      --boundary-seed 101 --iterations 300 --path small --quiet --out "$T/tr"; then
    want=$(python3 -c "import json;d=json.load(open('$T/tr/summary.json'));print('%.6f %.10g'%(d['train_acc'],d['train_loss']))")
    got=$(awk -F, '$1=="\"authors\"" && $3==101 {print $6, $7}' "$T/t.csv")
    checks=$((checks + 1))
    [ "$want" = "$got" ] || fail "compare: boundary 101 gives '$got', synrl train gives '$want'"
  fi
fi

# ---------------- the hand-written rule files are what the script writes ----------------
if command -v python3 >/dev/null; then
  checks=$((checks + 1))
  if python3 "$SRC/scripts/make_rule_policies.py" "$T/rules"; then
    for f in "$T"/rules/rule-*.txt; do
      cmp -s "$f" "$SRC/data/policies/${f##*/}" || fail "rules: ${f##*/} differs from the script's output"
    done
    [ "$(ls "$T"/rules/rule-*.txt | wc -l)" -eq 3 ] || fail "rules: expected 3 rule files"
  else
    fail "rules: scripts/make_rule_policies.py failed"
  fi
fi

echo "cli_policy_learn: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
