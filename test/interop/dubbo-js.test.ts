// Interop with dubbo-js 3.0.0-alpha (@apachedubbo/dubbo + @apachedubbo/dubbo-node), run as separate
// Node processes from the test/dubbo-js package (its own tree: dubbo-js needs @bufbuild/protobuf v1,
// ours is v2; the vitest globalSetup installs it with `npm ci --prefix test/dubbo-js` when missing):
//   - test/dubbo-js/server.js: dubboNodeAdapter on node:http2 (h2c). Its router serves each method
//     under gRPC, gRPC-Web and dubbo-js "Triple" (= the Connect protocol plus TRI-* headers) and picks
//     the protocol from the content type; our client speaks gRPC (application/grpc+proto), which its
//     gRPC handler serves for all four kinds.
//   - test/dubbo-js/client.js: createPromiseClient over createGrpcTransport (httpVersion "2"), which
//     supports all four kinds (bidi is full duplex over HTTP/2), grpc-timeout, AbortSignal
//     cancellation, metadata and gzip (sendCompression) — every check below runs for real.
//   - Triple-unary both ways (at the end): client.js with createDubboTransport (--protocol triple,
//     HTTP/1.1 and 2, binary and JSON, group/version) → our server, and our client with
//     `protocol: "triple"` → server.js (node:http or node:http2).
//
// What dubbo-js 3.0.0-alpha does not do, read in test/dubbo-js/node_modules (and so not asserted):
//   - its gRPC *transport* drops the service group/version of createPromiseClient (only its Triple
//     transport sends TRI-Service-Group/Version);
//   - its gRPC *handler* does not send DubboError.metadata (only grpc-status, grpc-message and
//     grpc-status-details-bin), so server.js puts error metadata into ctx.responseTrailer itself;
//   - its Http2SessionManager re-arms a ref'd 15-minute idle timer when a stream closes after
//     abort(); client.js waits for its streams to close before aborting (and exits after a second).
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGreetServiceClient, type GreetServiceClient } from "../../examples/streaming/gen/greet.js";
import { Code, decodeBinaryHeader, encodeBinaryHeader, isEnded, TripleError } from "../../examples/streaming/gen/tristub-runtime.js";
import { testClient } from "../../examples/streaming/greet-client.js";
import { repoRoot } from "../support/fixtures.js";
import { decodeGreeting, detailGreeting, detailTypeUrl, eventually, parseEnvelopes, recordingTransport, startOurServer } from "./support.js";

const dubboDir = join(repoRoot, "test", "dubbo-js");

/** One JSON event line of server.js. */
interface ServerEvent {
  event: "call" | "aborted" | "stopped";
  method: string;
  protocol?: string;
  timeoutMs?: number | null;
  encoding?: string | null;
  sent?: number;
}

/** A running server.js: its port and the handler events it printed so far. */
interface DubboServer {
  readonly port: number;
  readonly events: ServerEvent[];
  readonly stderr: string[];
  stop(): Promise<void>;
}

