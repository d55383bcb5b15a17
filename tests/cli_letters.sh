#!/usr/bin/env bash
# synrl data letters from the command line: a set from a small font folder
# (DejaVu copies and a broken file, which is reported on one line and
# skipped), the same bytes from two runs, the IDX files that synrl train
# reads, and bad flags: one line on stderr naming the flag.
#
# usage: bash tests/cli_letters.sh PATH/TO/synrl SOURCE_DIR
set -u

BIN=${1:?usage: cli_letters.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-letters-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"

[ -x "$BIN" ] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }

expect_err "data: no subcommand" "usage" "$BIN" data
expect_err "data: unknown set" "'bogus'" "$BIN" data bogus
expect_err "letters: no --out" "--out" "$BIN" data letters
expect_err "letters: unknown flag" "--nope" "$BIN" data letters --out "$T/x" --nope
expect_err "letters: size too small" "--size" "$BIN" data letters --out "$T/x" --size 3
expect_err "letters: bad seed" "--seed" "$BIN" data letters --out "$T/x" --seed abc
expect_err "letters: both font sources" "--font-dir" "$BIN" data letters --out "$T/x" --fonts a.ttf --font-dir "$T"
expect_err "letters: empty font list" "--fonts" "$BIN" data letters --out "$T/x" --fonts ,
[ -e "$T/x" ] && fail "letters: a failed command left $T/x"

# the documented set (--help) is what scripts/setup.sh installs
SRC=${2:-.}
if [ -r "$SRC/scripts/setup.sh" ]; then
  checks=$((checks + 1))
  a=$("$BIN" data letters --help | grep -o 'fonts-[a-z0-9-]*' | sort -u)
  b=$(sed -n '/^pkgs=(/,/)/p' "$SRC/scripts/setup.sh" | grep -o 'fonts-[a-z0-9-]*' | sort -u)
  [ -n "$a" ] && [ "$a" = "$b" ] || fail "letters: --help's packages differ from scripts/setup.sh's: $(diff <(echo "$a") <(echo "$b") | tr '\n' ' ')"
fi

if "$BIN" data letters --out "$T/x" --fonts /nonexistent.ttf 2>&1 | grep -q "without FreeType"; then
  echo "note: synrl was built without FreeType; letters checks skipped" >&2
  echo "cli_letters: $checks checks, $failures failures"
  [ "$failures" -eq 0 ]
  exit
fi

expect_err "letters: test-frac 1" "--test-frac" "$BIN" data letters --out "$T/x" --test-frac 1
expect_err "letters: missing font dir" "/nonexistent/fonts" "$BIN" data letters --out "$T/x" --font-dir /nonexistent/fonts
expect_err "letters: nothing usable" "usable" "$BIN" data letters --out "$T/x" --fonts /nonexistent/a.ttf,/nonexistent/b.ttf

D=/usr/share/fonts/truetype/dejavu
if [ ! -r "$D/DejaVuSans.ttf" ] || [ ! -r "$D/DejaVuSerif.ttf" ]; then
  echo "note: fonts-dejavu-core is not installed; letters rendering checks skipped" >&2
else
  mkdir -p "$T/fonts/sub"
  for f in DejaVuSans DejaVuSerif DejaVuSansMono DejaVuSans-Bold DejaVuSerif-Bold; do
    [ -r "$D/$f.ttf" ] && cp "$D/$f.ttf" "$T/fonts/sub/"
  done
  printf 'not a font\n' >"$T/fonts/garbage.ttf"
  n_faces=$(ls "$T/fonts/sub" | wc -l)

  if expect_ok "letters: a set" "$BIN" data letters --out "$T/a" --font-dir "$T/fonts" --seed 5 --raw; then
    checks=$((checks + 1))
    skipped=$(grep -c "skipped" "$T/stderr")
    [ "$skipped" -eq 1 ] && grep -q "garbage.ttf (face 0): FreeType cannot load" "$T/stderr" ||
      fail "letters: expected one line for the broken font: $(cat "$T/stderr")"
    grep -q "1 faces skipped" "$T/stdout" || fail "letters: summary line: $(cat "$T/stdout")"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte letters.json; do
      [ -s "$T/a/$f" ] || fail "letters: no $T/a/$f"
    done
    # header of the training images: magic 0x00000803, then n, 28, 28
    hdr=$(od -An -tx1 -N16 "$T/a/train-images-idx3-ubyte" | tr -d ' \n')
    total=$(( $(od -An -tu1 -j4 -N4 "$T/a/train-images-idx3-ubyte" | awk '{print $1*16777216+$2*65536+$3*256+$4}') + \
              $(od -An -tu1 -j4 -N4 "$T/a/t10k-images-idx3-ubyte" | awk '{print $1*16777216+$2*65536+$3*256+$4}') ))
    checks=$((checks + 1))
    case $hdr in 00000803????????0000001c0000001c) ;; *) fail "letters: images header $hdr" ;; esac
    [ "$total" -eq $((10 * n_faces)) ] || fail "letters: $total images, expected $((10 * n_faces))"
    grep -q '"seed":	5' "$T/a/letters.json" || fail "letters: manifest lacks the seed"
    grep -q 'garbage.ttf' "$T/a/letters.json" || fail "letters: manifest lacks the skipped font"

    # the same bytes again (another folder, same fonts and seed); another seed differs
    expect_ok "letters: again" "$BIN" data letters --out "$T/b" --font-dir "$T/fonts" --seed 5 --raw --quiet
    checks=$((checks + 1))
    [ -s "$T/stderr" ] && fail "letters: --quiet still wrote: $(cat "$T/stderr")"
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte letters.json; do
      cmp -s "$T/a/$f" "$T/b/$f" || fail "letters: $f differs between two runs"
    done
    expect_ok "letters: seed 6" "$BIN" data letters --out "$T/c" --font-dir "$T/fonts" --seed 6 --raw --quiet
    checks=$((checks + 1))
    cmp -s "$T/a/train-labels-idx1-ubyte" "$T/c/train-labels-idx1-ubyte" &&
      fail "letters: seeds 5 and 6 gave the same training labels"
    # gzip output, replacing the raw files so that readers see one set
    expect_ok "letters: gz over raw" "$BIN" data letters --out "$T/b" --font-dir "$T/fonts" --seed 5 --quiet
    checks=$((checks + 1))
    [ -e "$T/b/train-images-idx3-ubyte" ] && fail "letters: raw file left beside the .gz"
    [ "$(gzip -dc "$T/b/train-images-idx3-ubyte.gz" | cmp - "$T/a/train-images-idx3-ubyte" && echo same)" = same ] ||
      fail "letters: the .gz holds other bytes than the raw file"

    # what the image tasks read
    n_train=$(( $(od -An -tu1 -j4 -N4 "$T/a/train-labels-idx1-ubyte" | awk '{print $1*16777216+$2*65536+$3*256+$4}') ))
    expect_ok "letters: train on it" "$BIN" train --task images --data-dir "$T/a" --hidden 0 --iterations 50 \
      --n-images "$n_train" --out "$T/run"
    checks=$((checks + 1))
    grep -q '"kind"' "$T/run/summary.json" 2>/dev/null || fail "letters: train wrote no summary.json"
    grep -q "test:" "$T/stdout" || fail "letters: train did not read the t10k files: $(tail -3 "$T/stdout")"
  fi
fi

echo "cli_letters: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
