#!/usr/bin/env bash
# gRPC interop: tristub's TestService server and client (interop/server.ts, interop/client.ts) against
# grpc-go's interop client and server, built from Debian's golang-google-grpc sources, offline, in
# GOPATH mode. Runs, for every case of grpc's interop-test-descriptions.md that the two sides have:
#   grpc-go client -> tristub server
#   tristub client -> grpc-go server
#   tristub client -> tristub server   (the compression cases, which grpc-go does not implement)
# Prints one PASS/FAIL/SKIP line per case and direction (SKIP lines give the exact reason), then
# "N passed, M failed" alone on the last line. Exits 1 if anything failed.
#
# Installs what it needs from Debian (needs root, or sudo, the first time; idempotent): golang-go and
# the golang-*-dev packages grpc-go's interop programs import; grpc-go's interop sources come from the
# source package (`apt-get source`, with a deb-src entry this script adds). Builds are cached under
# interop/.build/ (gitignored), so reruns take seconds.
#
# Environment: INTEROP_CASE_TIMEOUT (seconds per client run, default 60), INTEROP_KEEP_LOGS=1.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/interop/.build
LOGS=$BUILD/logs
CASE_TIMEOUT=${INTEROP_CASE_TIMEOUT:-60}
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

GO_PACKAGES=(golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev)
# Every case of interop-test-descriptions.md the issue asks for, in grpc's order.
CASES=(empty_unary large_unary client_streaming server_streaming ping_pong empty_stream
  timeout_on_sleeping_server cancel_after_begin cancel_after_first_response custom_metadata
  status_code_and_message special_status_message unimplemented_method unimplemented_service
  client_compressed_unary server_compressed_unary client_compressed_streaming server_compressed_streaming)
COMPRESSION_CASES=" client_compressed_unary server_compressed_unary client_compressed_streaming server_compressed_streaming "

passed=0
failed=0
skipped=0
PIDS=()

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }

pass() {
  passed=$((passed + 1))
  printf 'PASS  %-40s %s\n' "$1" "$2"
}
fail() {
  failed=$((failed + 1))
  printf 'FAIL  %-40s %s\n' "$1" "$2"
}
skip() {
  skipped=$((skipped + 1))
  printf 'SKIP  %-40s %s\n' "$1" "$2"
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  done
  sleep 0.2
  for pid in "${PIDS[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else
    log "need root (or sudo) to run: $*"
    return 1
  fi
}

# --- 1. Debian packages and grpc-go's interop sources --------------------------------------------

missing_packages() {
  local p
  for p in "${GO_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || printf '%s ' "$p"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  log "installing from Debian: $missing"
  as_root env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq >"$LOGS/apt-update.log" 2>&1 || {
    log "apt-get update failed: $(tail -3 "$LOGS/apt-update.log")"
    return 1
  }
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends $missing >"$LOGS/apt-install.log" 2>&1 || {
    log "apt-get install failed: $(tail -5 "$LOGS/apt-install.log")"
    return 1
  }
  missing=$(missing_packages)
  [ -z "$missing" ] || { log "still missing after apt-get install: $missing"; return 1; }
}

has_deb_src() {
  grep -qsE '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources || grep -qsE '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
}

# apt-get source --download-only golang-google-grpc=VERSION into $BUILD/dl.
download_source() {
  rm -rf "$BUILD/dl" && mkdir -p "$BUILD/dl" && chmod 777 "$BUILD/dl"
  (cd "$BUILD/dl" && timeout 600 apt-get source --download-only -q "golang-google-grpc=$1") >"$LOGS/apt-source.log" 2>&1
}

