#!/usr/bin/env bash
# Run folders of every kind read back (issue 16): `synrl eval RUNDIR`
# reproduces the run's own figure (a 2D static run with a non-default
# boundary seed, a classify run, an rl run) and refuses flags that contradict
# the run and summaries without a kind; `plot curves` and `export` work on a
# train, a classify and an rl run (the export read back with NumPy); export
# refuses its own input, links and special files; a sweep reuses a cell only
# when its settings match and never relabels an old one.
# usage: bash tests/cli_rundir.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_rundir.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_rundir.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/common_cli.sh"
export LC_ALL=C OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# ---- one short run of each kind ----
M="$T/mnist" # the tiny MNIST-JSON set (common_cli.sh)
mnist_json_set "$M"
expect_ok "train run" "$BIN" train --preset 2d-static --policy "$SRC/data/policies/authors-golden.tsv" \
  --boundary-seed 7 --iterations 300 --points 400 --valid-points 200 --eval-every 100 --quiet --out "$T/train"
expect_ok "classify run" "$BIN" classify --net dense --rule agrel --epochs 2 --data-dir "$M" \
  --n-valid 10 --n-test 10 --batch 16 --quiet --out "$T/cls"
expect_ok "rl run" "$BIN" rl --preset cartpole-weightmax --episodes 6 --quiet --out "$T/rl"

# ---- eval RUNDIR ----
# eval_same NAME DIR: the measured figure equals the recorded one (exit 0)
eval_same() {
  checks=$((checks + 1))
  "$BIN" eval "$2" >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  [ $rc -eq 0 ] || { fail "$1: eval exit $rc: $(cat "$T/stderr")"; return; }
  local m r
  m=$(sed -n 's/^[a-z_]* measured,//p' "$T/stdout")
  r=$(sed -n 's/^[a-z_]* recorded,//p' "$T/stdout")
  [ -n "$m" ] && [ "$m" = "$r" ] || fail "$1: measured '$m', recorded '$r'"
}
eval_same "eval train (boundary seed 7)" "$T/train"
eval_same "eval classify" "$T/cls"
eval_same "eval rl" "$T/rl"
expect_err "eval RUNDIR --hidden" "--hidden" "$BIN" eval "$T/train" --hidden 5
expect_err "eval RUNDIR --act" "--act" "$BIN" eval "$T/train" --act relu
expect_err "eval RUNDIR --task" "--task" "$BIN" eval --task images "$T/train"
mkdir -p "$T/old"
printf '{"seed": 1, "train_acc": 0.9}\n' >"$T/old/summary.json"
expect_err "eval old run" "no kind" "$BIN" eval "$T/old"
expect_err "eval no summary" "$T/none" "$BIN" eval "$T/none"
expect_ok "eval --net, as before" "$BIN" eval --net "$T/train/net.bin" --boundary-seed 7 --points 400 \
  --valid-points 200
checks=$((checks + 1))
grep -q '^train,400,' "$T/stdout" || fail "eval --net: no train row: $(cat "$T/stdout")"

# ---- plot curves of every kind ----
for k in train cls rl; do
  expect_ok "plot curves $k" "$BIN" plot curves "$T/$k.png" "$T/$k"
  checks=$((checks + 1))
  [ -s "$T/$k.png" ] || fail "plot curves $k: no PNG"
done
expect_ok "plot curves --y" "$BIN" plot curves "$T/y.png" "$T/rl" --y running_mean
expect_err "plot curves --y unknown" "no column 'nope'" "$BIN" plot curves "$T/n.png" "$T/cls" --y nope

# ---- export of every kind, read back with NumPy ----
PY=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import numpy' 2>/dev/null; then PY=$p; break; fi
done
for k in train cls rl; do
  expect_ok "export $k" "$BIN" export "$T/$k" "$T/$k.safetensors"
done
expect_ok "export rl f32" "$BIN" export --dtype f32 "$T/rl/nets.bin" "$T/rl32.safetensors"
if [ -n "$PY" ]; then
  checks=$((checks + 1))
  "$PY" - "$T" >"$T/py.out" 2>&1 <<'PYEOF' || fail "NumPy read-back: $(cat "$T/py.out")"
import json, struct, sys
import numpy as np
T = sys.argv[1]
def load(p):
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    assert (8 + n) % 8 == 0
    h = json.loads(b[8:8 + n]); d = b[8 + n:]
    t = {k: np.frombuffer(d[v["data_offsets"][0]:v["data_offsets"][1]],
                          {"F64": "<f8", "F32": "<f4"}[v["dtype"]]).reshape(v["shape"])
         for k, v in h.items() if k != "__metadata__"}
    end = max(v["data_offsets"][1] for k, v in h.items() if k != "__metadata__")
    assert end == len(d), "data size"
    return h["__metadata__"], t
m, t = load(T + "/train.safetensors")
assert m["format"] == "synrl-mlp" and m["widths"] == "2,100,1", m
assert t["layers.0.weight"].shape == (100, 2) and t["layers.1.bias"].shape == (1,)
m, t = load(T + "/cls.safetensors")
assert m["format"] == "synrl-layered", m
w = [k for k in t if k.endswith(".weight")]
assert w and t[w[0]].shape[0] == 784 and all(np.isfinite(v).all() for v in t.values()), w
assert any(k.endswith(".moving_variance") for k in t)
m, t = load(T + "/rl.safetensors")
m32, t32 = load(T + "/rl32.safetensors")
assert m["format"] == "synrl-coagent" and m["actor.widths"].startswith("4,"), m
assert t["actor.layers.0.weight"].shape[0] == 4 and "critic.layers.0.weight" in t
for k in t:
    assert np.array_equal(t[k].astype(np.float32), t32[k]), k
