#!/usr/bin/env bash
# The new user's first hour, end to end (`npm run test:first-hour`; .ci/run runs it):
#   npm pack tristub (prepack builds dist/), check the tarball (size, no sources/tests), then for a fresh
#   "type": "module" project and a fresh "type": "commonjs" project (npm init -y):
#   npm install the tarball (plus typescript and @types/node, pinned to this repo's versions), copy the
#   seed's greet.proto, `npx tristub generate` (ESM: with a tristub.config.json and no arguments; CommonJS:
#   --js-import-style legacy_commonjs --health --reflection), type-check strictly with tsc (strict, exactOptionalPropertyTypes,
#   noUncheckedIndexedAccess, verbatimModuleSyntax, erasableSyntaxOnly, module nodenext), compile, start
#   the server, run the client and check every greeting of the four call kinds.
# Needs the npm registry (for tristub's dependencies and typescript). Temp dirs are removed on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/tristub-first-hour-XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf 'first-hour: %s\n' "$*" >&2; }
fail() { printf 'first-hour: FAIL: %s\n' "$*" >&2; exit 1; }
limit() { timeout --kill-after=10 "$@"; }

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
max_tarball_bytes=$((300 * 1024))
version_of() { node -p "require('$root/package.json').devDependencies['$1']"; }
ts_version="$(version_of typescript)"
types_node_version="$(version_of @types/node)"

step "npm pack"
tarball_name="$(cd "$root" && limit 300 npm pack --silent --pack-destination "$work" | tail -1)"
tarball="$work/$tarball_name"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"
bytes=$(stat -c %s "$tarball")
listing="$(tar -tzf "$tarball")"
files=$(printf '%s\n' "$listing" | wc -l)
step "tarball $tarball_name: $bytes bytes, $files files"
[ "$bytes" -le "$max_tarball_bytes" ] || fail "tarball is $bytes bytes (limit $max_tarball_bytes)"
unexpected=$(printf '%s\n' "$listing" | grep -vE '^package/(package\.json|README\.md|LICENSE|tristub\.config\.schema\.json|bin/[^/]+\.js|dist/generator/.+\.(js|json)|generator/protos/.+\.(binpb|proto))$' || true)
[ -z "$unexpected" ] || fail "tarball holds files users do not need: $unexpected"
printf '%s\n' "$listing" | grep -qx 'package/LICENSE' || fail "no LICENSE in the tarball"
printf '%s\n' "$listing" | grep -qx 'package/dist/generator/runtime/runtime-manifest.json' || fail "no prebuilt runtime manifest"

# new_project DIR TYPE: npm init -y, set "type", install the tarball, then typescript and @types/node.
new_project() {
  mkdir -p "$1"
  (cd "$1" && npm init -y >/dev/null && npm pkg set type="$2")
  (cd "$1" && limit 600 npm install --silent "$tarball") || fail "$2: npm install of the tarball failed"
  local size
  size=$(du -sk "$1/node_modules" | cut -f1)
  step "$2: tristub installed: $(find "$1/node_modules" -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*/*' | wc -l) package.json files, ${size} KiB in node_modules"
  if [ -e "$1/node_modules/.bin/tsc" ]; then
    step "$2: note: installing tristub put a tsc into node_modules/.bin ($(node -p "require('$1/node_modules/typescript/package.json').version"))"
  fi
  (cd "$1" && limit 600 npm install --silent --save-dev "typescript@$ts_version" "@types/node@$types_node_version") || fail "$2: npm install typescript failed"
  cp "$root/examples/streaming/greet.proto" "$1/greet.proto"
}

write_tsconfig() {
  cat >"$1/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "lib": ["es2022"],
    "types": ["node"],
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "noUnusedLocals": true,
    "noImplicitOverride": true,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true,
    "skipLibCheck": true,
    "outDir": "out",
    "rootDir": "."
  },
  "include": ["*.ts", "*.mts", "gen"]
}
JSON
}

