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