# grpc-go's interop/ directory, from the source package of the installed golang-google-grpc-dev.
fetch_interop_sources() {
  local version codename orig
  version=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev)
  if [ -f "$BUILD/src/$version/interop/client/client.go" ]; then return 0; fi
  if ! download_source "$version"; then
    if ! has_deb_src; then
      codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
      log "adding a deb-src entry for $codename: /etc/apt/sources.list.d/tristub-interop-deb-src.sources"
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$codename" |
        as_root tee /etc/apt/sources.list.d/tristub-interop-deb-src.sources >/dev/null || return 1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq >"$LOGS/apt-update-src.log" 2>&1 || {
      log "apt-get update (deb-src) failed: $(tail -3 "$LOGS/apt-update-src.log")"
      return 1
    }
    download_source "$version" || {
      log "apt-get source golang-google-grpc=$version failed: $(tail -3 "$LOGS/apt-source.log")"
      return 1
    }
  fi
  orig=$(ls "$BUILD"/dl/golang-google-grpc_*.orig.tar.* 2>/dev/null | head -1)
  [ -n "$orig" ] || { log "no orig tarball in $BUILD/dl"; return 1; }
  rm -rf "$BUILD/src/$version.tmp" && mkdir -p "$BUILD/src/$version.tmp"
  tar -xf "$orig" -C "$BUILD/src/$version.tmp" --strip-components=1 --wildcards '*/interop' || return 1
  rm -rf "$BUILD/src/$version" && mv "$BUILD/src/$version.tmp" "$BUILD/src/$version"
  rm -rf "$BUILD/dl"
}

# --- 2. grpc-go's interop client and server, GOPATH mode, offline ---------------------------------

