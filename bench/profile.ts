// CPU profiles of tristub's binary and JSON encode+decode loops on the benchmark message.
//
//   npx tsx bench/profile.ts [--binary | --json] [--seconds 5] [--top 15] [--no-generate]
//
// Compiles the generated tristub code (bench/.gen/tristub/*.ts) and bench/data.ts to JavaScript
// with source maps (the project's own tsc, --noCheck: the same statements tsx would run, but
// laid out line by line so the profile has line-level ticks), then runs
//   node --cpu-prof --cpu-prof-interval 100 bench/.gen/prof/child.mjs <seconds> binary|json
// which loops `Order.decode(Order.encode(order))` (or `Order.fromJsonString(Order.toJsonString())`),
// and reports the functions with the most self time inside that loop, with positions mapped back
// to the generated TypeScript. Methods of the generated codec objects are labelled with their
// message (`Order.read`, `Address.write`).
// Writes bench/results/codec-profile.md; bench/codec.ts calls runProfile() too and appends the
// tables to bench/results/codec.md.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { benchDir, generateAll, genDir, repoRoot } from "./generate.ts";

const profDir = join(genDir, "prof");
const jsDir = join(profDir, "js");

/** The profiled program; `profileLoop` marks the subtree of the profile that is reported. */
const childSource = `// Written by bench/profile.ts.
import { writeFileSync } from "node:fs";
import { Order } from "./js/.gen/tristub/bench.js";
import { orderData } from "./js/data.js";

const roundTrips = {
  binary: (order, message) => order.decode(order.encode(message)),
  json: (order, message) => order.fromJsonString(order.toJsonString(message)),
};

function profileLoop(roundTrip, order, message, until) {
  let n = 0;
  let sink = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) sink += roundTrip(order, message).id;
    n += 1000;
  }
  return n + (sink & 1);
}

const t0 = performance.now();
const n = profileLoop(roundTrips[process.argv[3]], Order, orderData(), t0 + Number(process.argv[2]) * 1000);
const seconds = (performance.now() - t0) / 1000;
writeFileSync(new URL("./loop.json", import.meta.url), JSON.stringify({ iterations: n, seconds }));
`;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  readonly label: string;
  readonly where: string;
  readonly selfPct: number;
  readonly totalPct: number;
  /** The original source lines with the most ticks, "line:pct". */
  readonly hotLines: string;
}

export type ProfileMode = "binary" | "json";

export interface ProfileResult {
  readonly mode: ProfileMode;
  readonly functions: HotFunction[];
  readonly loopMs: number;
  readonly gcPct: number;
  readonly opsPerSec: number;
  readonly command: string;
  readonly profileFile: string;
}

/** Maps positions in the compiled JavaScript back to the TypeScript it came from, and names owners. */
class Locator {
  private readonly maps = new Map<string, SourceMap | null>();
  private readonly lines = new Map<string, string[]>();

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

  /** 0-based generated position -> original file path and 1-based line (the generated ones when unmapped). */
  original(url: string, line0: number, col0: number): { file: string; line: number } {
    const generated = { file: fileURLToPath(url), line: line0 + 1 };
    const map = this.map(url);
    if (map === null) return generated;
    const entry = map.findEntry(line0, col0) as { originalSource?: string; originalLine?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return generated;
    const file = entry.originalSource.startsWith("file:")
      ? fileURLToPath(entry.originalSource)
      : resolve(fileURLToPath(new URL(".", url)), entry.originalSource);
    return { file, line: entry.originalLine + 1 };
  }

  private source(file: string): string[] {
    let lines = this.lines.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(file, "utf8").split("\n");
      } catch {
        lines = [];
      }
      this.lines.set(file, lines);
    }
    return lines;
  }

  /** The message codec (`export const X: MessageCodec`) or class enclosing a 1-based line. */
  owner(file: string, line1: number): string | undefined {
    const lines = this.source(file);
    for (let i = Math.min(line1, lines.length) - 1; i >= 0; i--) {
      const m = /^export const (\w+): MessageCodec</.exec(lines[i]!) ?? /^(?:export )?class (\w+)/.exec(lines[i]!);
      if (m !== null) return m[1];
      if (/^(?:export )?(?:async )?function /.test(lines[i]!) || /^};?$/.test(lines[i]!)) return undefined;
    }
    return undefined;
  }

  /**
   * The last line of the function starting at 1-based `line1`: the first later line that closes a
   * brace at the start line's indentation (the generated code is formatted), or Infinity.
   */
  end(file: string, line1: number): number {
    const lines = this.source(file);
    const indent = /^\s*/.exec(lines[line1 - 1] ?? "")![0];
    for (let i = line1; i < lines.length; i++) {
      if (lines[i]!.startsWith(indent + "}")) return i + 1;
    }
    return Infinity;
  }

  /** The trimmed text of a 1-based source line, for the report. */
  text(file: string, line1: number): string {
    return (this.source(file)[line1 - 1] ?? "").trim();
  }
}

