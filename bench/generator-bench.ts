// Over 300 lines on purpose: one benchmark script (cold generate side by side with buf + protoc-gen-es,
// the 50-file corpus, output sizes) whose parts share its process and report helpers.
// Generator benchmark and output sizes:
//   - cold `tristub generate` (a new `node bin/tristub.js` process per run, wall time) of
//     examples/streaming/greet.proto and of a 50-file corpus written by corpusProtos() (imports between
//     the files, well-known types, every field shape, a 4-method service per file);
//   - size of the GreetService code tristub generates (stubs + inlined runtime), raw, minified (esbuild
//     transform: types stripped, minified) and minified+gzip, next to connect-es's and dubbo-js's
//     generated stubs, and esbuild bundles of a client entry and a server entry of each (the stubs plus
//     every runtime package they need; node:* stays external).
//
//   npx tsx bench/generator-bench.ts [--quick] [--runs N] [--no-write] [--cold-only]
// (`npm run bench:generator` builds dist/ first: bin/tristub.js runs the compiled generator.)
// --cold-only: just the cold-generation tables (tristub vs buf generate + protoc-gen-es, and the corpus).
// The RPC code must have been generated (bench/rpc/generate.ts; bench/run.ts does it).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, transform } from "esbuild";
import { benchDir, repoRoot } from "./generate.ts";
import { median } from "./harness.ts";
import { dubboDir, ensureDubboInstall, generateRpc, greetProto, rpcGenDir } from "./rpc/generate.ts";

const log = (s: string): void => void process.stderr.write(s + "\n");
const pkgVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
const cli = process.env["TRISTUB_CLI"] ?? join(repoRoot, "bin", "tristub.js");

/** The 50-file corpus: file i imports files i-1 and i-5 (when they exist) and google/protobuf/timestamp.proto. */
export function corpusProtos(count = 50): Map<string, string> {
  const files = new Map<string, string>();
  const name = (i: number): string => `corpus/v1/file${String(i).padStart(2, "0")}.proto`;
  for (let i = 0; i < count; i++) {
    const deps = [i - 1, i - 5].filter((d) => d >= 0);
    const n = String(i).padStart(2, "0");
    const ref = (d: number): string => `Item${String(d).padStart(2, "0")}`;
    const lines = [
      'syntax = "proto3";',
      "",
      "package corpus.v1;",
      "",
      'import "google/protobuf/timestamp.proto";',
      ...deps.map((d) => `import "${name(d)}";`),
      "",
      `enum Status${n} {`,
      `  STATUS${n}_UNSPECIFIED = 0;`,
      `  STATUS${n}_ACTIVE = 1;`,
      `  STATUS${n}_DONE = 2;`,
      "}",
      "",
      `message Item${n} {`,
      "  int32 id = 1;",
      "  int64 big = 2;",
      "  string title = 3;",
      "  bytes blob = 4;",
      "  bool flag = 5;",
      "  double score = 6;",
      "  repeated string tags = 7;",
      "  map<string, int64> counters = 8;",
      `  Status${n} status = 9;`,
      "  google.protobuf.Timestamp created = 10;",
      "  optional uint32 limit = 11;",
      "  oneof choice {",
      "    string text = 12;",
      "    Part part = 13;",
      "  }",
      "  message Part {",
      "    sint64 offset = 1;",
      "    fixed32 crc = 2;",
      "    repeated float weights = 3;",
      "  }",
      "  repeated Part parts = 14;",
      ...deps.map((d, k) => `  ${ref(d)} link${k} = ${15 + k};`),
      ...deps.map((d, k) => `  repeated ${ref(d)} links${k} = ${17 + k};`),
      "}",
      "",
      `message List${n} {`,
      `  repeated Item${n} items = 1;`,
      "  string next_page_token = 2;",
      "}",
      "",
      `service Service${n} {`,
      `  rpc Get(Item${n}) returns (Item${n});`,
      `  rpc List(Item${n}) returns (stream List${n});`,
      `  rpc Upload(stream Item${n}) returns (List${n});`,
      `  rpc Sync(stream Item${n}) returns (stream Item${n});`,
      "}",
      "",
    ];
    files.set(name(i), lines.join("\n"));
  }
  return files;
}

