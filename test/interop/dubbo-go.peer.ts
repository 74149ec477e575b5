// Interop with Apache dubbo-go's own Triple implementation (protocol/triple/triple_protocol, built from
// ../shared/peers/dubbo-go by test/dubbo-go/build.sh into test/dubbo-go/.build/, offline). Run by
// `npm run test:dubbo-go` only (vitest.dubbo-go.config.ts): the build needs Go from Debian backports
// and about a minute the first time, which the default `npm test` should not pay.
//
//   dubbo-go client -> tristub server: the peer's client (the dubbo-go-samples streaming/ client) in
//     each of its modes: gRPC (all 4 kinds) and Triple-unary (unary), proto and JSON, HTTP/2 (h2c) and,
//     for Triple-unary, HTTP/1.1. It exits 1 on any error or reply mismatch; we also check its exact
//     output and what reached our server on the wire (path, content type, status per call kind).
//   tristub client -> dubbo-go server: our generated client (examples/streaming/gen) with the seed's
//     testClient (all 4 kinds over gRPC; unary over Triple-unary on HTTP/1.1 and HTTP/2), proto and
//     JSON, plus the request content type it put on the wire.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer as createHttp1Server, type IncomingMessage } from "node:http";
import { createServer as createNetServer, connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGreetServiceClient } from "../../examples/streaming/gen/greet.js";
import type { TripleServer } from "../../examples/streaming/gen/tristub-runtime.js";
import { testClient } from "../../examples/streaming/greet-client.js";
import { repoRoot } from "../support/fixtures.js";
import { recordingTransport, startOurServer, type RecordedCall } from "./support.js";

const run = promisify(execFile);

/** What the sample client prints for its four calls (the seed's expected output). */
const unaryLines = ["[start to test TRIPLE unary call]", "TRIPLE unary call resp: [triple]"];
const streamLines = [
  "[start to test TRIPLE bidi stream]",
  "TRIPLE bidi stream resp: [triple]",
  "[start to test TRIPLE client stream]",
  "TRIPLE client stream resp: [triple,triple,triple,triple,triple]",
  "[start to test TRIPLE server stream]",
  ...Array.from({ length: 5 }, () => "TRIPLE server stream resp: [triple]"),
];

let peerBin = "";

beforeAll(async () => {
  const { stdout } = await run("bash", [join(repoRoot, "test", "dubbo-go", "build.sh")], { cwd: repoRoot, maxBuffer: 16 << 20, timeout: 900_000 });
  peerBin = join(stdout.trim(), "bin");
}, 900_000);

