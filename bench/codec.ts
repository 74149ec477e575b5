// Codec benchmark: tristub vs @bufbuild/protobuf (v2), protobufjs (static code) and ts-proto on a
// mid-size message (bench/proto/bench.proto), binary and proto3 JSON.
//
//   npx tsx bench/codec.ts [--runs 7] [--time 300] [--warmup 300] [--quick]
//                          [--clock cpu|wall] [--only binary|json] [--no-generate] [--no-profile] [--no-write]
//
// Generates all implementations into bench/.gen/ (bench/generate.ts), checks that they agree
// (bench/sanity.ts), measures median ops/s over interleaved timed rounds (bench/harness.ts),
// prints a markdown report and writes it to bench/results/codec.md, followed by CPU profiles of
// tristub's binary and JSON encode+decode loops (bench/profile.ts).
//
// --clock cpu (default) times each round by the process's CPU time, so rounds in which other
// processes took the cores (dev machines and CI here are shared, 2 cores) do not count as slow;
// --clock wall times by elapsed real time, which is only meaningful on an otherwise idle machine.
import { cpus, platform, release, totalmem } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { generateAll, benchDir, repoRoot } from "./generate.ts";
import { type Case, median, type Result, runCases } from "./harness.ts";
import { type Impl, loadImpls, packageVersion } from "./impls.ts";
import { profileMarkdown, runProfile } from "./profile.ts";
import { checkSanity } from "./sanity.ts";

interface Args {
  runs: number;
  timeMs: number;
  warmupMs: number;
  only: "binary" | "json" | undefined;
  generate: boolean;
  profile: boolean;
  profileSeconds: number;
  write: boolean;
  clock: "wall" | "cpu";
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runs: 7, timeMs: 300, warmupMs: 300, only: undefined, generate: true, profile: true, profileSeconds: 5, write: true, clock: "cpu" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`bench: ${a} needs a positive number`);
      return v;
    };
    if (a === "--runs") args.runs = Math.round(num());
    else if (a === "--time") args.timeMs = num();
    else if (a === "--warmup") args.warmupMs = num();
    else if (a === "--profile-seconds") args.profileSeconds = num();
    else if (a === "--quick") Object.assign(args, { runs: 3, timeMs: 100, warmupMs: 100, profileSeconds: 2 });
    else if (a === "--only") {
      const v = argv[++i];
      if (v !== "binary" && v !== "json") throw new Error("bench: --only takes binary or json");
      args.only = v;
    } else if (a === "--clock") {
      const v = argv[++i];
      if (v !== "wall" && v !== "cpu") throw new Error("bench: --clock takes wall or cpu");
      args.clock = v;
    } else if (a === "--no-generate") args.generate = false;
    else if (a === "--no-profile") args.profile = false;
    else if (a === "--no-write") args.write = false;
    else throw new Error(`bench: unknown argument ${a}`);
  }
  return args;
}

