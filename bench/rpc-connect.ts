// Connect and gRPC-Web on the tristub server (issue #13 speed targets), each figure the median of
// --runs interleaved rounds, servers in their own processes (bench/rpc/server.ts tristub, and
// bench/rpc/connect-floor.ts):
//   1. Connect unary server: h2load posting the Connect unary request (application/proto,
//      connect-protocol-version: 1) to tristub and to a raw node:http2 floor that answers the same
//      request with the same bytes — target tristub ≥ 0.8× the floor.
//   2. Per-call cost of the enveloped web protocols (ServerCall with a ServerWire): h2load calling
//      gRPC-Web unary (application/grpc-web+proto, Greet) and Connect server streams of one message
//      each (application/connect+proto, GreetServerStream "1") on tristub — calls/s, no target.
//   3. Server streaming msgs/s of one stream of N messages, read by a raw node:http2 client that only
//      splits envelopes (so the client costs the same for every protocol): gRPC, Connect
//      (application/connect+proto) and gRPC-Web (application/grpc-web+proto) against the same tristub
//      server — target Connect and gRPC-Web ≥ 0.9× gRPC.
//
//   npx tsx bench/rpc-connect.ts [--quick] [--runs 3] [--no-generate] [--only LIST]   (npm run bench:connect)
//   --only: comma-separated cases to run, of connect-unary, web-calls, streams (default all three).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { connect as http2Connect } from "node:http2";
import { join } from "node:path";
import { benchDir } from "./generate.ts";
import { median } from "./harness.ts";
import { ensureH2load, generateRpc, rpcGenDir } from "./rpc/generate.ts";
import { runH2load, type ServerProcess, startServer } from "./rpc/procs.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const runsAt = argv.indexOf("--runs");
const runs = runsAt >= 0 ? Math.max(1, Number(argv[runsAt + 1])) : 3;
const onlyAt = argv.indexOf("--only");
const only = new Set(onlyAt >= 0 ? String(argv[onlyAt + 1]).split(",") : ["connect-unary", "web-calls", "streams"]);
for (const name of only) {
  if (!["connect-unary", "web-calls", "streams"].includes(name)) throw new Error(`--only: unknown case ${name} (connect-unary, web-calls, streams)`);
}
const log = (s: string): void => void process.stderr.write(s + "\n");

/** A protobuf message with one string in field 1 (GreetRequest, GreetServerStreamRequest). */
function named(name: string): Buffer {
  const text = Buffer.from(name);
  return Buffer.concat([Buffer.from([0x0a, text.length]), text]);
}

