#!/usr/bin/env bash
# Installs what synrl needs from Debian's packages (only what is missing), then
# configures and builds in ./build. Safe to run again; works as root on a fresh
# Debian 12 machine. Usage: scripts/setup.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# libcjson-dev: run folders' JSON files. libbox2d-dev (LunarLander, C++), libcairo2-dev (synrl plot), clang (libFuzzer
# harnesses), valgrind, Open MPI (data-parallel runs): each is optional at build
# time, and CMake says which it found. python3-numpy, python3-pytest: the Python
# package (python/, docs/python.md) and its tests (tests/python); the tests read
# exported safetensors files with NumPy, as users will. libfreetype-dev (optional too) and
# the fonts-* packages: `synrl data letters`, the notMNIST-like set, renders A-J
# from every face of exactly these font packages (docs/letters.md; ~135 MB).
pkgs=(build-essential g++ cmake pkg-config libopenblas-dev zlib1g-dev libcjson-dev libcmocka-dev
      dataset-fashion-mnist libbox2d-dev libcairo2-dev clang valgrind
      libopenmpi-dev openmpi-bin python3-numpy python3-pytest libfreetype-dev
      fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf fonts-urw-base35
      fonts-croscore fonts-crosextra-carlito fonts-crosextra-caladea fonts-texgyre fonts-lato
      fonts-open-sans fonts-roboto-unhinted fonts-cantarell fonts-linuxlibertine fonts-ebgaramond
      fonts-sil-gentium fonts-go fonts-hack fonts-adf-accanthis fonts-adf-gillius
      fonts-adf-universalis fonts-adf-baskervald fonts-adf-berenis fonts-adf-romande
      fonts-adf-ikarius fonts-adf-irianis fonts-adf-libris fonts-adf-mekanus fonts-adf-oldania
      fonts-adf-switzera fonts-adf-tribun fonts-adf-verana fonts-stix fonts-comic-neue
      fonts-sil-charis fonts-sil-andika fonts-paratype fonts-firacode fonts-oldstandard
      fonts-yanone-kaffeesatz fonts-league-spartan fonts-fanwood fonts-goudybookletter fonts-lobster
      fonts-dkg-handwriting fonts-humor-sans fonts-jura fonts-karla fonts-quicksand fonts-cabin
      fonts-gfs-didot fonts-femkeklaver fonts-klaudia-berenika fonts-tomsontalks fonts-radisnoir
      fonts-beteckna fonts-lindenhill fonts-blankenburg fonts-breip fonts-ocr-a fonts-averia-gwf
      fonts-averia-sans-gwf fonts-averia-serif-gwf fonts-isabella fonts-kristi fonts-oflb-euterpe
      fonts-prociono fonts-rufscript fonts-bebas-neue fonts-dustin fonts-staypuft fonts-okolaks)
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
