#!/usr/bin/env bash
# synrl rl: bad flags fail cleanly (non-zero exit below 128, one stderr line
# naming the flag, no summary.json left), and short runs work, write their
# outputs, and repeat bit for bit under a seed.
#
# usage: bash tests/cli_rl.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_rl.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-clirl-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"

# expect_err NAME NEEDLE ARGS...: `synrl rl ARGS` fails with one line naming NEEDLE
expect_err() {
  local name=$1 needle=$2
  shift 2
  checks=$((checks + 1))
  "$BIN" rl --out "$T/bad" --quiet "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$?
  local lines
  lines=$(wc -l <"$T/stderr")
  if [ "$rc" -eq 0 ]; then fail "$name: exit status 0: rl $*"; return; fi
  if [ "$rc" -ge 128 ]; then fail "$name: crashed ($rc): rl $*"; return; fi
  if [ "$lines" -ne 1 ]; then
    fail "$name: $lines lines on stderr, expected 1: rl $*"
    sed 's/^/    /' "$T/stderr" | head -5 >&2
    return
  fi
  grep -qF -- "$needle" "$T/stderr" || fail "$name: stderr does not name '$needle': $(cat "$T/stderr")"
  [ -f "$T/bad/summary.json" ] && fail "$name: a failed run left summary.json"
  return 0
}