function analyse(profile: CpuProfile, locator: Locator, top: number): Omit<ProfileResult, "mode" | "opsPerSec" | "command" | "profileFile"> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Nodes inside the profiled loop (the loop node and its descendants).
  const inLoop = new Set<number>();
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== "profileLoop") continue;
    const stack = [n.id];
    while (stack.length > 0) {
      const id = stack.pop()!;
      inLoop.add(id);
      stack.push(...(byId.get(id)!.children ?? []));
    }
  }
  // Sample times; GC samples are counted inside the loop's time window.
  let t = profile.startTime;
  let loopStart = Infinity;
  let loopEnd = -Infinity;
  const times = profile.samples.map((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (inLoop.has(id)) {
      loopStart = Math.min(loopStart, t);
      loopEnd = Math.max(loopEnd, t);
    }
    return t;
  });
  let loopSamples = 0;
  let gcSamples = 0;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const lineTicks = new Map<string, Map<number, number>>();
  const meta = new Map<string, { label: string; where: string }>();
  const keyOf = (n: ProfileNode): string => {
    const f = n.callFrame;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    if (!meta.has(key)) {
      let label = f.functionName || "(anonymous)";
      let where = f.url === "" ? "(native)" : f.url.startsWith("node:") ? f.url : "(built-in)";
      if (f.url.startsWith("file:") && f.lineNumber >= 0) {
        const pos = locator.original(f.url, f.lineNumber, f.columnNumber);
        const owner = locator.owner(pos.file, pos.line);
        if (owner !== undefined && !label.startsWith(owner + ".")) label = `${owner}.${label}`;
        where = `${relative(repoRoot, pos.file)}:${pos.line}`;
      }
      meta.set(key, { label, where });
    }
    return key;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const node = byId.get(id)!;
    if (!inLoop.has(id)) {
      if (node.callFrame.functionName === "(garbage collector)" && times[i]! >= loopStart && times[i]! <= loopEnd) gcSamples++;
      continue;
    }
    loopSamples++;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined && inLoop.has(cur); cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur)!);
      if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + 1);
      seen.add(k);
    }
  }
  // Line-level ticks of each function (positionTicks are 1-based generated lines). V8 also files
  // some ticks of inlined callees under their caller's lines, so only lines between the function's
  // start and the next profiled function of the same file are kept.
  const starts = new Map<string, number[]>();
  for (const n of profile.nodes) {
    const list = starts.get(n.callFrame.url) ?? [];
    list.push(n.callFrame.lineNumber + 1);
    starts.set(n.callFrame.url, list);
  }
  for (const list of starts.values()) list.sort((x, y) => x - y);
  const lineFile = new Map<string, string>();
  for (const n of profile.nodes) {
    const url = n.callFrame.url;
    if (!inLoop.has(n.id) || n.positionTicks === undefined || !url.startsWith("file:")) continue;
    const first = n.callFrame.lineNumber + 1;
    const next = starts.get(url)!.find((l) => l > first) ?? Infinity;
    const head = locator.original(url, n.callFrame.lineNumber, n.callFrame.columnNumber);
    const bodyEnd = locator.end(head.file, head.line);
    const key = keyOf(n);
    const m = lineTicks.get(key) ?? new Map<number, number>();
    for (const p of n.positionTicks) {
      if (p.line < first || p.line >= next) continue;
      // Column 200: the last mapping on that generated line (tsc emits one statement per line).
      const pos = locator.original(url, p.line - 1, 200);
      if (pos.file !== head.file || pos.line < head.line || pos.line > bodyEnd) continue;
      lineFile.set(key, pos.file);
      m.set(pos.line, (m.get(pos.line) ?? 0) + p.ticks);
    }
    lineTicks.set(key, m);
  }
  const denom = loopSamples + gcSamples;
  const functions = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => {
      const ticks = lineTicks.get(key) ?? new Map<number, number>();
      const lineTotal = [...ticks.values()].reduce((x, y) => x + y, 0);
      const file = lineFile.get(key);
      const hotLines = [...ticks]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 3)
        .filter(([, c]) => c / lineTotal >= 0.05)
        .map(([l, c]) => {
          const text = file === undefined ? "" : locator.text(file, l);
          return `${l} (${Math.round((100 * c) / lineTotal)}%)${text === "" ? "" : " `" + (text.length > 48 ? text.slice(0, 45) + "..." : text) + "`"}`;
        });
      return {
        ...meta.get(key)!,
        selfPct: (100 * hits) / denom,
        totalPct: (100 * (total.get(key) ?? 0)) / denom,
        hotLines: hotLines.join("; "),
      };
    });
  return { functions, loopMs: Math.max(0, loopEnd - loopStart) / 1000, gcPct: (100 * gcSamples) / denom };
}

