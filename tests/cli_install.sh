#!/usr/bin/env bash
# Install into a temporary prefix (cmake --install), then build a user's
# program (examples/own_mlp_rule.c) against it with nothing but pkg-config --
# shared and static -- and through the CMake package, and run them.
# Usage: cli_install.sh BIN SRCDIR
set -u
BIN=$1
SRC=$2
BUILD=$(cd "$(dirname "$BIN")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$SRC/tests/common_cli.sh"
P=$T/prefix
CC=${CC:-cc}

if ! cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1; then
  fail "cmake --install failed"; sed 's/^/    /' "$T/install.log" >&2
  exit 1
fi
LIBDIR=$(dirname "$(find "$P" -name synrl.pc | head -1)")/..
for f in bin/synrl include/synrl/synrl.h include/synrl/train.h share/synrl/policies/authors-golden.tsv; do
  checks=$((checks + 1))
  [ -e "$P/$f" ] || fail "not installed: $f"
done
for f in libsynrl.a libsynrl.so libsynrl.so.0 pkgconfig/synrl.pc cmake/synrl/synrlConfig.cmake; do
  checks=$((checks + 1))
  [ -e "$LIBDIR/$f" ] || fail "not installed: lib/$f"
done
checks=$((checks + 1))
readelf -d "$LIBDIR/libsynrl.so" | grep -q 'SONAME.*libsynrl\.so\.0\]' || fail "SONAME is not libsynrl.so.0"

export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
checks=$((checks + 1))
[ "$(pkg-config --modversion synrl)" = "$("$P/bin/synrl" --version 2>&1 | grep -o '[0-9]*\.[0-9]*\.[0-9]*' | head -1)" ] ||
  fail "pkg-config --modversion differs from synrl --version"
cflags=$(pkg-config --cflags synrl)
libs=$(pkg-config --libs synrl)
slibs=$(pkg-config --static --libs synrl)
# the shared library, found at run time through LD_LIBRARY_PATH
checks=$((checks + 1))
if $CC -std=c11 -O1 "$SRC/examples/own_mlp_rule.c" -o "$T/ex_shared" $cflags $libs -lm 2>"$T/cc.log"; then
  ldd "$T/ex_shared" | grep -q "$LIBDIR/libsynrl.so.0\|libsynrl.so.0 => $P" ||
    LD_LIBRARY_PATH=$LIBDIR ldd "$T/ex_shared" | grep -q "libsynrl.so.0 => $P" ||
    fail "shared build does not use the installed libsynrl.so.0"
  LD_LIBRARY_PATH=$LIBDIR SYNRL_SOURCE_DIR=$SRC "$T/ex_shared" >"$T/out" 2>&1 ||
    { fail "the example built against libsynrl.so failed"; sed 's/^/    /' "$T/out" >&2; }
else
  fail "building against libsynrl.so with pkg-config failed"; sed 's/^/    /' "$T/cc.log" >&2
fi
# the static archive: --static must name every library it needs
checks=$((checks + 1))
slibs=${slibs/-lsynrl/-l:libsynrl.a}
if $CC -std=c11 -O1 "$SRC/examples/own_mlp_rule.c" -o "$T/ex_static" $cflags $slibs 2>"$T/cc.log"; then
  ldd "$T/ex_static" | grep -q libsynrl && fail "the static build links libsynrl.so"
  SYNRL_SOURCE_DIR=$SRC "$T/ex_static" >"$T/out" 2>&1 ||
    { fail "the example built against libsynrl.a failed"; sed 's/^/    /' "$T/out" >&2; }
else
  fail "building against libsynrl.a with pkg-config --static failed"; sed 's/^/    /' "$T/cc.log" >&2
fi
# the CMake package
checks=$((checks + 1))
mkdir -p "$T/cm"
cat >"$T/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(user C)
find_package(synrl 0.2 REQUIRED)
add_executable(ex_cmake $SRC/examples/own_mlp_rule.c)
target_link_libraries(ex_cmake PRIVATE synrl::synrl m)
add_executable(ex_cmake_static $SRC/examples/own_mlp_rule.c)
target_link_libraries(ex_cmake_static PRIVATE synrl::synrl_static)
CM
if cmake -S "$T/cm" -B "$T/cm/b" -DCMAKE_PREFIX_PATH="$P" >"$T/cm.log" 2>&1 &&
   cmake --build "$T/cm/b" >>"$T/cm.log" 2>&1; then
  SYNRL_SOURCE_DIR=$SRC "$T/cm/b/ex_cmake" >"$T/out" 2>&1 || fail "ex_cmake failed"
  SYNRL_SOURCE_DIR=$SRC "$T/cm/b/ex_cmake_static" >"$T/out" 2>&1 || fail "ex_cmake_static failed"
else
  fail "find_package(synrl) build failed"; tail -20 "$T/cm.log" | sed 's/^/    /' >&2
fi
# the Python package, installed offline with pip, finds the installed
# library and the authors' table (share/synrl) without being told
PY=${SYNRL_PYTHON:-/usr/bin/python3}
if "$PY" -c "import numpy" 2>/dev/null && "$PY" -m pip --version >/dev/null 2>&1; then
  checks=$((checks + 1))
  cp -r "$SRC/python" "$T/pysrc"
  if "$PY" -m pip install -q --no-build-isolation --no-deps --no-index --target "$T/site" "$T/pysrc" \
       >"$T/pip.log" 2>&1; then
    (cd "$T" && env -u SYNRL_LIBRARY -u SYNRL_DATA_DIR PYTHONPATH="$T/site" PYTHONDONTWRITEBYTECODE=1 \
       LD_LIBRARY_PATH="$LIBDIR" "$PY" -c "
import os, synrl
assert synrl.version() == '$(pkg-config --modversion synrl)'
assert os.path.realpath(synrl.library_path()).startswith(os.path.realpath('$P')), synrl.library_path()
assert os.path.realpath(synrl.authors_policy_path()).startswith(os.path.realpath('$P')), synrl.authors_policy_path()
assert synrl.read_policy(synrl.authors_policy_path()).shape == (243,)
") >"$T/py.log" 2>&1 || { fail "the pip-installed package does not use the installed library"; sed 's/^/    /' "$T/py.log" >&2; }
  else
    fail "pip install of python/ failed"; sed 's/^/    /' "$T/pip.log" >&2
  fi
fi
echo "cli_install: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
