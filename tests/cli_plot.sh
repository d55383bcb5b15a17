#!/usr/bin/env bash
# synrl plot and synrl export from the command line: figures of a short 2D
# run (PNG signature, size, determinism, the boundary agreement it reports),
# a safetensors file read back by an independent Python reader (NumPy when it
# is installed, else the standard library) against the weights in net.bin,
# and bad input: one line on stderr naming the culprit, exit below 128, no
# output file.
#
# usage: bash tests/cli_plot.sh PATH/TO/synrl SOURCE_DIR
set -u

BIN=${1:?usage: cli_plot.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-plot-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"

# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk, or nothing if not a PNG
png_size() {
  local sig
  sig=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
  [ "$sig" = "89504e470d0a1a0a" ] || return
  local w h
  w=$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
  h=$(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
  echo "$w $h"
}

no_file() { # NAME PATH...: none of the paths exists (nor a temporary beside it)
  local name=$1 f
  shift
  checks=$((checks + 1))
  for f in "$@"; do
    [ -e "$f" ] && fail "$name: left $f"
    ls "$f".tmp.* >/dev/null 2>&1 && fail "$name: left a temporary of $f"
  done
}

[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }

# two short 2D runs (different seeds and boundaries)
for s in 1 2; do
  expect_ok "train s$s" "$BIN" train --iterations 60 --eval-every 20 --points 300 --valid-points 200 \
    --seed "$s" --threads 1 --quiet --out "$T/run$s" || { echo "cannot train; giving up" >&2; exit 1; }
done

# ---------------- export ----------------
expect_ok "export f64" "$BIN" export --format safetensors "$T/run1/net.bin" "$T/net.safetensors"
expect_ok "export f32" "$BIN" export --dtype f32 "$T/run1/net.bin" "$T/net32.safetensors"
expect_ok "export target" "$BIN" export "$T/run1/target.bin" "$T/target.safetensors"
# Debian's python3 (with python3-numpy from scripts/setup.sh) first: a user's
# own python3 on PATH may lack NumPy.
PY3=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1; then
    [ -z "$PY3" ] && PY3=$p
    if "$p" -c "import numpy" 2>/dev/null; then PY3=$p; break; fi
  fi
done
if [ -n "$PY3" ]; then
  cat >"$T/read.py" <<'PY'
# A reader written from the safetensors and synrl format descriptions only.
import json, struct, sys
try:
    import numpy as np
except ImportError:
    np = None

def read_safetensors(path):
    b = open(path, "rb").read()
    (n,) = struct.unpack("<Q", b[:8])
    assert (8 + n) % 8 == 0, "data not 8-byte aligned"
    hdr = json.loads(b[8:8 + n])
    data = b[8 + n:]
    out = {}
    for name, t in hdr.items():
        if name == "__metadata__":
            continue
        a, z = t["data_offsets"]
        code = {"F64": "d", "F32": "f"}[t["dtype"]]
        count = 1
        for d in t["shape"]:
            count *= d
        assert z - a == count * struct.calcsize(code), name
        if np is not None:
            v = np.frombuffer(data[a:z], dtype="<" + code).reshape(t["shape"]).tolist()
        else:
            flat = list(struct.unpack("<%d%s" % (count, code), data[a:z]))
            v = flat if len(t["shape"]) == 1 else [flat[r * t["shape"][1]:(r + 1) * t["shape"][1]] for r in range(t["shape"][0])]
        out[name] = v
    return hdr["__metadata__"], out, len(data)

def read_net(path):
    # docs/formats.md: SYNRLNET, u32 version, u32 L, (L+1) u32 widths, L u32 acts, u64 count, f64s, u32 crc
    b = open(path, "rb").read()
    assert b[:8] == b"SYNRLNET"
    L = struct.unpack("<I", b[12:16])[0]
    widths = struct.unpack("<%dI" % (L + 1), b[16:16 + 4 * (L + 1)])
    off = 16 + 4 * (L + 1) + 4 * L
    (count,) = struct.unpack("<Q", b[off:off + 8])
    params = struct.unpack("<%dd" % count, b[off + 8:off + 8 + 8 * count])
    layers, p = [], 0
    for l in range(L):
        i, o = widths[l], widths[l + 1]
        m = params[p:p + (i + 1) * o]
        p += (i + 1) * o
        bias = list(m[:o])
        weight = [[m[(1 + k) * o + j] for k in range(i)] for j in range(o)]  # [out][in]
        layers.append((weight, bias))
    assert p == count
    return widths, layers

def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]

st, net, single = sys.argv[1], sys.argv[2], sys.argv[3] == "f32"
meta, tensors, nbytes = read_safetensors(st)
widths, layers = read_net(net)
assert meta["widths"] == ",".join(map(str, widths)), meta
assert len(tensors) == 2 * len(layers)
total = 0
for l, (w, b) in enumerate(layers):
    tw, tb = tensors["layers.%d.weight" % l], tensors["layers.%d.bias" % l]
    conv = f32 if single else (lambda x: x)
    assert tw == [[conv(x) for x in row] for row in w], "layer %d weight differs" % l
    assert tb == [conv(x) for x in b], "layer %d bias differs" % l
    total += (len(w) * len(w[0]) + len(b)) * (4 if single else 8)
assert total == nbytes
print("ok", "numpy" if np is not None else "struct", len(layers), "layers")
PY
  for c in "net.safetensors run1/net.bin f64" "net32.safetensors run1/net.bin f32" "target.safetensors run1/target.bin f64"; do
    set -- $c
    checks=$((checks + 1))
    "$PY3" "$T/read.py" "$T/$1" "$T/$2" "$3" >"$T/py.out" 2>&1 || fail "python reader on $1: $(tail -1 "$T/py.out")"
  done
else
  echo "note: python3 not found; the safetensors files were not read back by Python" >&2
fi

printf 'garbage' >"$T/garbage.bin"
cp "$T/run1/net.bin" "$T/cut.bin" && head -c 100 "$T/run1/net.bin" >"$T/cut.bin"
expect_err "export: missing net" "$T/nope.bin" "$BIN" export "$T/nope.bin" "$T/o1.safetensors"
expect_err "export: garbage net" "$T/garbage.bin" "$BIN" export "$T/garbage.bin" "$T/o1.safetensors"
expect_err "export: truncated net" "$T/cut.bin" "$BIN" export "$T/cut.bin" "$T/o1.safetensors"
expect_err "export: bad format" "--format" "$BIN" export --format npz "$T/run1/net.bin" "$T/o1.safetensors"
expect_err "export: bad dtype" "--dtype" "$BIN" export --dtype f16 "$T/run1/net.bin" "$T/o1.safetensors"
expect_err "export: one argument" "NET.bin" "$BIN" export "$T/run1/net.bin"
expect_err "export: missing directory" "$T/no/dir/o.safetensors" "$BIN" export "$T/run1/net.bin" "$T/no/dir/o.safetensors"
no_file "export errors" "$T/o1.safetensors"

# ---------------- plot ----------------
if "$BIN" plot --help 2>&1 | grep -q "built without cairo"; then
  echo "note: synrl was built without cairo; plot checks skipped" >&2
else
  expect_ok "plot boundary" "$BIN" plot boundary "$T/b.png" "$T/run1" --grid 120 --width 900 --height 480
  [ "$(png_size "$T/b.png")" = "900 480" ] || fail "plot boundary: not a 900x480 PNG: $(png_size "$T/b.png")"
  grep -q "same sign on 0\.[0-9]* of a 120 x 120 grid" "$T/stdout" || fail "plot boundary: no agreement line: $(cat "$T/stdout")"
  # the target against itself agrees everywhere; against another boundary it does not
  expect_ok "plot boundary self" "$BIN" plot boundary "$T/self.png" --target "$T/run1/target.bin" --net "$T/run1/target.bin" --grid 100
  grep -q "same sign on 1.0000 of" "$T/stdout" || fail "target vs itself: $(cat "$T/stdout")"
  expect_ok "plot boundary other" "$BIN" plot boundary "$T/other.png" --target "$T/run1/target.bin" --net "$T/run2/target.bin" --grid 100
  grep -q "same sign on 1.0000 of" "$T/stdout" && fail "two different boundaries agree everywhere"
  expect_ok "plot curves" "$BIN" plot curves "$T/c.png" "$T/run1" --log-loss
  [ "$(png_size "$T/c.png")" = "1040 420" ] || fail "plot curves: not a 1040x420 PNG"
  expect_ok "plot curves csv" "$BIN" plot curves "$T/c2.png" "$T/run1/metrics.csv"
  cmp -s "$T/c2.png" "$T/c.png" && fail "plot curves: --log-loss made no difference"
  expect_ok "plot compare" "$BIN" plot compare "$T/m.png" "both=$T/run*" "one=$T/run1" --metrics train_loss,valid_acc --band std
  [ "$(png_size "$T/m.png")" = "1080 420" ] || fail "plot compare: not a 1080x420 PNG: $(png_size "$T/m.png")"
  expect_ok "plot compare again" "$BIN" plot compare "$T/m2.png" "both=$T/run*" "one=$T/run1" --metrics train_loss,valid_acc --band std
  cmp -s "$T/m.png" "$T/m2.png" || fail "plot compare: two identical commands gave different files"
  expect_ok "plot help" "$BIN" plot --help

  printf 'iter,train_acc\n1,0.5\n1,0.6\n' >"$T/badorder.csv"
  printf 'iter,train_loss,train_acc\n1,0.5\n' >"$T/short.csv"
  mkdir -p "$T/emptyrun"
  expect_err "plot: no kind" "boundary, curves or compare" "$BIN" plot
  expect_err "plot: bad kind" "frob" "$BIN" plot frob "$T/o.png" "$T/run1"
  expect_err "plot: not png" ".png" "$BIN" plot curves "$T/o.jpg" "$T/run1"
  expect_err "plot: missing out" "OUT.png" "$BIN" plot curves
  expect_err "plot: missing run" "$T/nope" "$BIN" plot boundary "$T/o.png" "$T/nope"
  expect_err "plot: run without metrics" "$T/emptyrun/metrics.csv" "$BIN" plot curves "$T/o.png" "$T/emptyrun"
  expect_err "plot: iterations out of order" "$T/badorder.csv:3" "$BIN" plot curves "$T/o.png" "$T/badorder.csv"
  expect_err "plot: short row" "$T/short.csv:2" "$BIN" plot curves "$T/o.png" "$T/short.csv"
  expect_err "plot: not a network" "$T/garbage.bin" "$BIN" plot boundary "$T/o.png" --target "$T/garbage.bin" --net "$T/run1/net.bin"
  expect_err "plot: boundary without nets" "--target" "$BIN" plot boundary "$T/o.png"
  expect_err "plot: grid on curves" "--grid" "$BIN" plot curves "$T/o.png" "$T/run1" --grid 50
  expect_err "plot: band on boundary" "--band" "$BIN" plot boundary "$T/o.png" "$T/run1" --band std
  expect_err "plot: bad band" "--band" "$BIN" plot compare "$T/o.png" "a=$T/run1" --band wide
  expect_err "plot: grid too small" "--grid" "$BIN" plot boundary "$T/o.png" "$T/run1" --grid 3
  expect_err "plot: glob matches nothing" "$T/zzz*" "$BIN" plot compare "$T/o.png" "a=$T/zzz*"
  expect_err "plot: empty label" "label" "$BIN" plot compare "$T/o.png" "=$T/run1"
  expect_err "plot: unknown metric" "'nosuch'" "$BIN" plot compare "$T/o.png" "a=$T/run1" --metrics nosuch
  expect_err "plot: no groups" "group" "$BIN" plot compare "$T/o.png"
  expect_err "plot: missing directory" "$T/no/dir/o.png" "$BIN" plot curves "$T/no/dir/o.png" "$T/run1"
  no_file "plot errors" "$T/o.png" "$T/o.jpg"
fi

echo "cli_plot: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
