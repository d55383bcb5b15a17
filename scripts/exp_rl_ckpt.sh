#!/usr/bin/env bash
# Checkpoint size and cost of `synrl rl` for each task's preset (weightmax,
# and mapprop where it differs in shape), cut to a few episodes, with a
# checkpoint after every EVERY episodes. Prints a Markdown table: preset,
# episodes, checkpoints written, bytes each, ms per checkpoint (wall, with the
# fsync), and whether the run ended bit-identical to one without checkpoints
# (nets.bin, metrics.csv without its seconds column, summary.json without timings).
#
# usage: bash scripts/exp_rl_ckpt.sh            (SYNRL_BIN: default build/synrl)
# Outputs under runs/rl-ckpt/; finished runs are kept and not redone.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SYNRL_BIN:-build/synrl}
R=runs/rl-ckpt
mkdir -p "$R"
# preset, episodes, checkpoint every N episodes
CASES=("cartpole-weightmax 100 10" "acrobot-weightmax 10 1" "mountaincar-mapprop 3 1"
       "lunarlander-weightmax 20 2" "multiplexer20-weightmax 20000 2000"
       "multiplexer37-weightmax 20000 2000")

run() { # run NAME ARGS...: one run unless its summary.json exists
  local name=$1
  shift
  [ -f "$R/$name/summary.json" ] && return 0
  rm -rf "$R/$name"
  nice -n 10 "$BIN" rl "$@" --out "$R/$name" >"$R/$name.out" 2>"$R/$name.err"
}
echo "| preset | episodes | checkpoints | bytes each | ms per checkpoint | bit-identical to plain |"
echo "|---|---|---|---|---|---|"
for c in "${CASES[@]}"; do
  read -r preset eps every <<<"$c"
  run "$preset-plain" --preset "$preset" --episodes "$eps" --checkpoint-secs 0
  run "$preset-ckpt" --preset "$preset" --episodes "$eps" --checkpoint-secs 0 --checkpoint-every "$every"
  line=$(grep 'checkpoint(s) of' "$R/$preset-ckpt.err" || true)
  n=$(sed -n 's/.*synrl: \([0-9]*\) checkpoint(s) of \([0-9]*\) bytes.*, \([0-9.]*\) s in all/\1/p' <<<"$line")
  bytes=$(sed -n 's/.*checkpoint(s) of \([0-9]*\) bytes.*/\1/p' <<<"$line")
  secs=$(sed -n 's/.*, \([0-9.]*\) s in all/\1/p' <<<"$line")
  ms=$(awk -v s="${secs:-0}" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.1f", 1000 * s / n; else print "-" }')
  a="$R/$preset-plain" b="$R/$preset-ckpt"
  same=NO
  cmp -s "$a/nets.bin" "$b/nets.bin" && cmp -s <(cut -d, -f1,3- "$a/metrics.csv") <(cut -d, -f1,3- "$b/metrics.csv") &&
    cmp -s <(grep -vE '"(seconds|cpu_seconds)"' "$a/summary.json") \
      <(grep -vE '"(seconds|cpu_seconds)"' "$b/summary.json") && same=yes
  echo "| $preset | $eps | ${n:-0} | ${bytes:--} | $ms | $same |"
done