# run_pair DIR SERVER_JS CLIENT_JS: start the server (it prints its port), run the client, check its output.
run_pair() {
  local dir="$1" log="$1/server.log"
  (cd "$dir" && exec node "$2") >"$log" 2>&1 &
  server_pid=$!
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening on [^:]*:\([0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || fail "$dir: server exited: $(cat "$log")"
    sleep 0.1
  done
  [ -n "$port" ] || fail "$dir: server did not start: $(cat "$log")"
  local out
  out=$(cd "$dir" && limit 60 node "$3" "$port" 2>&1) || fail "$dir: client failed: $out"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local expected
  expected=$'unary: triple\nbidi: triple\nclient stream: triple,triple,triple,triple,triple\nserver stream: triple,triple,triple,triple,triple'
  [ "$out" = "$expected" ] || fail "$dir: client printed:\n$out\nexpected:\n$expected"
  step "$(basename "$dir"): client got every greeting"
}

# The client and server bodies, shared by both projects (only how they import the generated code differs).
server_body='
const server = createTripleServer();
registerGreetService(server, {
  greet: (request) => ({ greeting: request.name }),
  async greetServerStream(request, stream) {
    for (let i = 0; i < 5; i++) await stream.send({ greeting: request.name });
  },
  async greetClientStream(stream) {
    const names: string[] = [];
    for await (const request of stream) names.push(request.name);
    return { greeting: names.join(",") };
  },
  async greetStream(stream) {
    for await (const request of stream) await stream.send({ greeting: request.name });
  },
});
server.listen({ host: "127.0.0.1", port: 0 }).then((address) => process.stdout.write(`listening on ${address.host}:${address.port}\n`));
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
'
client_body='
async function main(): Promise<void> {
  const client = createGreetServiceClient({ baseUrl: `http://127.0.0.1:${process.argv[2] ?? ""}` });
  const unary = await client.greet({ name: "triple" }, { timeoutMs: 10_000 });
  const bidi = client.greetStream({ timeoutMs: 10_000 });
  await bidi.send({ name: "triple" });
  bidi.closeRequest();
  const bidiReplies: string[] = [];
  for await (const reply of bidi) bidiReplies.push(reply.greeting);
  const upload = client.greetClientStream({ timeoutMs: 10_000 });
  for (let i = 0; i < 5; i++) await upload.send({ name: "triple" });
  const uploaded = await upload.closeAndRecv();
  const streamed: string[] = [];
  for await (const reply of client.greetServerStream({ name: "triple" }, { timeoutMs: 10_000 })) streamed.push(reply.greeting);
  console.log(`unary: ${unary.greeting}\nbidi: ${bidiReplies.join(",")}\nclient stream: ${uploaded.greeting}\nserver stream: ${streamed.join(",")}`);
  await client.close();
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
'

# 1. A "type": "module" project, configured with tristub.config.json; `npx tristub generate` without arguments.
esm="$work/esm-project"
new_project "$esm" module
cat >"$esm/tristub.config.json" <<'JSON'
{ "$schema": "./node_modules/tristub/tristub.config.schema.json", "outputs": [{ "protos": ["greet.proto"], "out": "gen" }] }
JSON
(cd "$esm" && limit 120 npx --no-install tristub generate) || fail "esm: tristub generate failed"
[ -f "$esm/gen/greet.ts" ] || fail "esm: gen/greet.ts was not written"
[ -f "$esm/node_modules/tristub/tristub.config.schema.json" ] || fail "esm: the configuration's JSON schema is not installed"
write_tsconfig "$esm"
printf '%s\n%s' 'import { registerGreetService } from "./gen/greet.js";
import { createTripleServer } from "./gen/tristub-runtime.js";' "$server_body" >"$esm/server.ts"
printf '%s\n%s' 'import { createGreetServiceClient } from "./gen/greet.js";' "$client_body" >"$esm/client.ts"
(cd "$esm" && limit 300 npx --no-install tsc -p .) || fail "esm: strict type-check failed"
step "esm: strict type-check passed"
run_pair "$esm" out/server.js out/client.js

# 2. A "type": "commonjs" project: .mts output, loaded from CommonJS with require().
cjs="$work/cjs-project"
new_project "$cjs" commonjs
# With health and reflection: the official protos come from the installed package (generator/protos).
(cd "$cjs" && limit 120 npx --no-install tristub generate greet.proto --out gen --js-import-style legacy_commonjs --health --reflection) || fail "cjs: tristub generate failed"
[ -f "$cjs/gen/greet.mts" ] || fail "cjs: gen/greet.mts was not written"
[ -f "$cjs/gen/grpc/health/v1/health.mts" ] && [ -f "$cjs/gen/tristub-reflection.mts" ] || fail "cjs: --health --reflection wrote no health or reflection modules"
write_tsconfig "$cjs"
printf '%s\n%s' 'const { registerGreetService } = require("./gen/greet.mjs") as typeof import("./gen/greet.mjs");
const { createTripleServer } = require("./gen/tristub-runtime.mjs") as typeof import("./gen/tristub-runtime.mjs");' "$server_body" >"$cjs/server.ts"
printf '%s\n%s' 'const { createGreetServiceClient } = require("./gen/greet.mjs") as typeof import("./gen/greet.mjs");' "$client_body" >"$cjs/client.ts"
(cd "$cjs" && limit 300 npx --no-install tsc -p .) || fail "cjs: strict type-check failed"
grep -q 'require("./gen/greet.mjs")' "$cjs/out/client.js" || fail "cjs: client did not compile to CommonJS"
step "cjs: strict type-check passed"
run_pair "$cjs" out/server.js out/client.js

step "passed"
