// Client-only before/after comparison of two generated tristub trees, the most precise of the A/B tools
// for a change to the client runtime:
//
//   npx tsx bench/rpc/ab-client.ts --a <gen dir> --b <gen dir> [--scenario unary|stream] [--bursts 40] [--burst-ms 300]
//
// One raw floor server (bench/rpc/server.ts raw) answers; a child process loads BOTH trees' generated
// clients and alternates short bursts of the scenario on each (unary: 32 concurrent Greet loops; stream:
// 2,000-message GreetServerStream calls), measuring process CPU per call or message, and reports the
// median of the per-pair ratios. The tree loaded second runs a few per cent differently from the first
// (measured with the same tree twice), so the comparison runs twice, A loaded first and then B, and the
// geometric mean of the two orders is the figure. Gen dirs must sit inside the repo (e.g. under
// bench/rpc/.gen/): tsx transpiles trees outside it without the repo's tsconfig, ~18 % slower.
// Reported, never checked.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "../harness.ts";
import { startServer } from "./procs.ts";

interface AbClient {
  greet(request: { name: string }): Promise<unknown>;
  greetServerStream(request: { name: string }): AsyncIterable<unknown>;
  close?(): Promise<void>;
}

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`ab-client: ${name} is required`);
  return value;
}

async function loadClient(dir: string, baseUrl: string): Promise<AbClient> {
  const ext = existsSync(join(dir, "greet.ts")) ? ".ts" : ".js";
  const greet = (await import(pathToFileURL(join(dir, "greet" + ext)).href)) as { createGreetServiceClient(o: { baseUrl: string }): AbClient };
  return greet.createGreetServiceClient({ baseUrl });
}

const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

/** CPU µs per call (unary) or per message (stream) over one burst of `ms`. */
async function burst(client: AbClient, scenario: string, ms: number): Promise<number> {
  const cpu0 = cpuNow();
  const end = performance.now() + ms;
  let ops = 0;
  if (scenario === "unary") {
    const loop = async (): Promise<void> => {
      for (; performance.now() < end; ops++) await client.greet({ name: "triple" });
    };
    await Promise.all(Array.from({ length: 32 }, loop));
  } else {
    while (performance.now() < end) for await (const _ of client.greetServerStream({ name: "2000" })) ops++;
  }
  return (cpuNow() - cpu0) / ops;
}

/** In a child: loads `first` then `second`, alternates bursts, prints `{ first, second, ratio }` (second ÷ first). */
async function child(): Promise<void> {
  const baseUrl = arg("--base-url");
  const scenario = arg("--scenario");
  const bursts = Number(arg("--bursts"));
  const ms = Number(arg("--burst-ms"));
  const first = await loadClient(arg("--first"), baseUrl);
  const second = await loadClient(arg("--second"), baseUrl);
  for (let i = 0; i < 4; i++) {
    await burst(first, scenario, ms);
    await burst(second, scenario, ms);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < bursts; i++) {
    if (i % 2 === 0) {
      a.push(await burst(first, scenario, ms));
      b.push(await burst(second, scenario, ms));
    } else {
      b.push(await burst(second, scenario, ms));
      a.push(await burst(first, scenario, ms));
    }
  }
  await first.close?.();
  await second.close?.();
  console.log(JSON.stringify({ first: median(a), second: median(b), ratio: median(b.map((x, i) => x / a[i]!)) }));
}

function runChild(args: string[]): Promise<{ first: number; second: number; ratio: number }> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    proc.once("exit", (code) => (code === 0 ? done(JSON.parse(out.trim().split("\n").pop() ?? "")) : fail(new Error(`ab-client child exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const a = resolve(arg("--a"));
  const b = resolve(arg("--b"));
  const scenario = arg("--scenario", "unary");
  if (scenario !== "unary" && scenario !== "stream") throw new Error("ab-client: --scenario takes unary or stream");
  const common = ["--scenario", scenario, "--bursts", arg("--bursts", "40"), "--burst-ms", arg("--burst-ms", "300")];
  const server = await startServer("raw");
  try {
    const aFirst = await runChild([...common, "--base-url", server.baseUrl, "--first", a, "--second", b]);
    const bFirst = await runChild([...common, "--base-url", server.baseUrl, "--first", b, "--second", a]);
    const unit = scenario === "unary" ? "call" : "message";
    console.log(`ab-client ${scenario}: client CPU µs per ${unit}, B ÷ A (per-pair medians)`);
    console.log(`A loaded first: A ${aFirst.first.toFixed(3)}, B ${aFirst.second.toFixed(3)}, B ÷ A ${aFirst.ratio.toFixed(3)}`);
    console.log(`B loaded first: B ${bFirst.first.toFixed(3)}, A ${bFirst.second.toFixed(3)}, B ÷ A ${(1 / bFirst.ratio).toFixed(3)}`);
    console.log(`B ÷ A, geometric mean of both orders: ${Math.sqrt(aFirst.ratio / bFirst.ratio).toFixed(3)}`);
  } finally {
    await server.stop();
  }
}

await (process.argv.includes("--child") ? child() : main());
