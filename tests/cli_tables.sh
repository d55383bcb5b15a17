#!/usr/bin/env bash
# scripts/tables.py on a tiny synthetic set of run folders (summary.json and
# a policy-learn metrics.csv, written here): every table prints, the figures
# are the means of the runs given, the published figures and targets stand
# beside them, and missing runs are counted, not invented.
# usage: bash tests/cli_tables.sh PATH/TO/synrl SOURCE_DIR
set -u
SRC=${2:?usage: cli_tables.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/common_cli.sh"
command -v python3 >/dev/null || { echo "cli_tables: no python3, skipped"; exit 0; }
R="$T/runs"
run() { # run ID NAME JSON
  mkdir -p "$R/$1/$2"
  printf '%s\n' "$3" >"$R/$1/$2/summary.json"
}
for s in 1 2 3 4 5 6 7 8 9 10; do
  run synrl-2d adaptive-s$s '{"kind":"train","train_acc":0.9,"train_loss":0.01}'
  run synrl-2d static-authors-s$s '{"kind":"train","train_acc":0.99,"train_loss":0.002}'
done
run synrl-2d static-own-s1 '{"kind":"train","train_acc":0.5,"train_loss":0.03}'
for s in 1 2 3 4 5; do
  run coagent cartpole-weightmax-s$s '{"kind":"rl","avg_return":400,"last100_return":480,"cpu_seconds":16}'
  run coagent acrobot-mapprop-s$s "{\"kind\":\"rl\",\"avg_return\":-$((110 + s)),\"last100_return\":-90,\"cpu_seconds\":10}"
  for r in agrel backprop; do
    acc=0.985; [ $r = backprop ] && acc=0.987
    run agrel mnist10k-conv-$r-s$s "{\"kind\":\"classify\",\"test_acc\":$acc,\"best_epoch\":40}"
  done
done
for s in 1 2 3 4 5 6 7 8 9 10; do
  run synrl-policy 2d-learned-s2-b$((100 + s)) '{"kind":"train","train_acc":0.995,"train_loss":0.001}'
done
run synrl-policy fashion-authors '{"kind":"train","valid_acc":0.8132,"valid_loss":0.56}'
run synrl-policy fashion-learned-s1 '{"kind":"train","valid_acc":0.8412,"valid_loss":0.47}'
mkdir -p "$R/synrl-policy/learned-s1"
printf 'step,seconds,snapshot,iteration,acc_2d_mean,img_acc,score,best\n1,1,0,20000,0.9952,0.638,0.9,0\n2,2,1,40000,0.9934,0.656,0.95,1\n' \
  >"$R/synrl-policy/learned-s1/metrics.csv"
run synrl-ocr synrl-0hu-authors-s1 '{"kind":"train","valid_acc":0.81,"test_acc":0.80,"iterations":200000,"cpu_seconds":68}'
run synrl-ocr gd-0hu-s1 '{"kind":"train","valid_acc":0.83,"test_acc":0.82,"iterations":18100,"cpu_seconds":655}'

py() { python3 "$SRC/scripts/tables.py" --runs "$R" "$@" >"$T/out" 2>"$T/err"; }
has() { # has NAME TEXT: the last output holds TEXT
  checks=$((checks + 1))
  grep -qF -- "$2" "$T/out" || fail "$1: no '$2' in the output"
}
checks=$((checks + 1))
py || fail "tables.py (all tables) failed: $(cat "$T/err")"
for id in synrl-2d synrl-fmnist10 synrl-ocr synrl-policy coagent coagent-ablation coagent-optimiser agrel; do
  has "all" "## $id:"
done
checks=$((checks + 1))
py synrl-2d || fail "tables.py synrl-2d failed: $(cat "$T/err")"
has "2d adaptive" "| adaptive (learns its table) | 10 | 90.00% | 90.00% |"
has "2d authors met" "| static, authors' table, new boundary | 10 | 99.00% |"
has "2d missing" "(9 run(s) not finished or missing"
checks=$((checks + 1))
[ "$(grep -c '^## ' "$T/out")" = 1 ] || fail "tables.py synrl-2d printed other tables too"
py coagent
has "coagent row" "| cartpole | weightmax | 5 | 400.00 (0.00) | 390.38 (43.25) | met | 480.00 | 16.0 |"
has "coagent not met" "| acrobot | mapprop | 5 | -113.00 (1.58) | -100.29 (5.40) | not met |"
py agrel
has "agrel gap" "| mnist10k | conv | lr 0.1, patience 45, ≤ 500 | 98.50 ± 0.00 | 98.70 ± 0.00 | -0.20 | 1.00 |"
has "agrel met" "| met |"
py synrl-policy
has "policy learned" "| learned-s2 | 10 | 99.50% | 99.50% | 99.50% | 0.001000 | met |"
has "policy fashion" "| learned-s1 | 84.12% | 0.470000 | met |"
has "policy snapshots" "| learned-s1 | 99.52/63.8 99.34/65.6* |"
py synrl-ocr
has "ocr difference" "| difference | +1.86 | -2.00 |"
checks=$((checks + 1))
if python3 "$SRC/scripts/tables.py" --runs "$R" nope >/dev/null 2>"$T/err"; then
  fail "an unknown table id is accepted"
fi
echo "cli_tables: $checks checks, $failures failures"
[ $failures -eq 0 ]