async function startDubboServer(args: readonly string[] = []): Promise<DubboServer> {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(process.execPath, [join(dubboDir, "server.js"), "--port", "0", ...args], {
    cwd: dubboDir,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const events: ServerEvent[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => stderr.push(line));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`dubbo-js server exited with code ${code}: ${stderr.join("\n")}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const listening = /^listening on .*:(\d+)$/.exec(line);
      if (listening !== null) resolve(Number(listening[1]));
      else events.push(JSON.parse(line) as ServerEvent);
    });
  });
  return {
    port,
    events,
    stderr,
    async stop() {
      child.stdin.end();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One result line of client.js. */
interface CheckResult {
  check: string;
  ok: boolean;
  greetings?: string[];
  header?: Record<string, string> | null;
  trailer?: Record<string, string> | null;
  elapsedMs?: number;
  error?: { code: number; codeName: string; message: string; details: { type: string; greeting: string }[]; metadata: Record<string, string> };
  reason?: string;
}

/** Runs client.js with `args`; resolves with its exit code, parsed result lines and stderr. */
function runDubboClient(args: readonly string[]): Promise<{ code: number | null; results: Map<string, CheckResult>; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dubboDir, "client.js"), ...args], { cwd: dubboDir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      const results = new Map<string, CheckResult>();
      for (const line of stdout.split("\n")) {
        if (line.trim() === "") continue;
        const result = JSON.parse(line) as CheckResult;
        results.set(result.check, result);
      }
      resolve({ code, results, stdout, stderr });
    });
  });
}

async function tripleErrorOf(promise: Promise<unknown>): Promise<TripleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TripleError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

// ---------------------------------------------------------------------------------------------------
// dubbo-js server ← our client

describe("dubbo-js server (dubboNodeAdapter, gRPC protocol) ← our generated client", () => {
  let server: DubboServer;
  let baseUrl: string;
  let client: GreetServiceClient;

  beforeEach(async () => {
    server = await startDubboServer();
    baseUrl = `http://127.0.0.1:${server.port}`;
    client = createGreetServiceClient({ baseUrl });
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  it("passes the seed client routine (all four kinds)", async () => {
    const lines: string[] = [];
    const failures: string[] = [];
    const ok = await testClient(client, { info: (line) => lines.push(line), fail: (line) => failures.push(line) });
    expect(failures).toEqual([]);
    expect(ok).toBe(true);
    expect(lines).toEqual([
      "[start to test TRIPLE unary call]",
      "TRIPLE unary call resp: [triple]",
      "[start to test TRIPLE bidi stream]",
      "TRIPLE bidi stream resp: [triple]",
      "[start to test TRIPLE client stream]",
      "TRIPLE client stream resp: [triple,triple,triple,triple,triple]",
      "[start to test TRIPLE server stream]",
      ...Array<string>(5).fill("TRIPLE server stream resp: [triple]"),
    ]);
    await eventually("four handler calls", () => server.events.filter((e) => e.event === "call").length === 4);
    expect(server.events.filter((e) => e.event === "call").map((e) => [e.method, e.protocol])).toEqual([
      ["Greet", "grpc"],
      ["GreetStream", "grpc"],
      ["GreetClientStream", "grpc"],
      ["GreetServerStream", "grpc"],
    ]);
  });

  it("unary", async () => {
    expect(await client.greet({ name: "hello ✓" })).toEqual({ greeting: "hello ✓" });
  });

  it("bidi streaming, interleaved request/response", async () => {
    const stream = client.greetStream();
    for (const name of ["a", "b", "c"]) {
      await stream.send({ name });
      expect(await stream.recv()).toEqual({ greeting: name });
    }
    stream.closeRequest();
    await expect(stream.recv()).rejects.toSatisfy(isEnded);
  });

  it("client streaming", async () => {
    const stream = client.greetClientStream();
    for (let i = 0; i < 5; i++) await stream.send({ name: `n${i}` });
    expect(await stream.closeAndRecv()).toEqual({ greeting: "n0,n1,n2,n3,n4" });
  });

  it("server streaming", async () => {
    const got: string[] = [];
    for await (const response of client.greetServerStream({ name: "s" })) got.push(response.greeting);
    expect(got).toEqual(["s", "s", "s", "s", "s"]);
  });

  it("metadata both ways", async () => {
    const bin = Uint8Array.of(0, 1, 2, 250, 255);
    let responseHeaders: Headers | undefined;
    let responseTrailers: Headers | undefined;
    await client.greet(
      { name: "m" },
      { headers: { "x-echo": "echo value", "x-echo-bin": encodeBinaryHeader(bin) }, onHeader: (h) => (responseHeaders = h), onTrailer: (t) => (responseTrailers = t) },
    );
    expect(responseHeaders?.get("x-echo-header")).toBe("echo value");
    expect(decodeBinaryHeader(responseHeaders?.get("x-echo-bin") ?? "")).toEqual([bin]);
    expect(responseTrailers?.get("x-echo-trailer")).toBe("echo value");
    expect(decodeBinaryHeader(responseTrailers?.get("x-echo-trailer-bin") ?? "")).toEqual([bin]);
  });

  it("an error status with message and grpc-status-details-bin", async () => {
    const error = await tripleErrorOf(client.greet({ name: "error" }));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe("bad name: error ✗");
    expect(error.details.map((d) => d.typeUrl)).toEqual([detailTypeUrl]);
    expect(decodeGreeting(error.details[0]?.value ?? new Uint8Array())).toBe(detailGreeting);
    expect(error.metadata.get("x-error-meta")).toBe("yes");

    const got: string[] = [];
    const streamError = await tripleErrorOf(
      (async () => {
        for await (const response of client.greetServerStream({ name: "error" })) got.push(response.greeting);
      })(),
    );
    expect(got).toEqual(["first", "second"]);
    expect(streamError.code).toBe(Code.INVALID_ARGUMENT);
    expect(streamError.details.map((d) => d.typeUrl)).toEqual([detailTypeUrl]);
  });

  it("deadline: grpc-timeout reaches dubbo-js and the call fails with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const error = await tripleErrorOf(client.greet({ name: "slow" }, { timeoutMs: 300 }));
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(3_000);
    await eventually("the dubbo-js call event", () => server.events.some((e) => e.event === "call"));
    const timeoutMs = server.events.find((e) => e.event === "call")?.timeoutMs;
    expect(timeoutMs).toBeGreaterThan(100);
    expect(timeoutMs).toBeLessThanOrEqual(300);
  });

  it("cancellation: closing a server stream stops the dubbo-js handler", async () => {
    const stream = client.greetServerStream({ name: "forever" });
    expect((await stream.recv()).greeting).toBe("forever 0");
    expect((await stream.recv()).greeting).toBe("forever 1");
    stream.close();
    await expect(stream.recv()).rejects.toMatchObject({ code: Code.CANCELLED });
    await eventually("the dubbo-js handler to stop", () => server.events.some((e) => e.event === "stopped"));
    expect(server.events.find((e) => e.event === "stopped")?.sent).toBeLessThan(100);
  });

  it("gzip both ways: dubbo-js decompresses our requests and gzips its responses (all four kinds)", async () => {
    const { transport, requests } = recordingTransport(baseUrl);
    const gzipClient = createGreetServiceClient({ transport, sendCompression: "gzip" });
    // dubbo-js compresses responses of at least 1 KiB (its compressMinBytes default).
    const long = (tag: string): string => tag + "z".repeat(3000);
    try {
      expect(await gzipClient.greet({ name: long("u") })).toEqual({ greeting: long("u") });
      const bidi = gzipClient.greetStream();
      await bidi.send({ name: long("b") });
      expect(await bidi.recv()).toEqual({ greeting: long("b") });
      bidi.closeRequest();
      await expect(bidi.recv()).rejects.toSatisfy(isEnded);
      const upload = gzipClient.greetClientStream();
      for (let i = 0; i < 3; i++) await upload.send({ name: long(`c${i}`) });
      expect(await upload.closeAndRecv()).toEqual({ greeting: [0, 1, 2].map((i) => long(`c${i}`)).join(",") });
      const got: string[] = [];
      for await (const response of gzipClient.greetServerStream({ name: long("s") })) got.push(response.greeting);
      expect(got).toEqual(Array<string>(5).fill(long("s")));

      expect(requests).toHaveLength(4);
      for (const request of requests) {
        expect(request.headers["grpc-encoding"]).toBe("gzip");
        expect(parseEnvelopes(request.chunks).every((e) => e.compressed)).toBe(true);
        const responses = parseEnvelopes(request.responseChunks);
        expect(responses.length).toBeGreaterThan(0);
        expect(responses.every((e) => e.compressed && e.length < 200)).toBe(true);
      }
      await eventually("four handler calls", () => server.events.filter((e) => e.event === "call").length === 4);
      expect(server.events.filter((e) => e.event === "call").every((e) => e.encoding === "gzip")).toBe(true);
    } finally {
      await gzipClient.close();
      await transport.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// dubbo-js client → our server

describe("dubbo-js client (createGrpcTransport, httpVersion 2) → our generated server", () => {
  let started: Awaited<ReturnType<typeof startOurServer>>;

  beforeEach(async () => {
    started = await startOurServer();
  });

  afterEach(async () => {
    await started.server.close({ graceMs: 100 });
  });

  const target = (): string => `127.0.0.1:${started.port}`;

  it("all four kinds (binary)", async () => {
    const { code, results, stderr } = await runDubboClient(["--target", target(), "--checks", "unary,bidi,client,server"]);
    expect(stderr).toBe("");
    expect(results.get("unary")).toMatchObject({ ok: true, greetings: ["triple"] });
    expect(results.get("bidi")).toMatchObject({ ok: true, greetings: ["a", "b", "c"], interleaved: true });
    expect(results.get("client")).toMatchObject({ ok: true, greetings: ["triple,triple,triple,triple,triple"] });
    expect(results.get("server")).toMatchObject({ ok: true, greetings: Array<string>(5).fill("triple") });
    expect(code).toBe(0);
    expect(started.wire.map((c) => [c.path, c.requestHeaders["content-type"]])).toEqual([
      ["/greet.GreetService/Greet", "application/grpc+proto"],
      ["/greet.GreetService/GreetStream", "application/grpc+proto"],
      ["/greet.GreetService/GreetClientStream", "application/grpc+proto"],
      ["/greet.GreetService/GreetServerStream", "application/grpc+proto"],
    ]);
  });

  it("all four kinds with application/grpc+json (useBinaryFormat: false)", async () => {
    const { code, results } = await runDubboClient(["--target", target(), "--format", "json", "--checks", "unary,bidi,client,server"]);
    expect([...results.values()].map((r) => [r.check, r.ok])).toEqual([
      ["unary", true],
      ["bidi", true],
      ["client", true],
      ["server", true],
    ]);
    expect(code).toBe(0);
    expect(started.wire.every((c) => c.requestHeaders["content-type"] === "application/grpc+json")).toBe(true);
    expect(started.wire.every((c) => c.responseHeaders?.["content-type"] === "application/grpc+json")).toBe(true);
  });

  it("metadata both ways, error status with details, deadline and cancellation", async () => {
    const { results } = await runDubboClient(["--target", target(), "--checks", "metadata,error,deadline,cancel"]);

    const metadata = results.get("metadata");
    expect(metadata?.ok).toBe(true);
    expect(metadata?.header?.["x-echo-header"]).toBe("echo value");
    expect(metadata?.trailer?.["x-echo-trailer"]).toBe("echo value");
    expect(decodeBinaryHeader(metadata?.trailer?.["x-echo-trailer-bin"] ?? "")).toEqual([Uint8Array.of(0, 1, 2, 250, 255)]);

    const error = results.get("error");
    expect(error?.ok).toBe(true);
    expect(error?.error).toMatchObject({
      code: Code.INVALID_ARGUMENT,
      message: "bad name: error ✗",
      details: [{ type: "greet.GreetResponse", greeting: detailGreeting }],
    });
    expect(error?.error?.metadata["x-error-meta"]).toBe("yes");

    const deadline = results.get("deadline");
    expect(deadline).toMatchObject({ ok: true, error: { code: Code.DEADLINE_EXCEEDED } });
    expect(deadline?.elapsedMs).toBeLessThan(3_000);
    const slow = started.events.calls.find((c) => c.method === "Greet" && c.deadline !== undefined);
    expect(slow).toBeDefined();
    await eventually("the slow handler to be aborted", () => slow?.abortReason !== undefined);

    const cancel = results.get("cancel");
    expect(cancel).toMatchObject({ ok: true, error: { code: Code.CANCELLED } });
    expect(cancel?.greetings?.slice(0, 2)).toEqual(["forever 0", "forever 1"]);
    const forever = started.events.calls.find((c) => c.method === "GreetServerStream");
    await eventually("the server-stream handler to be aborted", () => forever?.abortReason !== undefined);
    expect((forever?.abortReason as TripleError).code).toBe(Code.CANCELLED);
  });

  it("gzip both ways (all four kinds)", async () => {
    await started.server.close({ graceMs: 100 });
    started = await startOurServer({ compressMinBytes: 0 });
    const { code, results } = await runDubboClient(["--target", target(), "--compression", "gzip", "--checks", "unary,bidi,client,server"]);
    expect([...results.values()].every((r) => r.ok)).toBe(true);
    expect(code).toBe(0);
    expect(started.wire).toHaveLength(4);
    for (const call of started.wire) {
      expect(call.requestHeaders["grpc-encoding"]).toBe("gzip");
      expect(parseEnvelopes(call.requestChunks).every((e) => e.compressed)).toBe(true);
      expect(call.responseHeaders?.["grpc-encoding"]).toBe("gzip");
      expect(parseEnvelopes(call.responseChunks).every((e) => e.compressed)).toBe(true);
    }
  });

});

// ---------------------------------------------------------------------------------------------------
// Triple-unary both ways: dubbo-js's createDubboTransport ("Triple" = Connect unary with TRI-* headers:
// application/proto|json, TRI-Protocol-Version, TRI-Service-Timeout, TRI-Service-Group/-Version; its
// errors are {"status":<number>,"message","details"}) over HTTP/1.1 and HTTP/2. Its streaming is
// Connect streaming (application/connect+*), which dubbo-go does not serve: unary only here (its streams
// and its gRPC-Web transport against our server: test/interop/dubbo-js-streaming.test.ts).

/** Every http × format combination dubbo-js's Triple transport has. */
const tripleVariants = [
  { http: "1.1", format: "binary" },
  { http: "1.1", format: "json" },
  { http: "2", format: "binary" },
  { http: "2", format: "json" },
] as const;

describe.each(tripleVariants)("dubbo-js client (createDubboTransport, httpVersion $http, $format) → our generated server (Triple-unary)", ({ http, format }) => {
  let started: Awaited<ReturnType<typeof startOurServer>>;

  beforeEach(async () => {
    started = await startOurServer({}, { group: "interop", version: "1.0.0" });
  });

  afterEach(async () => {
    await started.server.close({ graceMs: 100 });
  });

  const run = (checks: string, routing = ["--group", "interop", "--version", "1.0.0"]) =>
    runDubboClient(["--target", `127.0.0.1:${started.port}`, "--protocol", "triple", "--http", http, "--format", format, ...routing, "--checks", checks]);

  it("unary, metadata, errors in dubbo-js's numeric status shape, deadline", async () => {
    const { code, results, stderr } = await run("unary,metadata,error,deadline");
    expect(stderr).toBe("");
    expect(results.get("unary")).toMatchObject({ ok: true, greetings: ["triple"] });

    const metadata = results.get("metadata");
    expect(metadata?.ok).toBe(true);
    expect(metadata?.header?.["x-echo-header"]).toBe("echo value");
    // Response trailers travel as trailer-* headers; dubbo-js strips the prefix into its trailers.
    expect(metadata?.trailer?.["x-echo-trailer"]).toBe("echo value");
    expect(decodeBinaryHeader(metadata?.trailer?.["x-echo-trailer-bin"] ?? "")).toEqual([Uint8Array.of(0, 1, 2, 250, 255)]);

    // dubbo-js reads only the numeric `status` of our {"code","status","message","details"} body.
    const error = results.get("error");
    expect(error?.ok).toBe(true);
    expect(error?.error).toMatchObject({
      code: Code.INVALID_ARGUMENT,
      codeName: "InvalidArgument",
      message: "bad name: error ✗",
      details: [{ type: "greet.GreetResponse", greeting: detailGreeting }],
    });
    expect(error?.error?.metadata["x-error-meta"]).toBe("yes");

    const deadline = results.get("deadline");
    expect(deadline).toMatchObject({ ok: true, error: { code: Code.DEADLINE_EXCEEDED } });
    expect(deadline?.elapsedMs).toBeLessThan(3_000);
    // TRI-Service-Timeout reached our handler as its deadline.
    const slow = started.events.calls.find((c) => c.method === "Greet" && c.deadline !== undefined);
    expect(slow).toBeDefined();
    await eventually("the slow handler to be aborted", () => slow?.abortReason !== undefined);
    expect(code).toBe(0);

    if (http === "2") {
      // HTTP/2 calls are visible below the runtime: plain Triple-unary requests, no gRPC framing.
      const contentType = format === "json" ? "application/json" : "application/proto";
      expect(started.wire.map((c) => c.requestHeaders["content-type"])).toEqual(Array<string>(4).fill(contentType));
      expect(started.wire.every((c) => c.requestHeaders["tri-service-group"] === "interop" && c.requestHeaders["tri-service-version"] === "1.0.0")).toBe(true);
      expect(started.wire.every((c) => c.requestHeaders["tri-protocol-version"] === "1.0.0")).toBe(true);
      expect(started.wire.find((c) => c.requestHeaders["tri-service-timeout"] !== undefined)?.requestHeaders["tri-service-timeout"]).toBe("300");
      expect(started.wire.find((c) => c.responseHeaders?.[":status"] !== 200)?.responseHeaders?.["content-type"]).toBe("application/json");
    }
  });

  it("group/version routing: without them the call reaches no implementation (UNIMPLEMENTED)", async () => {
    const { results } = await run("unary", []);
    expect(results.get("unary")).toMatchObject({
      ok: false,
      error: { code: Code.UNIMPLEMENTED, message: "no implementation found for service group  and service version " },
    });
  });
});

describe.each(["1.1", "2"] as const)("dubbo-js server (dubboNodeAdapter, HTTP/%s, Triple) ← our client with protocol: triple", (http) => {
  let server: DubboServer;
  const clients: GreetServiceClient[] = [];

  beforeEach(async () => {
    server = await startDubboServer(["--http", http, "--group", "interop", "--version", "1.0.0"]);
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await server.stop();
  });

  const client = (codec: "proto" | "json", routing: { group?: string; version?: string } = { group: "interop", version: "1.0.0" }): GreetServiceClient => {
    const created = createGreetServiceClient({ baseUrl: `http://127.0.0.1:${server.port}`, protocol: "triple", httpVersion: http, codec, ...routing });
    clients.push(created);
    return created;
  };

  for (const codec of ["proto", "json"] as const) {
    it(`${codec}: unary and metadata both ways`, async () => {
      const triple = client(codec);
      expect(await triple.greet({ name: "hello ✓" })).toEqual({ greeting: "hello ✓" });
      const bin = Uint8Array.of(0, 1, 2, 250, 255);
      let responseHeaders: Headers | undefined;
      let responseTrailers: Headers | undefined;
      await triple.greet(
        { name: "m" },
        { headers: { "x-echo": "echo value", "x-echo-bin": encodeBinaryHeader(bin) }, onHeader: (h) => (responseHeaders = h), onTrailer: (t) => (responseTrailers = t) },
      );
      expect(responseHeaders?.get("x-echo-header")).toBe("echo value");
      expect(decodeBinaryHeader(responseHeaders?.get("x-echo-bin") ?? "")).toEqual([bin]);
      expect(responseTrailers?.get("x-echo-trailer")).toBe("echo value");
      expect(decodeBinaryHeader(responseTrailers?.get("x-echo-trailer-bin") ?? "")).toEqual([bin]);
      await eventually("two handler calls", () => server.events.filter((e) => e.event === "call").length === 2);
      // dubbo-js serves them with its Triple handler (internally named "connect"), not gRPC.
      expect(server.events.filter((e) => e.event === "call").map((e) => [e.method, e.protocol])).toEqual([
        ["Greet", "connect"],
        ["Greet", "connect"],
      ]);
    });

    it(`${codec}: dubbo-js errors ({"status":3,…}) come back with code, message, details and metadata`, async () => {
      const error = await tripleErrorOf(client(codec).greet({ name: "error" }));
      expect(error.code).toBe(Code.INVALID_ARGUMENT);
      expect(error.rawMessage).toBe("bad name: error ✗");
      expect(error.details.map((d) => d.typeUrl)).toEqual([detailTypeUrl]);
      expect(decodeGreeting(error.details[0]?.value ?? new Uint8Array())).toBe(detailGreeting);
      // greet-impl.js sets it as a response trailer: trailer-x-error-meta on the wire.
      expect(error.metadata.get("x-error-meta")).toBe("yes");
    });
  }

  it("group/version: dubbo-js matches them exactly (404 without them → UNIMPLEMENTED)", async () => {
    await expect(client("proto", {}).greet({ name: "x" })).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
    await expect(client("proto", { group: "interop", version: "2.0.0" }).greet({ name: "x" })).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
  });

  it("deadline: the timeout header reaches dubbo-js", async () => {
    const started = Date.now();
    const error = await tripleErrorOf(client("proto").greet({ name: "slow" }, { timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(3_000);
    await eventually("the dubbo-js call event", () => server.events.some((e) => e.event === "call"));
    const timeoutMs = server.events.find((e) => e.event === "call")?.timeoutMs;
    expect(timeoutMs).toBeGreaterThan(100);
    expect(timeoutMs).toBeLessThanOrEqual(300);
    if (http === "2") {
      expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    } else {
      // dubbo-node 3.0.0-alpha over node:http aborts every handler's signal as soon as the request
      // body has been read (it listens for IncomingMessage "close", which Node ≥ 16 emits then), so
      // greet-impl.js's slow call ends early with INTERNAL "slow call was not cut short" — whichever
      // of that and our own deadline comes first decides the code.
      expect([Code.DEADLINE_EXCEEDED, Code.INTERNAL]).toContain(error.code);
    }
  });
});
