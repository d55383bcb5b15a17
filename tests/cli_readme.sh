#!/usr/bin/env bash
# Compiles and runs the C example in README.md against the built library.
set -euo pipefail
bin=$1; src=$2
build=$(dirname "$bin")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/{on=1; next} /^```$/{if(on){exit}} on' "$src/README.md" > "$tmp/example.c"
test -s "$tmp/example.c" || { echo "no C example found in README.md"; exit 1; }
san=""
if grep -q "SYNRL_SANITIZE:BOOL=ON" "$build/CMakeCache.txt" 2>/dev/null; then san="-fsanitize=address,undefined"; fi
extra=""
if grep -q "^box2d_DIR:PATH=/" "$build/CMakeCache.txt" 2>/dev/null; then extra="-lbox2d -lstdc++"; fi
cc -std=c11 -O1 $san -I"$src/include" "$tmp/example.c" "$build/libsynrl.a" -lopenblas -lz -lcjson -fopenmp -lm $extra -o "$tmp/example"
out=$("$tmp/example")
echo "$out"
echo "$out" | grep -q "^accuracy " || { echo "example printed no accuracy"; exit 1; }

# The Python example: run against the shared library; its weights must equal
# the CLI run it names, bit for bit (the sanitizer build's library cannot be
# loaded by a plain python3).
if [ -z "$san" ] && [ -f "$build/libsynrl.so" ] && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  awk '/^```python$/{on=1; next} /^```$/{if(on){exit}} on' "$src/README.md" > "$tmp/example.py"
  test -s "$tmp/example.py" || { echo "no Python example found in README.md"; exit 1; }
  pyout=$(cd "$tmp" && PYTHONPATH="$src/python" SYNRL_LIBRARY="$build/libsynrl.so" /usr/bin/python3 example.py)
  echo "$pyout"
  got=$(echo "$pyout" | sed -n 's/^params_fnv1a64 //p')
  "$bin" train --iterations 300 --seed 5 --threads 1 --quiet --out "$tmp/cli" >/dev/null
  want=$(grep -oE '"params_fnv1a64":[[:space:]]*"[0-9a-f]+"' "$tmp/cli/summary.json" | grep -oE '[0-9a-f]{16}')
  [ -n "$got" ] && [ "$got" = "$want" ] || { echo "Python example: checksum '$got', CLI run '$want'"; exit 1; }
fi
