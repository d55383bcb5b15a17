#!/usr/bin/env bash
# Reproduces the static-policy results in docs/results.md (section 5, issue 8):
# frozen tables applied to 10 unseen 2D boundaries (boundary 100+s, trainee
# seed s, s = 1..10, as scripts/exp_2d.sh) and to the 0-HU Fashion-MNIST paper
# protocol (200,000 iterations, seed 2: the learning runs score snapshots on
# a 20,000-iteration run with seed 1).
#   naive-sN     the paper's procedure: the table at the end of one adaptive 2D
#                run (seed N), frozen
#   learned-sN   synrl policy learn, seed N (1, 2, 3), its defaults (60,000 iterations
#                over a stream of fresh 2D tasks, alpha_q 1e-4, Q starting at 2,
#                snapshots = the table averaged over each 20,000 iterations,
#                scored on 4 held-out boundaries (seeds 1001..1004) and a
#                20,000-iteration 0-HU Fashion-MNIST run; the best kept)
#   ablation-*   learning runs that change one learning-side choice: shorter
#                ones (40,000 iterations, 3 held-out boundaries, no image
#                task), and the defaults with the live table and Q from 0
#   authors      the authors' published golden_pol2cy
#   rule-*       hand-written rules (scripts/make_rule_policies.py)
# Every run is single-threaded; independent jobs run PARALLEL at a time.
# Finished runs are skipped. usage: scripts/exp_policy.sh [OUTDIR] [PARALLEL]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/policy}; par=${2:-2}
bash scripts/setup.sh
mkdir -p "$out"
# a private copy of the binary (renamed into place: runs may still hold the old one)
cp build/synrl "$out/.synrl.new" && mv "$out/.synrl.new" "$out/.synrl"; bin="$out/.synrl"
python3 scripts/make_rule_policies.py data/policies
nice_="nice -n 10"

# ---- phase 1: tables ----
jobs="$out/jobs1.txt"; : > "$jobs"
for s in 1 2 3; do
  # --path small gives the same bits as section 1's general-path runs here
  [ $s -le 2 ] && { [ -f "$out/naive-s$s/summary.json" ] || echo "$nice_ $bin train --preset 2d-adaptive --seed $s --path small --eval-every 10000 --threads 1 --quiet --out $out/naive-s$s" >> "$jobs"; }
  [ -f "$out/learned-s$s/best.json" ] || echo "$nice_ $bin policy learn --seed $s --threads 1 --quiet --out $out/learned-s$s" >> "$jobs"
done
ab="--seed 1 --iterations 40000 --snapshot-every 10000 --holdout-boundaries 3 --image-iterations 0 --threads 1 --quiet"
declare -A abl=(
  [paper-aq]="--alpha-q 0.01 --snapshot live --init-value 0"
  [paper-aq-average]="--alpha-q 0.01 --snapshot average --init-value 0"
  [low-aq-average]="--alpha-q 1e-4 --snapshot average --init-value 0"
  [low-aq-average-q2]="--alpha-q 1e-4 --snapshot average --init-value 2"
  [low-aq-average-q2-s2]="--alpha-q 1e-4 --snapshot average --init-value 2 --seed 2"
  [low-aq-average-q2-varied]="--alpha-q 1e-4 --snapshot average --init-value 2 --hidden-min 20 --hidden-max 100 --acts tanh,relu --alpha-s-min 5e-4 --alpha-s-max 2e-3"
)
for k in paper-aq paper-aq-average low-aq-average low-aq-average-q2 low-aq-average-q2-s2 low-aq-average-q2-varied; do
  [ -f "$out/ablation-$k/best.json" ] || echo "$nice_ $bin policy learn $ab ${abl[$k]} --out $out/ablation-$k" >> "$jobs"
done
# the defaults but the live table and Q from 0 (100,000 iterations)
for s in 1 2; do
  [ -f "$out/ablation-live-zero-s$s/best.json" ] || echo "$nice_ $bin policy learn --seed $s --iterations 100000 --snapshot live --init-value 0 --threads 1 --quiet --out $out/ablation-live-zero-s$s" >> "$jobs"
done
xargs -P "$par" -I{} sh -c '{} > /dev/null || echo "FAILED: {}" >&2' < "$jobs"

# ---- phase 2: every table applied frozen to the same held-out tasks ----
# 2D and Fashion runs in two groups each: group a needs no learned table, so
# it can start before phase 1 ends
ta="authors=data/policies/authors-golden.tsv"
ta="$ta naive-s1=$out/naive-s1/policy.txt naive-s2=$out/naive-s2/policy.txt"
ta="$ta rule-keep-or-reverse=data/policies/rule-keep-or-reverse.txt"
ta="$ta rule-repeat-if-rewarded=data/policies/rule-repeat-if-rewarded.txt rule-null=data/policies/rule-null.txt"
tb="learned-s1=$out/learned-s1/best.txt learned-s2=$out/learned-s2/best.txt"
tc="learned-s3=$out/learned-s3/best.txt"
fa="authors=data/policies/authors-golden.tsv naive-s1=$out/naive-s1/policy.txt"
fa="$fa rule-keep-or-reverse=data/policies/rule-keep-or-reverse.txt"
fb="learned-s1=$out/learned-s1/best.txt learned-s2=$out/learned-s2/best.txt"
fc="learned-s3=$out/learned-s3/best.txt"
# image seed 2: the learning runs select snapshots on image seed 1 (split, init, batches)
img="--boundaries 0 --image-iterations 200000 --image-seed 2 --threads 1 --quiet"
jobs="$out/jobs2.txt"; : > "$jobs"
for g in a b c; do
  case $g in a) t2=$ta ;; b) t2=$tb ;; c) t2=$tc ;; esac
  [ -f "$out/compare-2d-$g.md" ] || echo "$nice_ $bin policy compare --threads 1 --quiet --csv $out/compare-2d-$g.csv --tasks-csv $out/compare-2d-$g-tasks.csv --md $out/compare-2d-$g.md $t2" >> "$jobs"
