// Before/after comparison of two generated tristub trees in ONE run, for changes to the runtime:
//
//   npx tsx bench/rpc/ab.ts --a <gen dir> --b <gen dir> [--scenario bidi|stream|unary-client] [--rounds 7]
//
// A gen dir is the output of `tristub generate examples/streaming/greet.proto` (e.g. an older checkout's
// bench/rpc/.gen/tristub after `npx tsx bench/rpc.ts --only bidi --systems tristub`). Each round runs
// A and B once each, in alternating order, every time with a fresh server process and a fresh client
// process loading that tree (TRISTUB_RPC_GEN); bidi and stream use tristub on both ends, unary-client
// calls the raw floor server. Besides throughput it reports CPU time per round trip / message / call
// (client from process.cpuUsage, server from /proc), which moves far less than throughput on a
// shared machine. Prints medians and the median of per-round B÷A ratios. Reported, never checked.
import { resolve } from "node:path";
import { median } from "../harness.ts";
import type { BidiResult, StreamResult, UnaryResult } from "./client.ts";
import { processCpuUs, runClient, startServer } from "./procs.ts";

type Scenario = "bidi" | "stream" | "unary-client";
interface Sample {
  readonly perSec: number;
  readonly clientCpuUs: number;
  readonly serverCpuUs: number;
}

function parse(argv: readonly string[]): { a: string; b: string; scenario: Scenario; rounds: number } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const a = get("--a");
  const b = get("--b");
  const scenario = (get("--scenario") ?? "bidi") as Scenario;
  const rounds = Number(get("--rounds") ?? 7);
  if (a === undefined || b === undefined) throw new Error("ab: --a <gen dir> and --b <gen dir> are required");
  if (!["bidi", "stream", "unary-client"].includes(scenario)) throw new Error("ab: --scenario takes bidi, stream or unary-client");
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error("ab: --rounds takes 1..50");
  return { a: resolve(a), b: resolve(b), scenario, rounds };
}

async function measure(dir: string, scenario: Scenario): Promise<Sample> {
  const env = { TRISTUB_RPC_GEN: dir };
  const server = await startServer(scenario === "unary-client" ? "raw" : "tristub", { env });
  try {
    const cpu0 = processCpuUs(server.pid);
    if (scenario === "bidi") {
      const r = await runClient<BidiResult>("tristub", ["bidi", "--target", server.baseUrl, "--warmup", "1", "--duration", "3"], { env });
      return { perSec: r.perSec, clientCpuUs: r.cpuUsPerRoundTrip, serverCpuUs: (processCpuUs(server.pid) - cpu0) / r.totalRoundTrips };
    }
    if (scenario === "stream") {
      const r = await runClient<StreamResult>("tristub", ["stream", "--target", server.baseUrl, "--messages", "1000000", "--warmup-messages", "100000"], { env });
      return { perSec: r.perSec, clientCpuUs: r.cpuUsPerMessage, serverCpuUs: (processCpuUs(server.pid) - cpu0) / r.messages };
    }
    const r = await runClient<UnaryResult>("tristub", ["unary", "--target", server.baseUrl, "--concurrency", "32", "--warmup", "1", "--duration", "3"], { env });
    return { perSec: r.perSec, clientCpuUs: r.cpuUsPerCall, serverCpuUs: NaN };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : "–");

async function main(): Promise<void> {
  const { a, b, scenario, rounds } = parse(process.argv.slice(2));
  const runs: { a: Sample; b: Sample }[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: ("a" | "b")[] = round % 2 === 0 ? ["a", "b"] : ["b", "a"];
    const got: Partial<Record<"a" | "b", Sample>> = {};
    for (const which of order) got[which] = await measure(which === "a" ? a : b, scenario);
    runs.push({ a: got.a!, b: got.b! });
    console.error(`ab: round ${round + 1}/${rounds}: A ${fmt(got.a!.perSec, 0)}/s, B ${fmt(got.b!.perSec, 0)}/s`);
  }
  const rows: [string, (s: Sample) => number][] = [
    ["per second", (s) => s.perSec],
    ["client CPU µs each", (s) => s.clientCpuUs],
    ["server CPU µs each", (s) => s.serverCpuUs],
  ];
  console.log(`scenario ${scenario}, ${rounds} rounds\nA = ${a}\nB = ${b}\n`);
  console.log("| figure | A median | B median | B ÷ A (median of rounds) |\n|---|---:|---:|---:|");
  for (const [label, pick] of rows) {
    const ratio = median(runs.map((r) => pick(r.b) / pick(r.a)));
    console.log(`| ${label} | ${fmt(median(runs.map((r) => pick(r.a))))} | ${fmt(median(runs.map((r) => pick(r.b))))} | ${fmt(ratio, 3)} |`);
  }
}

await main();
