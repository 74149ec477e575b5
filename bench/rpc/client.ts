// One benchmark client process:
//
//   node --import tsx bench/rpc/client.ts <system> unary  --target URL --concurrency C --warmup S --duration S
//   node --import tsx bench/rpc/client.ts <system> stream --target URL --messages N --warmup-messages W
//   node --import tsx bench/rpc/client.ts <system> bidi   --target URL --warmup S --duration S
//   node --import tsx bench/rpc/client.ts <system> sanity --target URL
//
// Prints one JSON line with the measurement (see the Result types below) and exits 0, or prints the
// error to stderr and exits 1. Times are wall-clock (performance.now()); cpuUs is this process's
// user + system CPU time during the measured phase.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchClient, isSystemName, loadSystem } from "./system.ts";

export interface UnaryResult {
  readonly calls: number;
  readonly seconds: number;
  readonly perSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly cpuUsPerCall: number;
}
export interface StreamResult {
  readonly messages: number;
  readonly seconds: number;
  readonly perSec: number;
  readonly cpuUsPerMessage: number;
}
export interface BidiResult {
  readonly roundTrips: number;
  readonly seconds: number;
  readonly perSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** This process's CPU time per measured round trip, µs. */
  readonly cpuUsPerRoundTrip: number;
  /** Round trips including the warm-up (for a server's CPU per round trip over the whole run). */
  readonly totalRoundTrips: number;
}

function arg(argv: readonly string[], name: string, dflt?: number): number {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (v === undefined || !Number.isFinite(v) || v < 0) throw new Error(`client: ${name} needs a number`);
  return v;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Percentile of a sorted Float64Array (nearest rank). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Latencies in µs, grown as needed. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

async function unary(client: BenchClient, concurrency: number, warmupS: number, durationS: number): Promise<UnaryResult> {
  const t0 = performance.now();
  const measureStart = t0 + warmupS * 1000;
  const measureEnd = measureStart + durationS * 1000;
  let calls = 0;
  let cpuStart = 0;
  let cpuMarked = false;
  const latencies = new Samples();
  const worker = async (): Promise<void> => {
    for (;;) {
      const start = performance.now();
      if (start >= measureEnd) return;
      if (!cpuMarked && start >= measureStart) {
        cpuMarked = true;
        cpuStart = cpuNow();
      }
      await client.unary();
      const end = performance.now();
      if (start >= measureStart && end <= measureEnd) {
        calls++;
        latencies.push((end - start) * 1000);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = cpuNow() - cpuStart;
  const sorted = latencies.sorted();
  return {
    calls,
    seconds: durationS,
    perSec: calls / durationS,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    cpuUsPerCall: cpu / calls,
  };
}

async function stream(client: BenchClient, messages: number, warmupMessages: number): Promise<StreamResult> {
  if (warmupMessages > 0) {
    const got = await client.serverStream(warmupMessages);
    if (got !== warmupMessages) throw new Error(`client: warm-up stream delivered ${got} of ${warmupMessages} messages`);
  }
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const got = await client.serverStream(messages);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuNow() - cpu0;
  if (got !== messages) throw new Error(`client: stream delivered ${got} of ${messages} messages`);
  return { messages, seconds, perSec: messages / seconds, cpuUsPerMessage: cpu / messages };
}

async function bidi(client: BenchClient, warmupS: number, durationS: number): Promise<BidiResult> {
  const session = await client.bidi();
  const t0 = performance.now();
  const warmEnd = t0 + warmupS * 1000;
  let warmTrips = 0;
  while (performance.now() < warmEnd) {
    await session.ping();
    warmTrips++;
  }
  const latencies = new Samples();
  const cpu0 = cpuNow();
  const start = performance.now();
  const end = start + durationS * 1000;
  let now = start;
  while (now < end) {
    const before = now;
    await session.ping();
    now = performance.now();
    latencies.push((now - before) * 1000);
  }
  const cpu = cpuNow() - cpu0;
  const seconds = (now - start) / 1000;
  await session.close();
  const sorted = latencies.sorted();
  const n = latencies.length;
  return { roundTrips: n, seconds, perSec: n / seconds, p50Us: percentile(sorted, 50), p99Us: percentile(sorted, 99), cpuUsPerRoundTrip: cpu / n, totalRoundTrips: n + warmTrips };
}

/** A few calls of every benchmarked kind, checking the replies. */
async function sanity(client: BenchClient): Promise<{ ok: true }> {
  for (let i = 0; i < 3; i++) await client.unary();
  await Promise.all(Array.from({ length: 8 }, () => client.unary()));
  for (const n of [0, 1, 10, 5000]) {
    const got = await client.serverStream(n);
    if (got !== n) throw new Error(`sanity: stream of ${n} delivered ${got}`);
  }
  const session = await client.bidi();
  for (let i = 0; i < 5; i++) await session.ping();
  await session.close();
  return { ok: true };
}

async function main(): Promise<void> {
  const [name, scenario, ...rest] = process.argv.slice(2);
  if (name === undefined || !isSystemName(name) || scenario === undefined) {
    throw new Error("usage: client.ts raw|tristub|grpc-js|connect|dubbo unary|stream|bidi|sanity --target URL …");
  }
  const ti = rest.indexOf("--target");
  const target = ti >= 0 ? rest[ti + 1] : undefined;
  if (target === undefined) throw new Error("client: --target URL is required");
  const system = await loadSystem(name, dirname(dirname(fileURLToPath(import.meta.url))));
  const client = await system.connect(target);
  let result: unknown;
  if (scenario === "unary") result = await unary(client, arg(rest, "--concurrency", 32), arg(rest, "--warmup", 1), arg(rest, "--duration", 3));
  else if (scenario === "stream") result = await stream(client, arg(rest, "--messages", 1_000_000), arg(rest, "--warmup-messages", 50_000));
  else if (scenario === "bidi") result = await bidi(client, arg(rest, "--warmup", 1), arg(rest, "--duration", 3));
  else if (scenario === "sanity") result = await sanity(client);
  else throw new Error(`client: unknown scenario ${scenario}`);
  await client.close();
  process.stdout.write(JSON.stringify(result) + "\n");
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