function dirStats(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) {
        files++;
        bytes += statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/**
 * Cold `tristub generate greet.proto` and cold `buf generate` with protoc-gen-es (target=ts, the
 * devDependency @bufbuild/protoc-gen-es) of the same proto, alternating run by run so that both see the
 * same machine load. Wall time (ms) per run, each into a fresh temp directory.
 */
function timeSideBySide(runs: number): { tristub: number[]; bufEs: number[] } {
  const tristub: number[] = [];
  const bufEs: number[] = [];
  const protoDir = join(repoRoot, "examples", "streaming");
  const buf = join(repoRoot, "node_modules", ".bin", "buf");
  const plugin = join(repoRoot, "node_modules", ".bin", "protoc-gen-es");
  for (let r = 0; r < runs; r++) {
    const work = mkdtempSync(join(tmpdir(), "tristub-bench-vs-"));
    try {
      const template = join(work, "buf.gen.yaml");
      writeFileSync(template, `version: v2\nplugins:\n  - local: ${JSON.stringify(plugin)}\n    out: ${JSON.stringify(join(work, "es"))}\n    opt: target=ts\n`);
      let t0 = performance.now();
      execFileSync(process.execPath, [cli, "generate", greetProto, "-I", protoDir, "--out", join(work, "tristub")], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      tristub.push(performance.now() - t0);
      t0 = performance.now();
      execFileSync(buf, ["generate", protoDir, "--template", template], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      bufEs.push(performance.now() - t0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { tristub, bufEs };
}

/** Wall time (ms) of each cold run of `tristub generate args --out <fresh dir>`, plus the last output's stats. */
function timeGenerate(protoArgs: string[], runs: number): { times: number[]; files: number; bytes: number } {
  const times: number[] = [];
  let stats = { files: 0, bytes: 0 };
  for (let r = 0; r < runs; r++) {
    const out = mkdtempSync(join(tmpdir(), "tristub-bench-out-"));
    try {
      const t0 = performance.now();
      execFileSync(process.execPath, [cli, "generate", ...protoArgs, "--out", out], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      times.push(performance.now() - t0);
      stats = dirStats(out);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return { times, ...stats };
}

interface SizeRow {
  readonly what: string;
  readonly files: string;
  readonly raw: number;
  readonly min: number;
  readonly gz: number;
}

async function fileSizes(what: string, paths: string[], filesLabel?: string): Promise<SizeRow> {
  let raw = 0;
  let min = 0;
  let gz = 0;
  for (const p of paths) {
    const text = readFileSync(p, "utf8");
    raw += Buffer.byteLength(text);
    const out = await transform(text, { loader: "ts", minify: true, format: "esm", target: "es2022" });
    min += Buffer.byteLength(out.code);
    gz += gzipSync(out.code, { level: 9 }).length;
  }
  return { what, files: filesLabel ?? paths.map((p) => relative(repoRoot, p)).join(", "), raw, min, gz };
}

interface BundleRow {
  readonly system: string;
  readonly entry: "client" | "server";
  readonly min: number;
  readonly gz: number;
  /** Bytes of the minified bundle that came from npm packages. */
  readonly fromPackages: number;
}

async function bundle(system: string, entry: "client" | "server", contents: string, resolveDir: string): Promise<BundleRow> {
  const r = await build({
    stdin: { contents, resolveDir, sourcefile: `${system}-${entry}.ts`, loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = r.outputFiles[0]!.contents;
  const inputs = Object.values(r.metafile.outputs)[0]!.inputs;
  const fromPackages = Object.entries(inputs)
    .filter(([p]) => p.includes("node_modules/"))
    .reduce((s, [, v]) => s + v.bytesInOutput, 0);
  return { system, entry, min: code.length, gz: gzipSync(code, { level: 9 }).length, fromPackages };
}

const entries = {
  tristub: {
    dir: join(rpcGenDir, "tristub"),
    client: `import { createGreetServiceClient } from "./greet.ts";
const client = createGreetServiceClient({ baseUrl: process.argv[2]! });
console.log(await client.greet({ name: "triple" }));
for await (const m of client.greetServerStream({ name: "3" })) console.log(m);
await client.close();`,
    server: `import { createTripleServer } from "./tristub-runtime.ts";
import { registerGreetService } from "./greet.ts";
const server = createTripleServer();
registerGreetService(server, {
  greet: (r) => ({ greeting: r.name }),
  async greetServerStream(r, s) { for (let i = 0; i < 3; i++) await s.send({ greeting: r.name }); },
  async greetClientStream(s) { const n = []; for await (const r of s) n.push(r.name); return { greeting: n.join(",") }; },
  async greetStream(s) { for await (const r of s) await s.send({ greeting: r.name }); },
});
await server.listen({ port: 20000 });`,
  },
  "connect-es": {
    dir: join(rpcGenDir, "connect"),
    client: `import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { GreetService } from "./greet_pb.ts";
const client = createClient(GreetService, createGrpcTransport({ baseUrl: process.argv[2]! }));
console.log(await client.greet({ name: "triple" }));
for await (const m of client.greetServerStream({ name: "3" })) console.log(m);`,
    server: `import * as http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GreetService } from "./greet_pb.ts";
const handler = connectNodeAdapter({ routes: (router) => router.service(GreetService, {
  greet: (r) => ({ greeting: r.name }),
  async *greetServerStream(r) { for (let i = 0; i < 3; i++) yield { greeting: r.name }; },
  async greetClientStream(s) { const n = []; for await (const r of s) n.push(r.name); return { greeting: n.join(",") }; },
  async *greetStream(s) { for await (const r of s) yield { greeting: r.name }; },
}) });
http2.createServer(handler).listen(20000);`,
  },
  "dubbo-js": {
    dir: join(dubboDir, ".gen"),
    client: `import { createPromiseClient } from "@apachedubbo/dubbo";
import { createGrpcTransport } from "@apachedubbo/dubbo-node";
import { GreetService } from "./greet_dubbo.ts";
const client = createPromiseClient(GreetService, createGrpcTransport({ baseUrl: process.argv[2], httpVersion: "2" }));
console.log(await client.greet({ name: "triple" }));
for await (const m of client.greetServerStream({ name: "3" })) console.log(m);`,
    server: `import * as http2 from "node:http2";
import { dubboNodeAdapter } from "@apachedubbo/dubbo-node";
import { GreetService } from "./greet_dubbo.ts";
const handler = dubboNodeAdapter({ routes: (router) => router.service(GreetService, {
  greet: (r) => ({ greeting: r.name }),
  async *greetServerStream(r) { for (let i = 0; i < 3; i++) yield { greeting: r.name }; },
  async greetClientStream(s) { const n = []; for await (const r of s) n.push(r.name); return { greeting: n.join(",") }; },
  async *greetStream(s) { for await (const r of s) yield { greeting: r.name }; },
}) });
http2.createServer(handler).listen(20000);`,
  },
} as const;

export interface GeneratorOptions {
  quick: boolean;
  runs: number | undefined;
  /** Only the cold-generation tables (no sizes or bundles, which need the RPC code generated). */
  coldOnly?: boolean;
}

export async function runGeneratorBench(o: GeneratorOptions): Promise<{ markdown: string; commands: string[] }> {
  const runs = o.runs ?? (o.quick ? 3 : 5);
  const md: string[] = [];
  const commands: string[] = [];
  const kb = (b: number): string => (b / 1024).toFixed(1);
  const msf = (t: number): string => Math.round(t).toLocaleString("en-US");

  // Cold generation, side by side with buf generate + protoc-gen-es.
  log(`bench: tristub generate vs buf generate + protoc-gen-es, greet.proto, ${runs} cold runs each, alternating`);
  const vs = timeSideBySide(runs);
  const ratio = median(vs.tristub) / median(vs.bufEs);
  commands.push(`buf generate examples/streaming --template <temp buf.gen.yaml: local protoc-gen-es, opt target=ts> (alternating with tristub generate)`);
  md.push("### Cold generate: tristub vs buf generate + protoc-gen-es");
  md.push("");
  md.push(
    `examples/streaming/greet.proto, a new process each run into a fresh temp directory, the two commands alternating run by run (same machine load), median of ${runs}. ` +
      "tristub: `node bin/tristub.js generate greet.proto -I examples/streaming --out <dir>` (compiled dist/, bundled buf compiles the proto). " +
      "protoc-gen-es: `buf generate examples/streaming` with `local: protoc-gen-es`, `opt: target=ts` (@bufbuild/protoc-gen-es " +
      `${pkgVersion("@bufbuild/protoc-gen-es")}, buf ${pkgVersion("@bufbuild/buf")}). Goal: ratio ≤ 0.7.`,
  );
  md.push("");
  md.push("| command | median ms | min ms | max ms |");
  md.push("|---|---:|---:|---:|");
  md.push(`| tristub generate | ${msf(median(vs.tristub))} | ${msf(Math.min(...vs.tristub))} | ${msf(Math.max(...vs.tristub))} |`);
  md.push(`| buf generate + protoc-gen-es | ${msf(median(vs.bufEs))} | ${msf(Math.min(...vs.bufEs))} | ${msf(Math.max(...vs.bufEs))} |`);
  md.push(`| **ratio tristub / protoc-gen-es (medians)** | **${ratio.toFixed(2)}** | | |`);
  md.push("");

  log(`bench: tristub generate greet.proto, ${runs} cold runs`);
  const greetArgs = [relative(repoRoot, greetProto), "-I", "examples/streaming"];
  const greet = timeGenerate(greetArgs, runs);
  commands.push(`node bin/tristub.js generate ${greetArgs.join(" ")} --out $(mktemp -d)`);
  const corpusDir = mkdtempSync(join(tmpdir(), "tristub-bench-corpus-"));
  let corpus: ReturnType<typeof timeGenerate>;
  let corpusLines = 0;
  try {
    const protos = corpusProtos(50);
    for (const [name, text] of protos) {
      mkdirSync(join(corpusDir, "corpus", "v1"), { recursive: true });
      writeFileSync(join(corpusDir, name), text);
      corpusLines += text.split("\n").length;
    }
    log(`bench: tristub generate of the 50-file corpus, ${runs} cold runs`);
    corpus = timeGenerate([...protos.keys()].map((n) => join(corpusDir, n)).concat(["-I", corpusDir]), runs);
    commands.push("node bin/tristub.js generate <50 corpus files> -I <corpus dir> --out $(mktemp -d)   (corpus: corpusProtos() in bench/generator-bench.ts)");
  } finally {
    rmSync(corpusDir, { recursive: true, force: true });
  }
  md.push("### Cold `tristub generate`");
  md.push("");
  md.push(
    `Cold runs: a new \`node bin/tristub.js generate … --out <fresh temp dir>\` process each time (Node start-up, loading the compiled generator from dist/, buf compiling the protos, emitting, writing), wall time, median of ${runs} runs.`,
  );
  md.push("");
  md.push("| input | median ms | min ms | max ms | output |");
  md.push("|---|---:|---:|---:|---|");
  md.push(`| examples/streaming/greet.proto (1 file, 8 messages, 1 service) | ${msf(median(greet.times))} | ${msf(Math.min(...greet.times))} | ${msf(Math.max(...greet.times))} | ${greet.files} .ts files, ${kb(greet.bytes)} KiB |`);
  md.push(
    `| 50-file corpus (${corpusLines.toLocaleString("en-US")} lines of proto; each file imports the previous and the fifth-previous file and google/protobuf/timestamp.proto; 3 messages, 1 enum, 4-method service each) | ${msf(median(corpus.times))} | ${msf(Math.min(...corpus.times))} | ${msf(Math.max(...corpus.times))} | ${corpus.files} .ts files, ${kb(corpus.bytes)} KiB |`,
  );
  md.push("");
  if (o.coldOnly === true) return { markdown: md.join("\n"), commands };

  // Sizes.
  log("bench: sizes and esbuild bundles");
  // The runtime is a module tree (tristub/<layer>/<module>.ts) beside the entry files: count all of it.
  const tristubDir = join(rpcGenDir, "tristub");
  const tristubFiles = (readdirSync(tristubDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(tristubDir, f));
  const rows = [
    await fileSizes(
      "tristub: stubs + inlined runtime (all generated files)",
      tristubFiles,
      `${relative(repoRoot, tristubDir)}/**/*.ts (${tristubFiles.length} files: greet.ts, tristub-registry.ts, tristub-runtime.ts and the runtime tree tristub/)`,
    ),
    await fileSizes("tristub: stubs only (greet.ts)", [join(rpcGenDir, "tristub", "greet.ts")]),
    await fileSizes("connect-es: stubs (protoc-gen-es v2, target=ts)", [join(rpcGenDir, "connect", "greet_pb.ts")]),
    await fileSizes("dubbo-js: stubs (protoc-gen-es v1 + protoc-gen-apache-dubbo-es, target=ts)", [join(dubboDir, ".gen", "greet_pb.ts"), join(dubboDir, ".gen", "greet_dubbo.ts")]),
  ];
  md.push("### Generated GreetService code");
  md.push("");
  md.push("Minified = esbuild `transform` (loader ts, minify, esm) per file; gzip = level 9 per minified file, summed.");
  md.push("");
  md.push("| code | raw KiB | minified KiB | min+gzip KiB | files |");
  md.push("|---|---:|---:|---:|---|");
  for (const r of rows) md.push(`| ${r.what} | ${kb(r.raw)} | ${kb(r.min)} | ${kb(r.gz)} | ${r.files} |`);
  md.push("");

  const bundles: BundleRow[] = [];
  for (const [system, e] of Object.entries(entries)) {
    for (const entry of ["client", "server"] as const) bundles.push(await bundle(system, entry, e[entry], e.dir));
  }
  md.push("### What ships: esbuild bundles of a GreetService client and server");
  md.push("");
  md.push(
    "`esbuild.build({ bundle: true, platform: \"node\", format: \"esm\", target: \"es2022\", minify: true })` of a small entry per system " +
      "(client: create the client, one unary and one server-streaming call; server: implement all four methods and listen; the entries are in `bench/generator-bench.ts`), " +
      "node:* external. \"from npm packages\" = bytes of the minified bundle that esbuild attributes to node_modules (the runtime packages each generated stub needs).",
  );
  md.push("");
  md.push("| system | entry | bundle min KiB | min+gzip KiB | of which from npm packages (min KiB) |");
  md.push("|---|---|---:|---:|---:|");
  for (const b of bundles) md.push(`| ${b.system} | ${b.entry} | ${kb(b.min)} | ${kb(b.gz)} | ${kb(b.fromPackages)} |`);
  md.push("");
  return { markdown: md.join("\n"), commands };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const ri = argv.indexOf("--runs");
  const coldOnly = argv.includes("--cold-only");
  if (!coldOnly) {
    ensureDubboInstall();
    generateRpc();
  }
  const r = await runGeneratorBench({ quick: argv.includes("--quick"), runs: ri >= 0 ? Number(argv[ri + 1]) : undefined, coldOnly });
  const report = `# Generator benchmark\n\n${r.markdown}\n`;
  process.stdout.write(report);
  if (!argv.includes("--no-write")) {
    mkdirSync(join(benchDir, "results"), { recursive: true });
    writeFileSync(join(benchDir, "results", "generator.md"), report);
  }
}
