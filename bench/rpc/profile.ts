// Over 300 lines on purpose: profiling, source-map resolution back to runtime-template/ and the
// report are one pipeline for bench/rpc.ts; splitting would only pass its state between files.
// CPU profiles of tristub's RPC runtime (`node --cpu-prof`), for bench/rpc.ts:
//   - the tristub server under h2load (unary Greet, the same load as the unary server table)
//   - the tristub unary client calling the raw floor server (32 concurrent calls)
//   - the tristub server-streaming client receiving from the raw floor server
//   - the tristub server streaming to the raw floor client
// The generated code is compiled with the project's tsc (--sourceMap, one statement per line) into
// bench/rpc/.gen/prof/js/ and loaded with TRISTUB_RPC_GEN, so samples map back to
// bench/rpc/.gen/tristub/tristub/**/*.ts lines, and from there to runtime-template/**/*.ts by the text
// of the function's first line.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../generate.ts";
import { rpcGenDir } from "./generate.ts";
import { readTemplateSources } from "../../generator/runtime/template-sources.ts";
import { runClient, runH2load, startServer } from "./procs.ts";

const profDir = join(rpcGenDir, "prof");
const jsDir = join(profDir, "js");
const runtimeTemplateDir = join(repoRoot, "runtime-template");

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  readonly label: string;
  readonly where: string;
  readonly category: string;
  readonly selfPct: number;
  readonly totalPct: number;
  readonly hotLines: string;
}

export interface ProfileReport {
  readonly title: string;
  readonly command: string;
  readonly profileFile: string;
  readonly busyMs: number;
  readonly categories: [string, number][];
  readonly functions: HotFunction[];
  readonly note: string;
}