done
[ -f "$out/compare-fashion-a.md" ] || echo "$nice_ $bin policy compare $img --csv $out/compare-fashion-a.csv --tasks-csv $out/compare-fashion-a-tasks.csv --md $out/compare-fashion-a.md $fa" >> "$jobs"
[ -f "$out/compare-fashion-b.md" ] || echo "$nice_ $bin policy compare $img --csv $out/compare-fashion-b.csv --tasks-csv $out/compare-fashion-b-tasks.csv --md $out/compare-fashion-b.md $fb" >> "$jobs"
[ -f "$out/compare-fashion-c.md" ] || echo "$nice_ $bin policy compare $img --csv $out/compare-fashion-c.csv --tasks-csv $out/compare-fashion-c-tasks.csv --md $out/compare-fashion-c.md $fc" >> "$jobs"
# the small path against the general (libm tanh, BLAS) path: a learned table
# on two boundaries through 'synrl train'
for b in 1 4; do
  for p in small general; do
    [ -f "$out/pathcheck-$p-b10$b/summary.json" ] || echo "$nice_ $bin train --preset 2d-static --policy $out/learned-s2/best.txt --seed $b --boundary-seed 10$b --path $p --eval-every 10000 --threads 1 --quiet --out $out/pathcheck-$p-b10$b" >> "$jobs"
  done
done
xargs -P "$par" -I{} sh -c '{} > /dev/null || echo "FAILED: {}" >&2' < "$jobs"

# ---- report ----
echo "## 2D: 10 unseen boundaries (101..110), 10,000 static iterations"
cat "$out/compare-2d-a.md"; tail -n +3 "$out/compare-2d-b.md"; tail -n +3 "$out/compare-2d-c.md"
echo
echo "## Fashion-MNIST 0 HU, paper protocol, 200,000 iterations, seed 2"
cat "$out/compare-fashion-a.md"; tail -n +3 "$out/compare-fashion-b.md"; tail -n +3 "$out/compare-fashion-c.md"
echo
echo "## the small path against the general path (learned-s2, 'synrl train')"
for d in "$out"/pathcheck-*; do
  python3 -c "import json,sys;d=json.load(open('$d/summary.json'));print('%-28s train_acc %.4f  train_loss %.10g  weights %s' % ('${d##*/}', d['train_acc'], d['train_loss'], d['params_fnv1a64']))"
done
echo
echo "## per boundary (training accuracy, %)"
python3 - "$out/compare-2d-a-tasks.csv" "$out/compare-2d-b-tasks.csv" "$out/compare-2d-c-tasks.csv" <<'PY'
import csv, sys
rows = [r for f in sys.argv[1:] for r in csv.DictReader(open(f))]
pol = []
for r in rows:
    if r["policy"] not in pol: pol.append(r["policy"])
seeds = sorted({int(r["seed"]) for r in rows})
print("| policy | " + " | ".join("b%d" % s for s in seeds) + " |")
print("|---|" + "---|" * len(seeds))
for p in pol:
    acc = {int(r["seed"]): float(r["acc"]) for r in rows if r["policy"] == p}
    print("| %s | " % p + " | ".join("%.2f" % (100 * acc[s]) for s in seeds) + " |")
PY
echo
echo "## learning: transfer score over time (log.csv of each run)"
for d in "$out"/learned-s* "$out"/ablation-*; do
  echo "### ${d##*/}"
  echo '```'
  cut -d, -f1-3,6-7,10,12-13 "$d/log.csv"
  echo '```'
done
echo
echo "## greedy actions, side by side"
echo "Each cell: the greedy action in the 9 action histories a(t-2)a(t-1) ="
echo "-- 0- +- -0 00 +0 -+ 0+ ++, in that order; rows: the reward history."
python3 - "$bin" data/policies/authors-golden.tsv "$out/naive-s1/policy.txt" "$out/naive-s2/policy.txt" \
    "$out/learned-s1/best.txt" "$out/learned-s2/best.txt" data/policies/rule-keep-or-reverse.txt <<'PY'
import subprocess, sys
binp, files = sys.argv[1], sys.argv[2:]
names = ["authors", "naive-s1", "naive-s2", "learned-s1", "learned-s2", "rule-keep-or-reverse"]
grids = []
for f in files:
    out = subprocess.run([binp, "policy", "show", f], capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        if "|" in line and line[:6].strip() and not line.startswith("r2"):
            left, right = line.split("|")
            rows[tuple(left.split())] = "".join(right.split())
    grids.append(rows)
print("| r(t-2) r(t-1) | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for key in [("-", "-"), ("+", "-"), ("-", "+"), ("+", "+"), ("?", "?")]:
    print("| %s %s | " % key + " | ".join("`%s`" % g[key] for g in grids) + " |")
PY
