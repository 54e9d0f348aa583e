#!/usr/bin/env bash
# expect.sh CODE REGEX -- COMMAND...
# Runs COMMAND; passes when it exits with CODE and, for CODE != 0, prints exactly
# one line on stderr that matches the extended regex REGEX (for CODE 0, REGEX is
# matched against stdout).
set -u
code=$1 regex=$2; shift 3
out=$("$@" 2>/tmp/effnet-cli-stderr.$$); rc=$?
err=$(cat /tmp/effnet-cli-stderr.$$); rm -f /tmp/effnet-cli-stderr.$$
fail() { echo "FAIL: $*"; echo "--- command: $*"; echo "--- rc: $rc"; echo "--- stdout:"; echo "$out" | head -40; echo "--- stderr:"; echo "$err" | head -40; exit 1; }
[ "$rc" -eq "$code" ] || fail "exit code $rc, expected $code"
if [ "$code" -ne 0 ]; then
  [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] || fail "stderr is not exactly one line"
  printf '%s\n' "$err" | grep -Eq -- "$regex" || fail "stderr does not match /$regex/"
else
  printf '%s\n' "$out" | grep -Eq -- "$regex" || fail "stdout does not match /$regex/"
fi
echo "ok: rc=$rc"
