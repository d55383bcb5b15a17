#!/usr/bin/env bash
# LunarLander against Gym's definition (docs/coagent.md, "LunarLander against
# Gym's definition"): the environment before and after the audit's fix (the leg
# joints' reference angle), then the coagent presets on the fixed environment.
#
# usage: scripts/exp_ll_audit.sh [OUTDIR]        (default runs/ll-audit)
#   PARTS="pilot rl"   which parts to run (default both)
#   BEFORE=REV         the commit before the fix (default 9361c77)
#   EPISODES=N         pilot / random episodes per build (default 2000)
#   SEEDS="1 2 ..."    rl seeds (default 1..10)
#   METHODS="..."      rl presets lunarlander-METHOD (default weightmax
#                      weightmax-traces mapprop)
# pilot: build/ll_pilot (a fixed hover-and-descend pilot and random actions)
#   on this tree and on BEFORE (built under OUTDIR/before), one CSV each.
# rl: `synrl rl --preset lunarlander-METHOD --seed S`, niced, single-threaded,
#   a run whose summary.json exists is skipped; then the mean (sd) over seeds
#   of the average return over all training episodes, per method.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/ll-audit}
parts=${PARTS:-pilot rl}
before=${BEFORE:-9361c77}
episodes=${EPISODES:-2000}
seeds=${SEEDS:-1 2 3 4 5 6 7 8 9 10}
methods=${METHODS:-weightmax weightmax-traces mapprop}
mkdir -p "$out"
if [ ! -x build/synrl ] || [ ! -x build/ll_pilot ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j2 >/dev/null
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

if [[ " $parts " == *" pilot "* ]]; then
  nice -n 10 build/ll_pilot --episodes "$episodes" > "$out/pilot-after.csv"
  if [ ! -f "$out/before/CMakeLists.txt" ]; then
    rm -rf "$out/before" && mkdir -p "$out/before"
    git archive "$before" | tar -x -C "$out/before"
  fi
  cp bench/ll_pilot.c "$out/before/bench/"  # this tree's tool on the old environment
  # the old tree keeps Box2D's define private to the library; the tool needs it
  cmake -S "$out/before" -B "$out/before/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS=-DSYNRL_HAVE_BOX2D=1 >/dev/null
  nice -n 10 cmake --build "$out/before/build" -j2 --target ll_pilot >/dev/null
  nice -n 10 "$out/before/build/ll_pilot" --episodes "$episodes" > "$out/pilot-before.csv"
  echo "== before ($before)"; cat "$out/pilot-before.csv"
  echo "== after ($(git rev-parse --short HEAD))"; cat "$out/pilot-after.csv"
fi

if [[ " $parts " == *" rl "* ]]; then
  bin="$out/.synrl"
  cp build/synrl "$bin"
  for m in $methods; do
    for s in $seeds; do
      d="$out/lunarlander-$m-s$s"
      [ -f "$d/summary.json" ] && continue
      nice -n 10 "$bin" rl --preset "lunarlander-$m" --seed "$s" --quiet --out "$d"
    done
  done
  python3 - "$out" $methods <<'EOF'
import glob, json, math, sys
out = sys.argv[1]
for m in sys.argv[2:]:
    r = [json.load(open(f))["avg_return"] for f in sorted(glob.glob(f"{out}/lunarlander-{m}-s*/summary.json"))]
    if not r:
        continue
    mean = sum(r) / len(r)
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / len(r))  # population sd, as the authors' np.std
    print(f"{m}: {len(r)} runs, avg return over all episodes {mean:.1f} ({sd:.1f}); runs: "
          + " ".join(f"{x:.1f}" for x in r))
EOF
fi