expect_err method --method --method sgd
expect_err preset-task --preset --preset pong-weightmax
expect_err preset-method --preset --preset cartpole-adam
expect_err preset-shape --preset --preset cartpole
expect_err env --env --env pong
expect_err eval-episodes --eval-episodes --eval-episodes -1
expect_err episodes-zero --episodes --episodes 0
expect_err episodes-word --episodes --episodes many
expect_err batch-zero --batch --batch 0
expect_err lr-word --lr --lr 0.1,x,3
expect_err lr-count --lr --lr 0.1,0.2
expect_err lr-negative --lr --lr 0.1,-0.2,0.3
expect_err lr-trailing-comma --lr --lr 0.1,0.2,
expect_err lr-end-count --lr-end --lr-end 1e-3
expect_err critic-lr-count --critic-lr --critic-lr 1e-3
expect_err var-zero --var --var 0,0.1,0.1
expect_err hidden-zero --hidden --hidden 0,32
expect_err hidden-fraction --hidden --hidden 6.5
expect_err hidden-too-deep --hidden --hidden 4,4,4,4
expect_err lambda-range --lambda --lambda 1.5
expect_err temp-zero --temp --temp 0
expect_err map-steps --map-steps --map-steps -1
expect_err adam-eps-zero --adam-eps --adam-eps 0
expect_err critic-choice --critic --critic maybe
expect_err seed-negative --seed --seed -3
expect_err unknown-flag --frobnicate --frobnicate 3
expect_err missing-value --episodes --episodes
expect_err traces-lambda-zero --lambda --preset cartpole-weightmax-traces --lambda 0
expect_err traces-custom-env --lambda --env multiplexer6 --method weightmax-traces
checks=$((checks + 1))
: > "$T/afile"
"$BIN" rl --env multiplexer6 --episodes 3 --quiet --out "$T/afile/sub" >/dev/null 2>"$T/stderr"
rc=$?
{ [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && grep -qF -- "--out" "$T/stderr"; } || fail "out-not-dir: rc $rc: $(cat "$T/stderr")"

# runs that work
checks=$((checks + 1))
if "$BIN" rl --help >"$T/help" 2>&1 && grep -q -- "--preset" "$T/help"; then :; else fail "rl --help"; fi
for run in a b; do
  checks=$((checks + 1))
  "$BIN" rl --preset cartpole-weightmax --episodes 8 --seed 3 --quiet --out "$T/run-$run" 2>"$T/stderr" ||
    fail "cartpole run $run: $(cat "$T/stderr")"
done
checks=$((checks + 1))
for f in summary.json metrics.csv nets.bin; do
  [ -s "$T/run-a/$f" ] || fail "cartpole run: no $f"
done
[ -e "$T/run-a/returns.csv" ] && fail "returns.csv is written (metrics.csv replaces it)"
[ "$(wc -l <"$T/run-a/metrics.csv")" -eq 9 ] || fail "metrics.csv: $(wc -l <"$T/run-a/metrics.csv") lines, expected 9"
head -1 "$T/run-a/metrics.csv" | grep -qx "step,seconds,steps,return,running_mean" || fail "metrics.csv header"
# column 2 is wall time
cmp -s <(cut -d, -f1,3- "$T/run-a/metrics.csv") <(cut -d, -f1,3- "$T/run-b/metrics.csv") ||
  fail "same seed, different returns"
cmp -s "$T/run-a/nets.bin" "$T/run-b/nets.bin" || fail "same seed, different networks"
# summary.json: the common head, every setting, the final evaluation
for key in '"kind":[[:space:]]*"rl"' '"metrics_step":[[:space:]]*"episode"' '"settings":' \
  '"eval-episodes":[[:space:]]*"20"' '"lr-end":[[:space:]]*"0.0002,2e-06,2e-07"' '"eval_episodes":[[:space:]]*20,' \
  '"eval_return":[[:space:]]*[-0-9]' '"actor_fnv1a64":[[:space:]]*"[0-9a-f]{16}"' '"command_line":[[:space:]]*\["synrl", "rl", "--preset"'; do
  grep -qE -- "$key" "$T/run-a/summary.json" || fail "summary.json lacks $key"
done
[ "$(grep -E '"eval_return"' "$T/run-a/summary.json")" = "$(grep -E '"eval_return"' "$T/run-b/summary.json")" ] ||
  fail "same seed, different eval_return"
# the final evaluation does not touch the trained networks; 0 turns it off
checks=$((checks + 1))
"$BIN" rl --preset cartpole-weightmax --episodes 8 --seed 3 --eval-episodes 0 --quiet --out "$T/run-noeval" 2>/dev/null ||
  fail "--eval-episodes 0"
cmp -s "$T/run-a/nets.bin" "$T/run-noeval/nets.bin" || fail "--eval-episodes 0: other networks"
grep -q '"eval_return"' "$T/run-noeval/summary.json" && fail "--eval-episodes 0: an eval_return"
grep -q '"avg_return"' "$T/run-a/summary.json" || fail "summary.json lacks avg_return"
checks=$((checks + 1))
"$BIN" rl --preset cartpole-weightmax --episodes 8 --seed 4 --quiet --out "$T/run-c" 2>/dev/null
cmp -s "$T/run-a/nets.bin" "$T/run-c/nets.bin" && fail "different seeds, same networks"
# --adam-eps reaches the optimiser and the summary
checks=$((checks + 1))
"$BIN" rl --preset cartpole-weightmax --episodes 8 --seed 3 --adam-eps 1e-9 --quiet --out "$T/run-eps" 2>/dev/null
cmp -s "$T/run-a/nets.bin" "$T/run-eps/nets.bin" && fail "--adam-eps 1e-9: same networks as the default 1e-8"
grep -qE '"adam_eps":[[:space:]]*1e-09,' "$T/run-eps/summary.json" || fail "summary.json lacks adam_eps 1e-09"
# every method runs; a one-step task logs block means
for m in reinforce weightmax weightmax-traces mapprop backprop ste; do
  checks=$((checks + 1))
  "$BIN" rl --preset "cartpole-$m" --episodes 3 --quiet --out "$T/m-$m" 2>"$T/stderr" || fail "cartpole-$m: $(cat "$T/stderr")"
done
checks=$((checks + 1))
"$BIN" rl --preset multiplexer20-weightmax --episodes 2000 --log-every 500 --quiet --out "$T/mux" 2>"$T/stderr" ||
  fail "multiplexer: $(cat "$T/stderr")"
[ "$(wc -l <"$T/mux/metrics.csv")" -eq 5 ] || fail "multiplexer metrics.csv: $(wc -l <"$T/mux/metrics.csv") lines, expected 5"
sed -n 2p "$T/mux/metrics.csv" | grep -qE '^500,[^,]*,1,' || fail "multiplexer metrics.csv: first row $(sed -n 2p "$T/mux/metrics.csv")"
for m in mapprop backprop; do # the continuous task's presets
  checks=$((checks + 1))
  "$BIN" rl --preset mountaincar-$m --episodes 1 --max-steps 50 --quiet --out "$T/mc-$m" 2>"$T/stderr" ||
    fail "mountaincar-$m: $(cat "$T/stderr")"
  grep -qE '"action_scale":[[:space:]]*2,' "$T/mc-$m/summary.json" || fail "mountaincar-$m: the task's action map"
done
# a run over an earlier one's directory replaces its outputs
checks=$((checks + 1))
"$BIN" rl --preset cartpole-weightmax --episodes 0 --quiet --out "$T/run-a" 2>/dev/null
[ -f "$T/run-a/summary.json" ] || fail "a bad flag removed an earlier run's summary.json"

echo "cli_rl: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