const fmtOps = (n: number): string => Math.round(n).toLocaleString("en-US");
const fmtX = (n: number): string => `${n.toFixed(2)}×`;
const fmtSpread = (r: Result): string => `±${Math.round((r.spread * 100) / 2)}%`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const log = (s: string): void => void process.stderr.write(s + "\n");

  if (args.generate) log(`bench: generated bench/.gen/ in ${generateAll().toFixed(0)} ms`);
  const { impls, tristubOrder } = await loadImpls();
  const byKey = (k: string): Impl => impls.find((i) => i.key === k)!;
  const sanity = checkSanity(impls, tristubOrder);
  for (const n of sanity.notes) log(`bench: sanity ok: ${n}`);

  // Cases, ordered by operation so that the implementations compared with each other run next to
  // each other in every round. Every closure captures its own data so call sites stay monomorphic.
  const ops = ["encode", "decode", "encode+decode"] as const;
  const cases: Case[] = [];
  if (args.only !== "json") {
    for (const op of ops) {
      for (const impl of impls) {
        const m = impl.message;
        const bytes = impl.encode(m);
        const fn =
          op === "encode" ? () => impl.encode(m) : op === "decode" ? () => impl.decode(bytes) : () => impl.decode(impl.encode(m));
        cases.push({ group: "binary", impl: impl.key, op, fn });
      }
    }
  }
  const tristubMessage = byKey("tristub").message;
  const jsonObject = tristubOrder.toJson(tristubMessage);
  const jsonText = JSON.stringify(jsonObject);
  if (args.only !== "binary") {
    for (const op of ops) {
      cases.push({
        group: "json",
        impl: "JSON",
        op,
        fn: op === "encode" ? () => JSON.stringify(jsonObject) : op === "decode" ? () => JSON.parse(jsonText) : () => JSON.parse(JSON.stringify(jsonObject)),
      });
      for (const impl of impls) {
        const m = impl.message;
        const text = impl.toJsonText(m);
        const fn =
          op === "encode" ? () => impl.toJsonText(m) : op === "decode" ? () => impl.fromJsonText(text) : () => impl.fromJsonText(impl.toJsonText(m));
        cases.push({ group: "json", impl: impl.key, op, fn });
      }
    }
  }

  const estimate = (cases.length * (args.warmupMs + args.runs * args.timeMs)) / 1000;
  log(`bench: ${cases.length} cases, ${args.runs} rounds of ${args.timeMs} ms after ${args.warmupMs} ms warm-up (~${Math.ceil(estimate)} s)`);
  const results = runCases(cases, { runs: args.runs, timeMs: args.timeMs, warmupMs: args.warmupMs, clock: args.clock, onRound: (r, n) => log(`bench: round ${r}/${n}`) });
  const get = (group: string, impl: string, op: string): Result | undefined =>
    results.find((r) => r.case.group === group && r.case.impl === impl && r.case.op === op);
  // Ratios are paired per round (the cases of one round ran within seconds of each other, so load
  // from other processes mostly cancels out), then the median of the per-round ratios is taken.
  const ratio = (group: string, a: string, b: string, op: string): number | undefined => {
    const x = get(group, a, op);
    const y = get(group, b, op);
    return x === undefined || y === undefined ? undefined : median(x.samples.map((v, i) => v / y.samples[i]!));
  };

  // Report.
  const md: string[] = [];
  const cpu = cpus();
  md.push("# Codec benchmark");
  md.push("");
  md.push(`- Command: \`npx tsx bench/codec.ts${argv.length > 0 ? " " + argv.join(" ") : ""}\` (from the repo root)`);
  md.push(`- Date: ${new Date().toISOString()}`);
  md.push(`- Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}`);
  md.push(`- Node ${process.version} (V8 ${process.versions.v8}); tsx ${packageVersion("tsx")} runs the generated TypeScript`);
  md.push(`- Implementations: ${impls.map((i) => i.label).join("; ")}; @bufbuild/buf ${packageVersion("@bufbuild/buf")} builds the descriptors`);
  md.push(
    `- Method: ${args.warmupMs} ms warm-up per case, then ${args.runs} interleaved rounds of ${args.timeMs} ms per case ` +
      `(${args.clock === "wall" ? "wall-clock time" : "process CPU time, user + system"}); ` +
      "figures are the median ops/s of the rounds (± is half the min–max spread across rounds); ratios are the median of the " +
        "per-round ratios (paired within a round, so load from other processes largely cancels). Higher is better.",
  );
  md.push(
    `- Message: \`bench.Order\` (bench/proto/bench.proto, data in bench/data.ts): ${sanity.binarySizes.get("tristub")} bytes binary, ` +
      `${jsonText.length} chars JSON; 21 fields incl. int64/uint64 (one above 2^53), double/float, short + 100-char strings, ` +
      "64-byte bytes, enum, packed int32 ×16, strings ×5, nested message, 4 nested items, map<string,string> ×4, " +
      "map<int32,Address> ×2, optional, oneof.",
  );
  md.push(`- Sanity (checked before timing): ${sanity.notes.join("; ")}.`);
  md.push("");

  if (args.only !== "json") {
    md.push("## Binary");
    md.push("");
    md.push("| implementation | encode ops/s | decode ops/s | encode+decode ops/s |");
    md.push("|---|---:|---:|---:|");
    for (const impl of impls) {
      md.push(`| ${impl.label} | ${ops.map((op) => { const r = get("binary", impl.key, op)!; return `${fmtOps(r.median)} ${fmtSpread(r)}`; }).join(" | ")} |`);
    }
    for (const other of ["protobuf-es", "protobufjs", "ts-proto"]) {
      md.push(`| **tristub ÷ ${other}** | ${ops.map((op) => `**${fmtX(ratio("binary", "tristub", other, op)!)}**`).join(" | ")} |`);
    }
    md.push("");
  }

  if (args.only !== "binary") {
    md.push("## JSON");
    md.push("");
    md.push("Encode = message → JSON text, decode = JSON text → message. `JSON` is the baseline: plain `JSON.stringify(obj)` / `JSON.parse(text)` of the same proto3 JSON object that tristub's `Order.toJson` produces.");
    md.push("");
    md.push("| implementation | encode ops/s | decode ops/s | encode+decode ops/s | how |");
    md.push("|---|---:|---:|---:|---|");
    const jsonRow = (key: string, label: string, how: string): void => {
      md.push(`| ${label} | ${ops.map((op) => { const r = get("json", key, op)!; return `${fmtOps(r.median)} ${fmtSpread(r)}`; }).join(" | ")} | ${how} |`);
    };
    jsonRow("JSON", "plain JSON (baseline)", "`JSON.stringify(obj)` / `JSON.parse(s)`");
    for (const impl of impls) jsonRow(impl.key, impl.label, impl.jsonHow);
    md.push(`| **tristub ÷ plain JSON** | ${ops.map((op) => `**${fmtX(ratio("json", "tristub", "JSON", op)!)}**`).join(" | ")} | |`);
    for (const other of ["protobuf-es", "protobufjs", "ts-proto"]) {
      md.push(`| **tristub ÷ ${other}** | ${ops.map((op) => `**${fmtX(ratio("json", "tristub", other, op)!)}**`).join(" | ")} | |`);
    }
    md.push("");
  }

  md.push("## Targets");
  md.push("");
  md.push("| target | now | met? |");
  md.push("|---|---:|---|");
  const target = (name: string, value: number | undefined, goal: number): void => {
    if (value === undefined) return;
    md.push(`| ${name} | ${fmtX(value)} | ${value >= goal ? "yes" : `**no** (need ${fmtX(goal)})`} |`);
  };
  target("binary encode+decode ≥ 2.5× @bufbuild/protobuf", ratio("binary", "tristub", "protobuf-es", "encode+decode"), 2.5);
  target("binary encode+decode > protobufjs static", ratio("binary", "tristub", "protobufjs", "encode+decode"), 1.0);
  target("JSON encode+decode ≥ 0.85× plain JSON.stringify/parse", ratio("json", "tristub", "JSON", "encode+decode"), 0.85);
  md.push("");

  if (args.profile) {
    for (const mode of ["binary", "json"] as const) {
      if (args.only !== undefined && args.only !== mode) continue;
      log(`bench: profiling tristub ${mode} encode+decode (node --cpu-prof)`);
      md.push(`## Profile: tristub ${mode} encode+decode`);
      md.push("");
      md.push(profileMarkdown(runProfile({ mode, seconds: args.profileSeconds, top: 15 })));
      md.push("");
    }
  }

  const report = md.join("\n");
  process.stdout.write(report + "\n");
  if (args.write) {
    const out = join(benchDir, "results", "codec.md");
    mkdirSync(join(benchDir, "results"), { recursive: true });
    writeFileSync(out, report + "\n");
    log(`bench: wrote ${relative(repoRoot, out)}`);
  }
}

await main();