/** Compiles the generated tristub GreetService code to JS with source maps; returns the directory. */
export function compileForProfile(): string {
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(jsDir, { recursive: true });
  const src = join(rpcGenDir, "tristub");
  const files = readdirSync(src).filter((f) => f.endsWith(".ts")).map((f) => relative(repoRoot, join(src, f)));
  execFileSync(
    join(repoRoot, "node_modules", ".bin", "tsc"),
    [
      "--ignoreConfig", "--noCheck", "--skipLibCheck", "--sourceMap",
      "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
      "--types", "node", "--rootDir", relative(repoRoot, src), "--outDir", relative(repoRoot, jsDir), ...files,
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  writeFileSync(join(jsDir, "package.json"), '{ "type": "module" }\n');
  return jsDir;
}

class Locator {
  private readonly maps = new Map<string, SourceMap | null>();
  private readonly lines = new Map<string, string[]>();
  private templateIndex: Map<string, string[]> | undefined;

  private map(url: string): SourceMap | null {
    let m = this.maps.get(url);
    if (m === undefined) {
      try {
        m = new SourceMap(JSON.parse(readFileSync(fileURLToPath(url) + ".map", "utf8")) as never);
      } catch {
        m = null;
      }
      this.maps.set(url, m);
    }
    return m;
  }

  original(url: string, line0: number, col0: number): { file: string; line: number } {
    const generated = { file: fileURLToPath(url), line: line0 + 1 };
    const map = this.map(url);
    if (map === null) return generated;
    const entry = map.findEntry(line0, col0) as { originalSource?: string; originalLine?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return generated;
    const file = entry.originalSource.startsWith("file:") ? fileURLToPath(entry.originalSource) : join(fileURLToPath(new URL(".", url)), entry.originalSource);
    return { file, line: entry.originalLine + 1 };
  }

  source(file: string): string[] {
    let lines = this.lines.get(file);
    if (lines === undefined) {
      lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
      this.lines.set(file, lines);
    }
    return lines;
  }

  /** runtime-template/<file>.ts:<line> holding the same (trimmed) line, when exactly one does. */
  template(text: string): string | undefined {
    if (this.templateIndex === undefined) {
      this.templateIndex = new Map();
      for (const [f, text] of readTemplateSources(runtimeTemplateDir)) {
        text
          .split("\n")
          .forEach((l, i) => {
            const k = l.trim();
            if (k.length < 12) return;
            const list = this.templateIndex!.get(k) ?? [];
            list.push(`runtime-template/${f}:${i + 1}`);
            this.templateIndex!.set(k, list);
          });
      }
    }
    const hits = this.templateIndex.get(text.trim());
    return hits?.length === 1 ? hits[0] : undefined;
  }

  /** The class enclosing a 1-based line (for method labels). */
  owner(file: string, line1: number): string | undefined {
    const lines = this.source(file);
    for (let i = Math.min(line1, lines.length) - 1; i >= 0; i--) {
      const m = /^export const (\w+): MessageCodec</.exec(lines[i]!) ?? /^(?:export )?(?:abstract )?class (\w+)/.exec(lines[i]!);
      if (m !== null) return m[1];
      if (/^(?:export )?(?:async )?function /.test(lines[i]!) || /^};?$/.test(lines[i]!)) return undefined;
    }
    return undefined;
  }
}

function categoryOf(url: string, file: string | undefined): string {
  if (url === "") return "";
  if (url.startsWith("node:")) return "node built-ins (node:*)";
  if (file !== undefined && file.startsWith(join(rpcGenDir, "tristub") + "/")) {
    const runtime = basename(file) === "tristub-runtime.ts" || file.startsWith(join(rpcGenDir, "tristub", "tristub") + "/");
    return runtime ? "tristub runtime" : "tristub generated stubs";
  }
  if (url.includes("/node_modules/")) return "npm packages";
  return "benchmark harness";
}

/**
 * Self-time table of a profile; categories and percentages are of the busy (not idle) samples taken
 * from the first sample whose stack has a function named `startAt` on (start-up and module loading
 * are left out).
 */
export function analyse(profile: CpuProfile, top: number, startAt: string): Omit<ProfileReport, "title" | "command" | "profileFile" | "note"> {
  const locator = new Locator();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const marked = new Set<number>();
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== startAt) continue;
    const stack = [n.id];
    while (stack.length > 0) {
      const id = stack.pop()!;
      marked.add(id);
      stack.push(...(byId.get(id)!.children ?? []));
    }
  }
  const found = profile.samples.findIndex((id) => marked.has(id));
  const first = found < 0 ? profile.samples.length : found; // no RPC seen: nothing to report
  const meta = new Map<string, { label: string; where: string; category: string; file?: string; head?: number }>();
  const keyOf = (n: ProfileNode): string => {
    const f = n.callFrame;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    if (!meta.has(key)) {
      let label = f.functionName || "(anonymous)";
      let where = f.url === "" ? "" : f.url.startsWith("node:") ? `${f.url}:${f.lineNumber + 1}` : f.url;
      let category = f.url === "" ? (label === "(garbage collector)" ? "GC" : label === "(program)" ? "(program): native code outside JS (nghttp2, libuv, V8)" : "native") : categoryOf(f.url, undefined);
      let file: string | undefined;
      let head: number | undefined;
      if (f.url.startsWith("file:") && f.lineNumber >= 0) {
        const pos = locator.original(f.url, f.lineNumber, f.columnNumber);
        file = pos.file;
        head = pos.line;
        category = categoryOf(f.url, pos.file);
        const owner = locator.owner(pos.file, pos.line);
        if (owner !== undefined && !label.startsWith(owner + ".") && label !== owner) label = `${owner}.${label}`;
        where = `${relative(repoRoot, pos.file)}:${pos.line}`;
        if (category === "tristub runtime") {
          const t = locator.template(locator.source(pos.file)[pos.line - 1] ?? "");
          if (t !== undefined) where = `${t} (${basename(pos.file)}:${pos.line})`;
        }
      }
      meta.set(key, { label, where, category, ...(file !== undefined ? { file } : {}), ...(head !== undefined ? { head } : {}) });
    }
    return key;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const categories = new Map<string, number>();
  let busy = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    if (i < first || node.callFrame.functionName === "(idle)") return;
    busy++;
    busyUs += profile.timeDeltas[i] ?? 0;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + 1);
    const cat = meta.get(key)!.category;
    categories.set(cat, (categories.get(cat) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur)!);
      if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + 1);
      seen.add(k);
    }
  });
  // Hottest original lines of each function (positionTicks are 1-based generated lines).
  const lineTicks = new Map<string, Map<number, number>>();
  for (const n of profile.nodes) {
    if (n.positionTicks === undefined || !n.callFrame.url.startsWith("file:")) continue;
    const key = keyOf(n);
    const m = lineTicks.get(key) ?? new Map<number, number>();
    for (const p of n.positionTicks) {
      const pos = locator.original(n.callFrame.url, p.line - 1, 200);
      if (pos.file !== meta.get(key)!.file) continue;
      m.set(pos.line, (m.get(pos.line) ?? 0) + p.ticks);
    }
    lineTicks.set(key, m);
  }
  const functions = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => {
      const info = meta.get(key)!;
      const ticks = lineTicks.get(key) ?? new Map<number, number>();
      const sum = [...ticks.values()].reduce((x, y) => x + y, 0);
      const hotLines = [...ticks]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 2)
        .filter(([, c]) => c / sum >= 0.1)
        .map(([l, c]) => {
          const text = info.file === undefined ? "" : (locator.source(info.file)[l - 1] ?? "").trim();
          return `${l} (${Math.round((100 * c) / sum)}%) \`${text.length > 60 ? text.slice(0, 57) + "..." : text}\``;
        })
        .join("; ");
      return { label: info.label, where: info.where, category: info.category, selfPct: (100 * hits) / busy, totalPct: (100 * (total.get(key) ?? 0)) / busy, hotLines };
    });
  return {
    busyMs: busyUs / 1000,
    categories: [...categories].sort((a, b) => b[1] - a[1]).map(([c, n]) => [c, (100 * n) / busy] as [string, number]),
    functions,
  };
}