/** Runs the dubbo-go sample client against 127.0.0.1:port with extra flags; resolves its exit code and output. */
async function runPeerClient(port: number, flags: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(join(peerBin, "dubbo-go-greet-client"), ["--target", `127.0.0.1:${port}`, "--timeout", "10s", ...flags], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The calls our server recorded on HTTP/2 for one method. */
const callsTo = (wire: readonly RecordedCall[], method: string): RecordedCall[] => wire.filter((call) => call.path === `/greet.GreetService/${method}`);

describe("dubbo-go client -> tristub server", () => {
  let server: TripleServer;
  let port = 0;
  let wire: RecordedCall[] = [];
  /** HTTP/1.1 requests that reached our server: [method path, content type]. */
  const http1Requests: [string, string | undefined][] = [];

  beforeAll(async () => {
    ({ server, port, wire } = await startOurServer());
    (server as unknown as { http1: ReturnType<typeof createHttp1Server> }).http1.prependListener("request", (request: IncomingMessage) => {
      http1Requests.push([`${request.method} ${request.url}`, request.headers["content-type"]]);
    });
  });
  afterAll(() => server.close());

  for (const json of [false, true]) {
    const codec = json ? "json" : "proto";
    it(`gRPC ${codec}, HTTP/2: unary, bidi, client stream, server stream`, async () => {
      wire.length = 0;
      const result = await runPeerClient(port, ["--mode", "grpc", ...(json ? ["--json"] : [])]);
      expect(result, result.stderr).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout.trimEnd().split("\n")).toEqual([...unaryLines, ...streamLines]);
      for (const method of ["Greet", "GreetStream", "GreetClientStream", "GreetServerStream"]) {
        const calls = callsTo(wire, method);
        expect(calls, method).toHaveLength(1);
        expect(calls[0]?.requestHeaders["content-type"], method).toBe(json ? "application/grpc+json" : "application/grpc+proto");
        expect(calls[0]?.responseHeaders?.[":status"], method).toBe(200);
      }
    });
    for (const http of ["2", "1.1"]) {
      it(`Triple-unary ${codec}, HTTP/${http}: unary`, async () => {
        wire.length = 0;
        http1Requests.length = 0;
        const result = await runPeerClient(port, ["--mode", "triple", "--http", http, ...(json ? ["--json"] : [])]);
        expect(result, result.stderr).toMatchObject({ code: 0, stderr: "" });
        expect(result.stdout.trimEnd().split("\n")).toEqual(unaryLines);
        const contentType = json ? "application/json" : "application/proto";
        if (http === "2") {
          const calls = callsTo(wire, "Greet");
          expect(calls).toHaveLength(1);
          expect(calls[0]?.requestHeaders["content-type"]).toBe(contentType);
          expect(calls[0]?.responseHeaders?.[":status"]).toBe(200);
          expect(http1Requests).toEqual([]);
        } else {
          expect(wire).toEqual([]);
          expect(http1Requests).toEqual([["POST /greet.GreetService/Greet", contentType]]);
        }
      });
    }
  }
});

/** A free TCP port on 127.0.0.1 (the peer server has no port 0 report). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

/** Resolves once something accepts connections on 127.0.0.1:port (bounded: 10 s). */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`dubbo-go server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`dubbo-go server did not listen on 127.0.0.1:${port}`);
}

describe("tristub client -> dubbo-go server", () => {
  let child: ChildProcess;
  let port = 0;
  let serverOutput = "";

  beforeAll(async () => {
    port = await freePort();
    child = spawn(join(peerBin, "dubbo-go-greet-server"), ["--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => (serverOutput += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (serverOutput += chunk.toString()));
    await waitForPort(port, child);
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });

  /** Runs the seed client; resolves whether every reply matched, and the lines it printed. */
  async function seedClient(options: { codec: "proto" | "json"; protocol: "grpc" | "triple"; httpVersion: "1.1" | "2" }) {
    const baseUrl = `http://127.0.0.1:${port}`;
    const { transport, requests } = recordingTransport(baseUrl);
    const client = createGreetServiceClient({ transport, codec: options.codec, protocol: options.protocol, httpVersion: options.httpVersion, timeoutMs: 10_000 });
    const lines: string[] = [];
    const failures: string[] = [];
    // HTTP/1.1 requests go through the transport's keep-alive agent (private: read white-box): count the sockets it opens.
    let http1Sockets = 0;
    (transport as unknown as { http1Agent(): import("node:http").Agent }).http1Agent().on("free", () => http1Sockets++);
    try {
      const ok = await testClient(client, { info: (line) => lines.push(line), fail: (line) => failures.push(line) }, options.protocol === "triple");
      return { ok, lines, failures, requests, http1Sockets };
    } finally {
      await client.close();
      await transport.close();
    }
  }

  for (const codec of ["proto", "json"] as const) {
    it(`gRPC ${codec}, HTTP/2: unary, bidi, client stream, server stream`, async () => {
      const result = await seedClient({ codec, protocol: "grpc", httpVersion: "2" });
      expect(result.failures, serverOutput).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.lines).toEqual([...unaryLines, ...streamLines]);
      expect(result.requests.map((request) => [request.headers[":path"], request.headers["content-type"]])).toEqual(
        ["Greet", "GreetStream", "GreetClientStream", "GreetServerStream"].map((method) => [`/greet.GreetService/${method}`, `application/grpc+${codec}`]),
      );
    });
    for (const httpVersion of ["2", "1.1"] as const) {
      it(`Triple-unary ${codec}, HTTP/${httpVersion}: unary`, async () => {
        const result = await seedClient({ codec, protocol: "triple", httpVersion });
        expect(result.failures, serverOutput).toEqual([]);
        expect(result.ok).toBe(true);
        expect(result.lines).toEqual(unaryLines);
        // Triple-unary over HTTP/2 goes through the shared transport; over HTTP/1.1 through its agent.
        const expected = httpVersion === "2" ? [["/greet.GreetService/Greet", `application/${codec}`]] : [];
        expect(result.requests.map((request) => [request.headers[":path"], request.headers["content-type"]])).toEqual(expected);
        expect(result.http1Sockets).toBe(httpVersion === "2" ? 0 : 1);
      });
    }
  }
});
