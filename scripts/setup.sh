#!/usr/bin/env bash
# Installs what synrl needs from Debian's packages (only what is missing), then
# configures and builds in ./build. Safe to run again; works as root on a fresh
# Debian 12 machine. Usage: scripts/setup.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# libcjson-dev: run folders' JSON files. libbox2d-dev (LunarLander, C++), libcairo2-dev (synrl plot), clang (libFuzzer
# harnesses), valgrind, Open MPI (data-parallel runs): each is optional at build
# time, and CMake says which it found. python3-numpy, python3-pytest: the Python
# package (python/, docs/python.md) and its tests (tests/python); the tests read exported
# safetensors files with NumPy, as users will.
pkgs=(build-essential g++ cmake pkg-config libopenblas-dev zlib1g-dev libcjson-dev libcmocka-dev
      dataset-fashion-mnist libbox2d-dev libcairo2-dev clang valgrind
      libopenmpi-dev openmpi-bin python3-numpy python3-pytest)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

build=${SYNRL_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${SYNRL_BUILD_TYPE:-Release} "$@" >&2
cmake --build "$build" -j"$(nproc)" >&2
