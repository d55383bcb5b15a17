#!/usr/bin/env bash
# Signals, pipes and lost output (issue 18, kinds 4 and 5): a reader that
# goes away (`synrl train 2>&1 | head -1`) must not kill the run; SIGHUP (a
# closed terminal) checkpoints and exits 3 like SIGTERM, and the run resumes;
# output that could not be written (a full device, a closed stdout) is a
# non-zero exit, not a success.
# usage: bash tests/cli_signals.sh PATH/TO/synrl SOURCE_DIR
set -u
BIN=${1:?usage: cli_signals.sh SYNRL_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_signals.sh SYNRL_BINARY SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/synrl-signals-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/common_cli.sh"
cd "$SRC" || exit 1

# 1. A closed pipe on the progress output: the run goes on to the end.
checks=$((checks + 1))
"$BIN" train --iterations 4000 --eval-every 10 --threads 1 --out "$T/pipe" 2>&1 | head -c 1 >/dev/null
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] || [ ! -f "$T/pipe/summary.json" ] || [ ! -f "$T/pipe/net.bin" ]; then
  fail "train into a closed pipe: exit $rc, files: $(ls "$T/pipe" 2>/dev/null | tr '\n' ' ')"
fi

# 2. SIGHUP: checkpoint, exit 3, resumable to the end.
checks=$((checks + 1))
"$BIN" train --iterations 200000 --threads 1 --checkpoint-secs 0 --checkpoint-every 100 \
  --out "$T/hup" >/dev/null 2>"$T/hup.err" &
pid=$!
for _ in $(seq 1 100); do [ -f "$T/hup/checkpoint.bin" ] && break; sleep 0.1; done
# threads wait passively unless the user chose (one re-exec sets the policy)
if [ -z "${OMP_WAIT_POLICY:-}" ] && [ -r "/proc/$pid/environ" ]; then
  checks=$((checks + 1))
  tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "OMP_WAIT_POLICY=passive" ||
    fail "a run's OpenMP threads do not wait passively (OMP_WAIT_POLICY unset in the run)"
fi
kill -HUP "$pid"
wait "$pid"
rc=$?
if [ "$rc" -ne 3 ] || [ ! -f "$T/hup/checkpoint.bin" ] || [ -f "$T/hup/summary.json" ]; then
  fail "SIGHUP: exit $rc (expected 3), files: $(ls "$T/hup" 2>/dev/null | tr '\n' ' ')"
  sed 's/^/    /' "$T/hup.err" | tail -3 >&2
fi

# 3. Requested output that cannot be written: a non-zero exit.
if [ -w /dev/full ]; then
  checks=$((checks + 1))
  "$BIN" policy show data/policies/authors-golden.tsv >/dev/full 2>"$T/full.err"
  rc=$?
  [ "$rc" -ne 0 ] || fail "policy show > /dev/full: exit 0"
  grep -q "standard output" "$T/full.err" || fail "policy show > /dev/full: no message: $(cat "$T/full.err")"
  checks=$((checks + 1))
  "$BIN" --help >/dev/full 2>/dev/null && fail "--help > /dev/full: exit 0"
fi
checks=$((checks + 1))
"$BIN" policy show data/policies/authors-golden.tsv >&- 2>/dev/null && fail "policy show with stdout closed: exit 0"

echo "cli_signals: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