/** Compiles the generated code to JS, runs the profiled child and analyses its profile. */
export function runProfile(options: { mode: ProfileMode; seconds: number; top: number }): ProfileResult {
  const outDir = join(profDir, options.mode);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    join(repoRoot, "node_modules", ".bin", "tsc"),
    [
      "--ignoreConfig", "--noCheck", "--skipLibCheck", "--sourceMap",
      "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
      "--rewriteRelativeImportExtensions", "--types", "node",
      "--rootDir", relative(repoRoot, benchDir), "--outDir", relative(repoRoot, jsDir),
      relative(repoRoot, join(genDir, "tristub", "bench.ts")), relative(repoRoot, join(benchDir, "data.ts")),
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  writeFileSync(join(profDir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(join(profDir, "child.mjs"), childSource);
  const args = ["--cpu-prof", "--cpu-prof-dir", relative(repoRoot, outDir), "--cpu-prof-interval", "100", relative(repoRoot, join(profDir, "child.mjs")), String(options.seconds), options.mode];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`bench: profiling child failed (exit ${r.status})`);
  const file = readdirSync(outDir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error("bench: no .cpuprofile written");
  const profile = JSON.parse(readFileSync(join(outDir, file), "utf8")) as CpuProfile;
  const loop = JSON.parse(readFileSync(join(profDir, "loop.json"), "utf8")) as { iterations: number; seconds: number };
  return {
    mode: options.mode,
    ...analyse(profile, new Locator(), options.top),
    opsPerSec: loop.iterations / loop.seconds,
    command: `node ${args.join(" ")}`,
    profileFile: relative(repoRoot, join(outDir, file)),
  };
}

export function profileMarkdown(p: ProfileResult): string {
  const out: string[] = [];
  out.push(`Command: \`${p.command}\` (from the repo root; profile in \`${p.profileFile}\`).`);
  out.push(
    `Loop: \`${p.mode === "binary" ? "Order.decode(Order.encode(order))" : "Order.fromJsonString(Order.toJsonString(order))"}\`, ${Math.round(p.opsPerSec).toLocaleString("en-US")} ops/s under the profiler; ` +
      `${(p.loopMs / 1000).toFixed(1)} s sampled every 100 µs. Percentages are of the samples inside the loop plus GC during it ` +
      `(GC: ${p.gcPct.toFixed(1)}%). Built-ins (JSON.parse/stringify, TypedArray slice, String.fromCharCode, TextDecoder...) ` +
      "count as self time of the JS function that calls them; functions V8 inlined still get their own rows.",
  );
  out.push("");
  out.push("| # | function | self % | total % | where (generated source) | hottest lines (approx. share of the function's self ticks) |");
  out.push("|---|---|---:|---:|---|---|");
  p.functions.forEach((f, i) => {
    out.push(`| ${i + 1} | \`${f.label}\` | ${f.selfPct.toFixed(1)} | ${f.totalPct.toFixed(1)} | ${f.where} | ${f.hotLines} |`);
  });
  return out.join("\n");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const value = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  if (!argv.includes("--no-generate")) generateAll();
  const modes: ProfileMode[] = argv.includes("--json") ? ["json"] : argv.includes("--binary") ? ["binary"] : ["binary", "json"];
  const sections: string[] = [];
  for (const mode of modes) {
    const md = profileMarkdown(runProfile({ mode, seconds: value("--seconds", 5), top: value("--top", 15) }));
    console.log(md + "\n");
    sections.push(`## tristub ${mode} encode+decode\n\n${md}\n`);
  }
  mkdirSync(join(benchDir, "results"), { recursive: true });
  writeFileSync(join(benchDir, "results", "codec-profile.md"), `# tristub codec profiles\n\n${sections.join("\n")}`);
}
