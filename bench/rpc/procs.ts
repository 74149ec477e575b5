// Child processes of the RPC benchmark: servers (bench/rpc/server.ts), clients (bench/rpc/client.ts)
// and h2load, plus /proc readings of a server's CPU time and peak RSS.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { benchDir, repoRoot } from "../generate.ts";
import type { SystemName } from "./system.ts";

const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** user + system CPU time of a process (all its threads), µs, from /proc/<pid>/stat. */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

/** Peak resident set size (VmHWM) of a process, bytes. */
export function processPeakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? NaN : Number(m[1]) * 1024;
}

const tsxArgs = ["--import", "tsx"];

export interface ServerProcess {
  readonly system: SystemName;
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** Closes stdin (the server closes and exits); kills it if it has not exited after 5 s. */
  stop(): Promise<void>;
}

/** Starts `bench/rpc/server.ts <system>` and waits for its `listening <port>` line. */
export async function startServer(system: SystemName, options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...tsxArgs, join(benchDir, "rpc", "server.ts"), system], {
    cwd: repoRoot,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${system} server did not start within 30 s\n${stderr}`)), 30_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${system} server exited with ${code}\n${stderr}`));
    });
  });
  return {
    system,
    pid: child.pid!,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function collect(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${what} exited with ${code}: ${stderr.trim().split("\n").slice(0, 2).map((l) => l.trim()).join(" ")}`));
    });
  });
}

/** Runs `bench/rpc/client.ts <system> <args…>` and returns its JSON result. */
export async function runClient<T>(system: SystemName, args: string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<T> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...tsxArgs, join(benchDir, "rpc", "client.ts"), system, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  const out = await collect(child, `${system} client ${args[0]}`, options.timeoutMs ?? 180_000);
  const line = out.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as T;
}

export interface H2loadResult {
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly perSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Server CPU time per request during the measured phase, µs. */
  readonly serverCpuUsPerRequest: number;
}

/**
 * Runs h2load against a server for `warmupS` + `durationS` seconds; the server's CPU time is read
 * from /proc when the warm-up ends and when h2load exits (the server is idle afterwards). Latency
 * percentiles come from h2load's per-request log (which holds the measured phase only).
 */
export async function runH2load(
  server: ServerProcess,
  body: string,
  logFile: string,
  o: { clients: number; streams: number; warmupS: number; durationS: number },
  /** Request headers (default gRPC's) — bench/rpc-connect.ts sends a Connect unary request. */
  headers: readonly string[] = ["content-type: application/grpc", "te: trailers"],
  /** The method called (default the unary Greet). */
  path = "/greet.GreetService/Greet",
): Promise<H2loadResult & { command: string }> {
  const args = [
    "-c", String(o.clients), "-m", String(o.streams), "-t", "1",
    "-D", `${Math.round(o.durationS * 1000)}ms`, "--warm-up-time", `${Math.round(o.warmupS * 1000)}ms`,
    "-d", body, ...headers.flatMap((h) => ["-H", h]),
    `--log-file=${logFile}`,
    `${server.baseUrl}${path}`,
  ];
  const child = spawn("h2load", args, { stdio: ["ignore", "pipe", "pipe"] });
  let cpuStart = NaN;
  const timer = setTimeout(() => {
    try {
      cpuStart = processCpuUs(server.pid);
    } catch {
      // the server died; h2load fails and reports it
    }
  }, o.warmupS * 1000);
  let out: string;
  try {
    out = await collect(child, "h2load", (o.warmupS + o.durationS) * 1000 + 60_000);
  } finally {
    clearTimeout(timer);
  }
  const cpuEnd = processCpuUs(server.pid);
  const m = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(out);
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  if (m === null || rate === null) throw new Error(`h2load: unexpected output\n${out}`);
  const latencies = Float64Array.from(
    readFileSync(logFile, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => Number(l.split("\t")[2])),
  ).sort();
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? NaN;
  const done = Number(m[2]);
  return {
    requests: done,
    succeeded: Number(m[3]),
    failed: Number(m[4]),
    perSec: Number(rate[1]),
    p50Us: pct(50),
    p99Us: pct(99),
    serverCpuUsPerRequest: (cpuEnd - cpuStart) / done,
    command: `h2load ${args.map((a) => (/[\s']/.test(a) ? `'${a}'` : a)).join(" ")}`,
  };
}