function readProfile(dir: string): { profile: CpuProfile; file: string } {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`bench: no .cpuprofile in ${dir}`);
  return { profile: JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, file: join(dir, file) };
}

export interface ProfileOptions {
  readonly h2loadSeconds: number;
  readonly streamMessages: number;
  readonly unarySeconds: number;
  readonly h2loadBody: string;
  readonly top: number;
}

export type ProfileOutcome = { ok: true; report: ProfileReport } | { ok: false; title: string; error: string };

/** Runs the profiles (each on its own: one failing does not stop the others). */
export async function runRpcProfiles(o: ProfileOptions, log: (s: string) => void): Promise<ProfileOutcome[]> {
  const js = compileForProfile();
  const env = { TRISTUB_RPC_GEN: js };
  const jsRel = relative(repoRoot, js);
  const profArgs = (dir: string): string[] => ["--cpu-prof", "--cpu-prof-dir", relative(repoRoot, dir), "--cpu-prof-interval", "200"];
  const port = (cmd: string): string => cmd.replace(/http:\/\/127\.0\.0\.1:\d+/g, "http://127.0.0.1:PORT");

  interface Job {
    readonly title: string;
    readonly dir: string;
    readonly startAt: string;
    run(dir: string): Promise<{ command: string; note: string }>;
  }
  const jobs: Job[] = [
    {
      title: "tristub server, unary Greet under h2load",
      dir: "server",
      startAt: "onStream",
      async run(dir) {
        const server = await startServer("tristub", { nodeArgs: profArgs(dir), env });
        try {
          const r = await runH2load(server, o.h2loadBody, join(profDir, "h2load.log"), { clients: 16, streams: 32, warmupS: 1, durationS: o.h2loadSeconds });
          return {
            command: port(`TRISTUB_RPC_GEN=${jsRel} node ${profArgs(dir).join(" ")} --import tsx bench/rpc/server.ts tristub  +  ${r.command.replace(/ --log-file=\S+/, "")}`),
            note: `${Math.round(r.perSec).toLocaleString("en-US")} req/s under the profiler. Samples from the first request on (h2load's warm-up and ${o.h2loadSeconds} s measured).`,
          };
        } finally {
          await server.stop();
        }
      },
    },
    {
      title: "tristub unary client (raw floor server)",
      dir: "unary-client",
      startAt: "onData",
      async run(dir) {
        const server = await startServer("raw");
        try {
          const args = ["unary", "--target", server.baseUrl, "--concurrency", "32", "--warmup", "0.5", "--duration", String(o.unarySeconds)];
          const r = await runClient<{ perSec: number }>("tristub", args, { nodeArgs: profArgs(dir), env });
          return {
            command: port(`node --import tsx bench/rpc/server.ts raw  +  TRISTUB_RPC_GEN=${jsRel} node ${profArgs(dir).join(" ")} --import tsx bench/rpc/client.ts tristub ${args.join(" ")}`),
            note: `${Math.round(r.perSec).toLocaleString("en-US")} calls/s under the profiler. Samples from the first response DATA (ClientCall.onData) on.`,
          };
        } finally {
          await server.stop();
        }
      },
    },
    {
      title: "tristub server-streaming client (raw floor server)",
      dir: "stream-client",
      startAt: "onData",
      async run(dir) {
        const server = await startServer("raw");
        try {
          const args = ["stream", "--target", server.baseUrl, "--messages", String(o.streamMessages), "--warmup-messages", "0"];
          const r = await runClient<{ perSec: number }>("tristub", args, { nodeArgs: profArgs(dir), env });
          return {
            command: port(`node --import tsx bench/rpc/server.ts raw  +  TRISTUB_RPC_GEN=${jsRel} node ${profArgs(dir).join(" ")} --import tsx bench/rpc/client.ts tristub ${args.join(" ")}`),
            note: `${Math.round(r.perSec).toLocaleString("en-US")} msgs/s under the profiler. Samples from the first received DATA (ClientCall.onData) on.`,
          };
        } finally {
          await server.stop();
        }
      },
    },
    {
      title: "tristub server-streaming server (raw floor client)",
      dir: "stream-server",
      startAt: "greetServerStream",
      async run(dir) {
        const server = await startServer("tristub", { nodeArgs: profArgs(dir), env });
        try {
          const args = ["stream", "--target", server.baseUrl, "--messages", String(o.streamMessages), "--warmup-messages", "0"];
          const r = await runClient<{ perSec: number }>("raw", args);
          return {
            command: port(`TRISTUB_RPC_GEN=${jsRel} node ${profArgs(dir).join(" ")} --import tsx bench/rpc/server.ts tristub  +  node --import tsx bench/rpc/client.ts raw ${args.join(" ")}`),
            note: `${Math.round(r.perSec).toLocaleString("en-US")} msgs/s under the profiler. Samples from the first call of the handler (greetServerStream) on.`,
          };
        } finally {
          await server.stop();
        }
      },
    },
  ];
  const out: ProfileOutcome[] = [];
  for (const job of jobs) {
    const dir = join(profDir, job.dir);
    log(`bench: profiling: ${job.title}`);
    try {
      const { command, note } = await job.run(dir);
      const { profile, file } = readProfile(dir);
      out.push({ ok: true, report: { title: job.title, command, note, profileFile: relative(repoRoot, file), ...analyse(profile, o.top, job.startAt) } });
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
      log(`bench: profiling ${job.title} failed: ${message}`);
      out.push({ ok: false, title: job.title, error: message });
    }
  }
  return out;
}

export function profileMarkdown(r: ProfileReport): string {
  const out: string[] = [];
  out.push(`Command: \`${r.command}\` (from the repo root; profile in \`${r.profileFile}\`). ${r.note}`);
  out.push("");
  out.push(
    `Busy time sampled: ${(r.busyMs / 1000).toFixed(1)} s (every 200 µs; idle samples excluded). Where it went: ` +
      r.categories.map(([c, p]) => `${c} ${p.toFixed(1)}%`).join(", ") +
      ". Built-ins called from JS (Buffer, TypedArray, C++ bindings of node:http2) count as self time of the JS function calling them unless V8 names them.",
  );
  out.push("");
  out.push("| # | function | self % | total % | where | hottest lines (share of the function's ticks) |");
  out.push("|---|---|---:|---:|---|---|");
  r.functions.forEach((f, i) => {
    out.push(`| ${i + 1} | \`${f.label}\` | ${f.selfPct.toFixed(1)} | ${f.totalPct.toFixed(1)} | ${f.where} | ${f.hotLines} |`);
  });
  return out.join("\n");
}