build_go() {
  local version gopath grpc entry
  version=$(dpkg-query -W -f='${Version}' golang-google-grpc-dev)
  gopath=$BUILD/gopath
  grpc=$gopath/src/google.golang.org/grpc
  # google.golang.org/grpc = Debian's package (symlinked entry by entry) + the interop/ sources.
  rm -rf "$gopath" && mkdir -p "$grpc"
  for entry in /usr/share/gocode/src/google.golang.org/grpc/*; do
    [ "$(basename "$entry")" = interop ] || ln -s "$entry" "$grpc/"
  done
  ln -s "$BUILD/src/$version/interop" "$grpc/interop"
  mkdir -p "$BUILD/bin"
  (
    export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$BUILD/gocache" GOFLAGS= GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0
    timeout 900 go build -o "$BUILD/bin/interop_client" google.golang.org/grpc/interop/client &&
      timeout 900 go build -o "$BUILD/bin/interop_server" google.golang.org/grpc/interop/server
  ) >"$LOGS/go-build.log" 2>&1 || {
    log "go build failed: $(tail -10 "$LOGS/go-build.log")"
    return 1
  }
  echo "$version" >"$BUILD/bin/grpc-version"
}

# --- 3. running -----------------------------------------------------------------------------------

free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# wait_port PORT PID: until something accepts on 127.0.0.1:PORT (30 s), or the process died.
wait_port() {
  local i
  for i in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# start_server NAME PORT CMD...: in its own process group, logging to $LOGS/NAME.log.
start_server() {
  local name=$1 port=$2
  shift 2
  setsid "$@" >"$LOGS/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  if ! wait_port "$port" "$pid"; then
    log "$name did not start listening on 127.0.0.1:$port: $(tail -5 "$LOGS/$name.log")"
    return 1
  fi
}

# run_case DIRECTION CASE CMD...: one client run, bounded by CASE_TIMEOUT.
run_case() {
  local direction=$1 name=$2
  shift 2
  local logfile start rc reason
  logfile="$LOGS/${direction//[^a-z-]/_}.$name.log"
  start=$(now)
  timeout -k 5 "$CASE_TIMEOUT" "$@" >"$logfile" 2>&1
  rc=$?
  if [ $rc = 0 ]; then
    pass "$direction" "$name ($(elapsed "$start"))"
  else
    if [ $rc = 124 ]; then reason="timed out after ${CASE_TIMEOUT}s"; else reason="exit $rc"; fi
    fail "$direction" "$name ($reason): $(grep -v '^\s*$' "$logfile" | tail -3 | tr '\n' ' ' | cut -c1-600)"
  fi
}

overall=$(now)

# Generated code must be what tristub generates now from the committed protos.
check_log=$LOGS/generate-check.log
if node bin/tristub.js generate interop/proto/grpc/testing/test.proto -I interop/proto --out interop/gen --check >"$check_log" 2>&1; then
  pass "tristub generate --check" "interop/gen is current"
else
  fail "tristub generate --check" "interop/gen is stale (regenerate: npm run -s interop:generate): $(tail -5 "$check_log" | tr '\n' ' ')"
fi

go_ready=""
go_reason=""
t=$(now)
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  go_reason="no apt-get/dpkg here: grpc-go comes from Debian's packages"
elif ! install_packages; then
  go_reason="installing ${GO_PACKAGES[*]} from Debian failed (see interop/.build/logs/apt-*.log)"
elif ! fetch_interop_sources; then
  go_reason="fetching grpc-go's interop sources (apt-get source golang-google-grpc) failed (see interop/.build/logs/apt-source.log)"
fi
log "debian packages + sources: $(elapsed "$t")"
if [ -z "$go_reason" ]; then
  t=$(now)
  if build_go; then go_ready=1; else go_reason="go build of grpc-go's interop client/server failed (see interop/.build/logs/go-build.log)"; fi
  log "go build: $(elapsed "$t")"
fi
GO_VERSION_LABEL="grpc-go $(cat "$BUILD/bin/grpc-version" 2>/dev/null || echo '?')"

ours_port=$(free_port)
ours_ready=""
if start_server tristub-server "$ours_port" npm run -s interop:server -- --port "$ours_port"; then
  ours_ready=1
fi
go_server_ready=""
if [ -n "$go_ready" ]; then
  go_port=$(free_port)
  # grpc-go's interop server has no host flag: it listens on all interfaces, on a free port.
  if start_server grpc-go-server "$go_port" "$BUILD/bin/interop_server" --port "$go_port"; then go_server_ready=1; fi
fi

# grpc-go client -> tristub server
direction="grpc-go client -> tristub server"
for c in "${CASES[@]}"; do
  if [[ $COMPRESSION_CASES == *" $c "* ]]; then
    skip "$direction" "$c: $GO_VERSION_LABEL's interop client has no such test case (grpc-go implements none of the compression cases; tristub client -> tristub server covers it)"
  elif [ -z "$go_ready" ]; then
    fail "$direction" "$c: cannot run: $go_reason"
  elif [ -z "$ours_ready" ]; then
    fail "$direction" "$c: cannot run: the tristub server did not start (interop/.build/logs/tristub-server.log)"
  else
    run_case "$direction" "$c" "$BUILD/bin/interop_client" --server_host=127.0.0.1 --server_port="$ours_port" --test_case="$c"
  fi
done

# tristub client -> grpc-go server
direction="tristub client -> grpc-go server"
for c in "${CASES[@]}"; do
  if [[ $COMPRESSION_CASES == *" $c "* ]]; then
    skip "$direction" "$c: $GO_VERSION_LABEL's interop server does not implement CompressedRequest/CompressedResponse (its test.proto has no expect_compressed/response_compressed fields)"
  elif [ -z "$go_ready" ]; then
    fail "$direction" "$c: cannot run: $go_reason"
  elif [ -z "$go_server_ready" ]; then
    fail "$direction" "$c: cannot run: the grpc-go server did not start (interop/.build/logs/grpc-go-server.log)"
  else
    run_case "$direction" "$c" npm run -s interop:client -- --server_host=127.0.0.1 --server_port="$go_port" --test_case="$c"
  fi
done

# tristub client -> tristub server
direction="tristub client -> tristub server"
for c in "${CASES[@]}"; do
  if [ -z "$ours_ready" ]; then
    fail "$direction" "$c: cannot run: the tristub server did not start (interop/.build/logs/tristub-server.log)"
  else
    run_case "$direction" "$c" npm run -s interop:client -- --server_host=127.0.0.1 --server_port="$ours_port" --test_case="$c"
  fi
done

# Both servers must have survived the whole run.
for name in tristub-server grpc-go-server; do
  [ -f "$LOGS/$name.log" ] || continue
  if [ "$name" = tristub-server ]; then pid=${PIDS[0]}; else pid=${PIDS[1]:-}; fi
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
    fail "$name" "exited during the run: $(tail -5 "$LOGS/$name.log" | tr '\n' ' ')"
  fi
done

log "interop run: $(elapsed "$overall"); logs in interop/.build/logs/"
echo "$skipped skipped (reasons on the SKIP lines)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