function envelope(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Starts bench/rpc/connect-floor.ts. */
async function startFloor(): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(benchDir, "rpc", "connect-floor.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`connect floor exited with ${code}`)));
  });
  return {
    system: "raw",
    pid: child.pid as number,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

type StreamProtocol = "grpc" | "connect" | "grpc-web";
const contentTypes: Record<StreamProtocol, string> = { grpc: "application/grpc", connect: "application/connect+proto", "grpc-web": "application/grpc-web+proto" };

/** One server stream of `count` messages; returns messages per second (envelopes with flag 0 counted). */
async function streamOnce(baseUrl: string, protocol: StreamProtocol, count: number): Promise<number> {
  const session = http2Connect(baseUrl, { settings: { initialWindowSize: 1 << 20 } });
  session.on("error", () => undefined);
  try {
    await once(session, "connect");
    session.setLocalWindowSize(8 << 20);
    const started = performance.now();
    const stream = session.request({ ":method": "POST", ":path": "/greet.GreetService/GreetServerStream", "content-type": contentTypes[protocol], te: "trailers" });
    let messages = 0;
    let rest: Buffer | undefined;
    stream.on("data", (data: Buffer) => {
      const chunk = rest === undefined ? data : Buffer.concat([rest, data]);
      rest = undefined;
      let i = 0;
      while (chunk.length - i >= 5) {
        const length = chunk.readUInt32BE(i + 1);
        if (chunk.length - i - 5 < length) break;
        if (chunk[i] === 0) messages++;
        i += 5 + length;
      }
      if (i < chunk.length) rest = chunk.subarray(i);
    });
    stream.end(envelope(named(String(count))));
    await once(stream, "close");
    const seconds = (performance.now() - started) / 1000;
    if (messages !== count) throw new Error(`${protocol}: stream delivered ${messages} of ${count} messages`);
    return messages / seconds;
  } finally {
    session.destroy();
  }
}

async function main(): Promise<void> {
  log(`bench: ${ensureH2load()}`);
  if (!argv.includes("--no-generate")) log(`bench: generated the GreetService code in ${generateRpc().toFixed(0)} ms`);
  const h2 = quick ? { clients: 16, streams: 32, warmupS: 0.5, durationS: 1 } : { clients: 16, streams: 32, warmupS: 1, durationS: 4 };
  const streamMessages = quick ? 200_000 : 1_000_000;
  const body = join(rpcGenDir, "connect-unary-request.bin");
  writeFileSync(body, named("triple"));
  const logFile = join(rpcGenDir, "h2load-connect.log");
  const connectHeaders = ["content-type: application/proto", "connect-protocol-version: 1"];
  const unary: { tristub: number[]; floor: number[]; ratio: number[] } = { tristub: [], floor: [], ratio: [] };
  const streams: Record<StreamProtocol, number[]> = { grpc: [], connect: [], "grpc-web": [] };
  const streamRatios: Record<"connect" | "grpc-web", number[]> = { connect: [], "grpc-web": [] };
  const webCalls: Record<"grpc-web unary" | "Connect 1-message stream", number[]> = { "grpc-web unary": [], "Connect 1-message stream": [] };
  // Server CPU µs per call: steadier than calls/s when other processes share the CPU.
  const webCpu: Record<"grpc-web unary" | "Connect 1-message stream", number[]> = { "grpc-web unary": [], "Connect 1-message stream": [] };
  const webUnaryBody = join(rpcGenDir, "grpc-web-unary-request.bin");
  writeFileSync(webUnaryBody, envelope(named("triple")));
  const oneStreamBody = join(rpcGenDir, "connect-stream-1-request.bin");
  writeFileSync(oneStreamBody, envelope(named("1")));
  for (let round = 1; round <= runs; round++) {
    if (only.has("web-calls")) {
      log(`bench: gRPC-Web unary and one-message Connect streams, round ${round}/${runs}`);
      const server = await startServer("tristub");
      try {
        const cases = [
          ["grpc-web unary", webUnaryBody, ["content-type: application/grpc-web+proto", "x-grpc-web: 1"], "/greet.GreetService/Greet"],
          ["Connect 1-message stream", oneStreamBody, ["content-type: application/connect+proto"], "/greet.GreetService/GreetServerStream"],
        ] as const;
        for (const [name, file, headers, path] of cases) {
          const r = await runH2load(server, file, logFile, h2, headers, path);
          if (r.failed > 0 || r.succeeded === 0) throw new Error(`${name}: h2load ${r.failed} failed, ${r.succeeded} succeeded`);
          webCalls[name].push(r.perSec);
          webCpu[name].push(r.serverCpuUsPerRequest);
        }
      } finally {
        await server.stop();
      }
    }
    if (only.has("connect-unary")) {
      log(`bench: Connect unary server, round ${round}/${runs}`);
      const perSec: Record<"tristub" | "floor", number> = { tristub: NaN, floor: NaN };
      for (const which of ["floor", "tristub"] as const) {
        const server = which === "floor" ? await startFloor() : await startServer("tristub");
        try {
          const r = await runH2load(server, body, logFile, h2, connectHeaders);
          if (r.failed > 0 || r.succeeded === 0) throw new Error(`${which}: h2load ${r.failed} failed, ${r.succeeded} succeeded`);
          perSec[which] = r.perSec;
        } finally {
          await server.stop();
        }
      }
      unary.tristub.push(perSec.tristub);
      unary.floor.push(perSec.floor);
      unary.ratio.push(perSec.tristub / perSec.floor);
    }
    if (only.has("streams")) {
      log(`bench: server streaming, round ${round}/${runs}`);
      const server = await startServer("tristub");
      try {
        await streamOnce(server.baseUrl, "grpc", Math.min(20_000, streamMessages)); // warm-up
        const round: Partial<Record<StreamProtocol, number>> = {};
        for (const protocol of ["grpc", "connect", "grpc-web"] as const) {
          round[protocol] = await streamOnce(server.baseUrl, protocol, streamMessages);
          streams[protocol].push(round[protocol] as number);
        }
        streamRatios.connect.push((round.connect as number) / (round.grpc as number));
        streamRatios["grpc-web"].push((round["grpc-web"] as number) / (round.grpc as number));
      } finally {
        await server.stop();
      }
    }
  }
  const f = (n: number): string => Math.round(n).toLocaleString("en-US");
  const r = (n: number): string => n.toFixed(2);
  const lines = [
    `Connect/gRPC-Web server benchmark (${runs} rounds, median${quick ? ", --quick" : ""})`,
    "",
    "| case | req/s or msgs/s | × reference | target |",
    "| --- | ---: | ---: | ---: |",
    ...(only.has("connect-unary")
      ? [
          `| Connect unary, raw node:http2 floor | ${f(median(unary.floor))} req/s | 1.00 | |`,
          `| Connect unary, tristub | ${f(median(unary.tristub))} req/s | ${r(median(unary.ratio))} × floor | ≥ 0.80 |`,
        ]
      : []),
    ...(only.has("web-calls")
      ? [
          `| gRPC-Web unary, tristub | ${f(median(webCalls["grpc-web unary"]))} req/s (${median(webCpu["grpc-web unary"]).toFixed(1)} µs server CPU/call) | | |`,
          `| Connect 1-message server streams, tristub | ${f(median(webCalls["Connect 1-message stream"]))} calls/s (${median(webCpu["Connect 1-message stream"]).toFixed(1)} µs server CPU/call) | | |`,
        ]
      : []),
    ...(only.has("streams")
      ? [
          `| server streaming, tristub gRPC | ${f(median(streams.grpc))} msgs/s | 1.00 | |`,
          `| server streaming, tristub Connect | ${f(median(streams.connect))} msgs/s | ${r(median(streamRatios.connect))} × gRPC | ≥ 0.90 |`,
          `| server streaming, tristub gRPC-Web | ${f(median(streams["grpc-web"]))} msgs/s | ${r(median(streamRatios["grpc-web"]))} × gRPC | ≥ 0.90 |`,
        ]
      : []),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

await main();
