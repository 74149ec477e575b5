#!/usr/bin/env bash
# Builds the dubbo-go Triple peer (Apache dubbo-go's protocol/triple/triple_protocol + a Greet server
# and client) from ../shared/peers/dubbo-go, offline, into test/dubbo-go/.build/ (gitignored).
# The shared folder may be read-only (CI copies it beside the clone without write bits), and its
# setup.sh writes bin/ and build/ next to itself, so the tree is copied first and built there.
# Idempotent: a second run with the binaries built from the same sources only checks them (unless --force).
#
# usage: test/dubbo-go/build.sh [--force]
# env:   DUBBO_GO_PEER_DIR  where the peer's sources are (default: <repo>/../shared/peers/dubbo-go)
# Prints the directory holding bin/dubbo-go-greet-server and bin/dubbo-go-greet-client on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SRC=${DUBBO_GO_PEER_DIR:-$ROOT/../shared/peers/dubbo-go}
OUT=$ROOT/test/dubbo-go/.build/peer
FORCE=()
[ "${1:-}" = --force ] && FORCE=(--force)
if [ ! -f "$SRC/setup.sh" ]; then
  echo "dubbo-go peer sources not found at $SRC (set DUBBO_GO_PEER_DIR)" >&2
  exit 1
fi
# Copy the sources (not bin/ or build/ of a previous in-place build); keep our own build outputs.
mkdir -p "$OUT"
for entry in "$SRC"/*; do
  name=$(basename "$entry")
  case "$name" in bin|build) continue;; esac
  rm -rf "${OUT:?}/$name"
  cp -r "$entry" "$OUT/$name"
done
chmod -R u+w "$OUT"
# Rebuild when the peer's sources changed since the last build (setup.sh alone keeps an existing bin/).
STAMP=$(cd "$OUT" && find . -path ./bin -prune -o -path ./build -prune -o -type f ! -name .source-stamp -print | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$OUT/.source-stamp" 2>/dev/null)" != "$STAMP" ]; then FORCE=(--force); fi
bash "$OUT/setup.sh" "${FORCE[@]}" >&2
echo "$STAMP" >"$OUT/.source-stamp"
test -x "$OUT/bin/dubbo-go-greet-server" && test -x "$OUT/bin/dubbo-go-greet-client"
echo "$OUT"
