#!/usr/bin/env bash
# `npm run conformance:connect`: connectrpc's official conformance runner (prebuilt, in
# ../shared/tools/connect-conformance; override with CONNECT_CONFORMANCE_DIR) against tristub's
# ConformanceService server (conformance/server.ts, --mode server) and tristub's conformance client
# (conformance/client.ts, --mode client), with the features tristub supports today
# (conformance/server-config.yaml, conformance/client-config.yaml: what is left out and why is written
# there) and the failures of not-yet-built features (conformance/*-known-failing.txt, one cause per
# block). Prints each run's summary lines; exits non-zero if either run has an unexpected result
# (an unexpected failure, or a known failure that now passes).
#
# Usage: conformance/run.sh [server|client] (default: both modes).
# Environment: CONFORMANCE_MAX_SERVERS (server processes at once, default 2: more start too slowly on 2
# loaded cores and the runner times them out), CONFORMANCE_PARALLEL (server-mode RPC parallelism, default 4; timing-based cases flake on
# a loaded 2-core machine above that), CONFORMANCE_VERBOSE=1 (pass -v to the runner).
set -uo pipefail
cd "$(dirname "$0")"
DIR=${CONNECT_CONFORMANCE_DIR:-$PWD/../../shared/tools/connect-conformance}
RUNNER=$DIR/bin/connectconformance
if [ ! -x "$RUNNER" ]; then
  echo "conformance: runner not found at $RUNNER (set CONNECT_CONFORMANCE_DIR)" >&2
  exit 1
fi
LOGS=$PWD/.logs
mkdir -p "$LOGS"
VERBOSE=()
[ "${CONFORMANCE_VERBOSE:-}" = 1 ] && VERBOSE=(-v)
# `node --import tsx` (not npx/tsx): signals from the runner reach the program itself, and it starts in
# about a second.
PROGRAM=(node --import tsx)
rc=0

run() {
  local mode=$1 config=$2 known=$3 program=$4 log=$LOGS/$1.log
  shift 4
  local start=$SECONDS
  local flaky=()
  [ -f "${mode}-known-flaky.txt" ] && flaky=(--known-flaky "@${mode}-known-flaky.txt")
  "$RUNNER" --mode "$mode" --conf "$config" --known-failing "@$known" "${flaky[@]}" "${VERBOSE[@]}" "$@" -- "${PROGRAM[@]}" "$program" >"$log" 2>&1
  local status=$?
  echo "== conformance --mode $mode ($config, $((SECONDS - start)) s, log conformance/.logs/$mode.log)"
  # The runner ends with its summary: "Total cases: N", "N passed, N failed", and with known failures
  # "(Another N failed as expected due to being known failures/flakes.)". Unexpected results are listed
  # above it as FAILED:/"... was expected to fail" lines: show those too.
  grep -E '^(FAILED|PASSED UNEXPECTEDLY|.*expected to fail)' "$log" | head -50
  tail -n 4 "$log" | grep -E 'Total cases|passed|failed|Another'
  [ $status = 0 ] || { echo "== conformance --mode $mode: FAILED (exit $status)"; rc=1; }
}

MODES=${1:-both}
case $MODES in server | client | both) ;; *) echo "usage: $0 [server|client]" >&2; exit 2 ;; esac
[ "$MODES" = client ] || run server server-config.yaml server-known-failing.txt server.ts -p "${CONFORMANCE_PARALLEL:-4}" --max-servers "${CONFORMANCE_MAX_SERVERS:-2}"
[ "$MODES" = server ] || run client client-config.yaml client-known-failing.txt client.ts
exit $rc