print("ok")
PYEOF
else
  echo "cli_rundir: NumPy not found: export read-back skipped"
fi
cp "$T/rl/nets.bin" "$T/nets.bin"
expect_err "export onto its input" "the output is the input" "$BIN" export "$T/nets.bin" "$T/nets.bin"
ln "$T/nets.bin" "$T/hardlink"
expect_err "export onto a hard link of its input" "the output is the input" "$BIN" export "$T/nets.bin" "$T/hardlink"
ln -s "$T/target-of-link" "$T/symlink"
expect_err "export onto a symlink" "symbolic link" "$BIN" export "$T/rl" "$T/symlink"
checks=$((checks + 1))
[ ! -e "$T/target-of-link" ] || fail "export wrote through a symlink"
mkfifo "$T/fifo"
expect_err "export onto a FIFO" "not a regular file" "$BIN" export "$T/rl" "$T/fifo"
expect_err "export a policy-learn run" "no network" bash -c "mkdir -p '$T/pl' && printf '{\"kind\":\"policy-learn\"}' >'$T/pl/summary.json' && '$BIN' export '$T/pl' '$T/pl.st'"

# ---- sweeps: any subcommand; a cell reused only with its own settings ----
VER=$("$BIN" --version | awk '{print $2}')
cat >"$T/grid" <<'G'
[train]
command = train --iterations 40 --points 200 --valid-points 100 --eval-every 20
name = t-s{seed}
seed = 1 2
[rl]
command = rl --episodes 3
name = rl-{preset}-s{seed}
preset = cartpole-weightmax
seed = 1
G
expect_ok "sweep of two kinds" "$BIN" sweep "$T/grid" --out "$T/sw" --jobs 2
checks=$((checks + 1))
[ -f "$T/sw/t-s1/summary.json" ] && [ -f "$T/sw/rl-cartpole-weightmax-s1/nets.bin" ] ||
  fail "sweep: cells missing: $(ls "$T/sw")"
# summaries from before the trainers record kind and settings: written as they will be
for d in t-s1 t-s2; do
  grep -q '"kind"' "$T/sw/$d/summary.json" ||
    printf '{"kind":"train","settings":{"synrl_version":"%s","iterations":"40","points":"200","seed":"%s"},"train_acc":0.5}\n' \
      "$VER" "${d#t-s}" >"$T/sw/$d/summary.json"
done
grep -q '"kind"' "$T/sw/rl-cartpole-weightmax-s1/summary.json" ||
  printf '{"kind":"rl","settings":{"synrl_version":"%s","preset":"cartpole-weightmax","episodes":"3","seed":"1"}}\n' \
    "$VER" >"$T/sw/rl-cartpole-weightmax-s1/summary.json"
expect_ok "sweep again: every cell reused" "$BIN" sweep "$T/grid" --out "$T/sw"
checks=$((checks + 1))
[ "$(grep -c 'done before' "$T/stderr")" = 3 ] || fail "sweep again: not 3 cells reused: $(cat "$T/stderr")"
sed 's/--iterations 40/--iterations 50/' "$T/grid" >"$T/grid2"
expect_err_any() { # NAME NEEDLE CMD...: fails (exit 1), NEEDLE on stderr
  local name=$1 needle=$2
  shift 2
  checks=$((checks + 1))
  "$@" >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  [ $rc -eq 1 ] || fail "$name: exit $rc, expected 1"
  grep -qF -- "$needle" "$T/stderr" || fail "$name: no '$needle' in: $(cat "$T/stderr")"
}
expect_err_any "sweep with other settings: stale" "other settings" "$BIN" sweep "$T/grid2" --out "$T/sw"
checks=$((checks + 1))
[ "$(grep -c ',stale$' "$T/sw/sweep.csv")" = 2 ] && grep -q ',ok$' "$T/sw/sweep.csv" ||
  fail "sweep.csv: the two changed cells are not 'stale': $(cat "$T/sw/sweep.csv")"
checks=$((checks + 1))
grep -q 'iterations=40 there, 50 in the grid' "$T/stderr" || fail "stale: the difference is not named"
# a folder the sweep did not make is not adopted
mkdir -p "$T/sw3/t-s1"
cp "$T/sw/t-s1/summary.json" "$T/sw3/t-s1/"
expect_err_any "sweep: a foreign run" "no record" "$BIN" sweep "$T/grid" --out "$T/sw3"
# grid errors name file and line
printf '[a]\ncommand = policy show x\n' >"$T/bad1"
expect_err "grid: policy show" "bad1:2" "$BIN" sweep "$T/bad1" --out "$T/swb"
printf 'command = rl\nseed boundary-seed = 1 2 3\n' >"$T/bad2"
expect_err "grid: odd tuple" "bad2:2" "$BIN" sweep "$T/bad2" --out "$T/swb"
printf 'command = rl\nname = same\nseed = 1 2\n' >"$T/bad3"
expect_err "grid: one name for two cells" "both have the folder name" "$BIN" sweep "$T/bad3" --out "$T/swb"
printf 'command = rl --seed {nope}\n' >"$T/bad4"
expect_err "grid: unknown {key}" "{nope}" "$BIN" sweep "$T/bad4" --out "$T/swb"
printf 'command = rl\nname = ../x\n' >"$T/bad5"
expect_err "grid: name outside OUT" "not a plain folder name" "$BIN" sweep "$T/bad5" --out "$T/swb"

# ---- the published grids all expand ----
for g in "$SRC"/experiments/*.grid; do
  expect_ok "dry run $(basename "$g")" "$BIN" sweep "$g" --dry-run --out "$T/dry"
done

echo "cli_rundir: $checks checks, $failures failures"
[ $failures -eq 0 ]
