#!/usr/bin/env bash
# The main job: set up, build, and run synrl on its built-in default (the
# paper's 2D decision-boundary experiment with an adaptive policy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec ./build/synrl train "$@"
