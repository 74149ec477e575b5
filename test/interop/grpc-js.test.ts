// Interop with @grpc/grpc-js, the reference gRPC implementation for Node, over real sockets:
//   - a grpc-js server (GreetService loaded from examples/streaming/greet.proto with proto-loader)
//     called by our generated client;
//   - a grpc-js client calling our generated server (createTripleServer + registerGreetService with
//     the seed handler).
// Each direction covers the four RPC kinds, metadata both ways (text and -bin), an error status with a
// message and grpc-status-details-bin, a deadline, cancellation and gzip.
//
// What grpc-js itself supports, read in node_modules/@grpc/grpc-js 1.14.7:
//   - its client compresses requests with `grpc.default_compression_algorithm` (2 = gzip) and
//     decompresses gzip/deflate responses;
//   - its server decompresses gzip/deflate requests but never compresses responses
//     (server-interceptors.js: "response compression is currently not supported", always
//     `grpc-encoding: identity`). So "server compression" is exercised in the direction where our
//     server compresses for the grpc-js client; against the grpc-js server we assert the identity
//     response it sends.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createGreetServiceClient, type GreetServiceClient } from "../../examples/streaming/gen/greet.js";
import { Code, decodeBinaryHeader, encodeBinaryHeader, isEnded, TripleError } from "../../examples/streaming/gen/tristub-runtime.js";
import { testClient } from "../../examples/streaming/greet-client.js";
import {
  decodeGreeting,
  decodeRpcStatus,
  detailGreeting,
  detailTypeUrl,
  encodeGreeting,
  encodeRpcStatus,
  eventually,
  greetProto,
  parseEnvelopes,
  recordingTransport,
  startOurServer,
} from "./support.js";

interface Req {
  name: string;
}
interface Res {
  greeting: string;
}

/** The dynamic methods proto-loader gives the GreetService client class. */
interface GrpcGreetClient extends grpc.Client {
  Greet(request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall;
  GreetStream(metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<Req, Res>;
  GreetClientStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<Req>;
  GreetServerStream(request: Req, metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<Res>;
}
type GrpcGreetClientClass = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => GrpcGreetClient;

const packageDefinition = protoLoader.loadSync(greetProto, { keepCase: true, defaults: true });
const greetPackage = grpc.loadPackageDefinition(packageDefinition)["greet"] as grpc.GrpcObject;
const GreetServiceGrpc = greetPackage["GreetService"] as grpc.ServiceClientConstructor;
const GreetClientGrpc = GreetServiceGrpc as unknown as GrpcGreetClientClass;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects with the TripleError a promise rejects with; fails when it resolves or rejects otherwise. */
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
// grpc-js server ← our client

/** What the grpc-js server saw. */
interface GrpcServerEvents {
  calls: { method: string; metadata: grpc.Metadata; deadline: grpc.Deadline; cancelled: boolean; sent: number }[];
}

function echoMetadata(metadata: grpc.Metadata): { header: grpc.Metadata; trailer: grpc.Metadata } {
  const header = new grpc.Metadata();
  const trailer = new grpc.Metadata();
  const text = metadata.get("x-echo")[0];
  if (text !== undefined) {
    header.set("x-echo-header", text);
    trailer.set("x-echo-trailer", text);
  }
  const bin = metadata.get("x-echo-bin")[0];
  if (bin !== undefined) {
    header.set("x-echo-bin", bin);
    trailer.set("x-echo-trailer-bin", bin);
  }
  return { header, trailer };
}

/** grpc-js's view of the `error` name: INVALID_ARGUMENT with message, metadata and status details. */
function grpcError(): grpc.ServerErrorResponse {
  const metadata = new grpc.Metadata();
  metadata.set("x-error-meta", "yes");
  metadata.set("x-error-bin", Buffer.from([0, 1, 2, 255]));
  const message = "bad name: error ✗";
  metadata.set(
    "grpc-status-details-bin",
    Buffer.from(encodeRpcStatus({ code: grpc.status.INVALID_ARGUMENT, message, details: [{ typeUrl: detailTypeUrl, value: encodeGreeting(detailGreeting) }] })),
  );
  return Object.assign(new Error(message), { code: grpc.status.INVALID_ARGUMENT, details: message, metadata });
}

/** What every grpc-js server call has (grpc-js does not export its ServerSurfaceCall type). */
interface SurfaceCall {
  readonly metadata: grpc.Metadata;
  getDeadline(): grpc.Deadline;
  on(event: "cancelled", listener: () => void): unknown;
}

/** A GreetService on grpc-js with the seed's behaviour plus the name triggers of support.ts. */
function grpcGreetImplementation(events: GrpcServerEvents): grpc.UntypedServiceImplementation {
  const record = (method: string, call: SurfaceCall): GrpcServerEvents["calls"][number] => {
    const entry = { method, metadata: call.metadata, deadline: call.getDeadline(), cancelled: false, sent: 0 };
    events.calls.push(entry);
    call.on("cancelled", () => (entry.cancelled = true));
    return entry;
  };
  return {
    Greet(call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) {
      record("Greet", call);
      const { header, trailer } = echoMetadata(call.metadata);
      call.sendMetadata(header);
      if (call.request.name === "error") return callback(grpcError());
      if (call.request.name === "slow") {
        const timer = setTimeout(() => callback(null, { greeting: "too late" }), 5_000);
        timer.unref();
        call.on("cancelled", () => clearTimeout(timer));
        return;
      }
      callback(null, { greeting: call.request.name }, trailer);
    },
    GreetStream(call: grpc.ServerDuplexStream<Req, Res>) {
      record("GreetStream", call);
      const { header, trailer } = echoMetadata(call.metadata);
      call.sendMetadata(header);
      call.on("data", (request: Req) => call.write({ greeting: request.name }));
      call.on("end", () => call.end(trailer));
    },
    GreetClientStream(call: grpc.ServerReadableStream<Req, Res>, callback: grpc.sendUnaryData<Res>) {
      record("GreetClientStream", call);
      const { header, trailer } = echoMetadata(call.metadata);
      call.sendMetadata(header);
      const names: string[] = [];
      call.on("data", (request: Req) => names.push(request.name));
      call.on("end", () => callback(null, { greeting: names.join(",") }, trailer));
    },
    GreetServerStream(call: grpc.ServerWritableStream<Req, Res>) {
      const entry = record("GreetServerStream", call);
      const { header, trailer } = echoMetadata(call.metadata);
      call.sendMetadata(header);
      const name = call.request.name;
      if (name === "error") {
        call.write({ greeting: "first" });
        call.write({ greeting: "second" });
        call.emit("error", grpcError());
        return;
      }
      if (name === "forever") {
        const timer = setInterval(() => {
          if (call.cancelled || entry.sent >= 1000) return clearInterval(timer);
          call.write({ greeting: `forever ${entry.sent++}` });
        }, 10);
        return;
      }
      for (let i = 0; i < 5; i++) call.write({ greeting: name });
      call.end(trailer);
    },
  };
}

describe("grpc-js server ← our generated client", () => {
  let server: grpc.Server;
  let events: GrpcServerEvents;
  let baseUrl: string;
  let client: GreetServiceClient;

  beforeEach(async () => {
    events = { calls: [] };
    server = new grpc.Server();
    server.addService(GreetServiceGrpc.service, grpcGreetImplementation(events));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    baseUrl = `http://127.0.0.1:${port}`;
    client = createGreetServiceClient({ baseUrl });
  });

  afterEach(async () => {
    await client.close();
    server.forceShutdown();
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
  });

  it("unary", async () => {
    expect(await client.greet({ name: "hello ✓" })).toEqual({ greeting: "hello ✓" });
    expect(events.calls.map((c) => c.method)).toEqual(["Greet"]);
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

  it("metadata both ways: request metadata reaches grpc-js, its headers and trailers reach us", async () => {
    const bin = Uint8Array.of(0, 1, 2, 250, 255);
    const headers = { "x-echo": "echo ok value", "x-echo-bin": encodeBinaryHeader(bin) };
    let responseHeaders: Headers | undefined;
    let responseTrailers: Headers | undefined;
    await client.greet({ name: "m" }, { headers, onHeader: (h) => (responseHeaders = h), onTrailer: (t) => (responseTrailers = t) });
    const seen = events.calls[0]?.metadata;
    expect(seen?.get("x-echo")).toEqual(["echo ok value"]);
    expect(seen?.get("x-echo-bin")).toEqual([Buffer.from(bin)]);
    expect(responseHeaders?.get("x-echo-header")).toBe("echo ok value");
    expect(decodeBinaryHeader(responseHeaders?.get("x-echo-bin") ?? "")).toEqual([bin]);
    expect(responseTrailers?.get("x-echo-trailer")).toBe("echo ok value");
    expect(decodeBinaryHeader(responseTrailers?.get("x-echo-trailer-bin") ?? "")).toEqual([bin]);

    // Streams expose the same through their headers/trailers promises.
    const stream = client.greetStream({ headers });
    await stream.send({ name: "x" });
    await stream.recv();
    stream.closeRequest();
    await expect(stream.recv()).rejects.toSatisfy(isEnded);
    expect((await stream.headers).get("x-echo-header")).toBe("echo ok value");
    expect((await stream.trailers).get("x-echo-trailer")).toBe("echo ok value");
  });

  it("an error status with message, metadata and grpc-status-details-bin", async () => {
    const error = await tripleErrorOf(client.greet({ name: "error" }));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe("bad name: error ✗");
    expect(error.details).toHaveLength(1);
    expect(error.details[0]?.typeUrl).toBe(detailTypeUrl);
    expect(decodeGreeting(error.details[0]?.value ?? new Uint8Array())).toBe(detailGreeting);
    expect(error.metadata.get("x-error-meta")).toBe("yes");
    expect(decodeBinaryHeader(error.metadata.get("x-error-bin") ?? "")).toEqual([Uint8Array.of(0, 1, 2, 255)]);

    // Mid-stream: the messages before the error arrive, then the status.
    const got: string[] = [];
    const streamError = await tripleErrorOf(
      (async () => {
        for await (const response of client.greetServerStream({ name: "error" })) got.push(response.greeting);
      })(),
    );
    expect(got).toEqual(["first", "second"]);
    expect(streamError.code).toBe(Code.INVALID_ARGUMENT);
    expect(streamError.rawMessage).toBe("bad name: error ✗");
    expect(streamError.details[0]?.typeUrl).toBe(detailTypeUrl);
  });

  it("deadline: grpc-timeout reaches grpc-js and the call fails with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const error = await tripleErrorOf(client.greet({ name: "slow" }, { timeoutMs: 300 }));
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(3_000);
    const deadline = events.calls[0]?.deadline;
    expect(deadline).toBeDefined();
    // grpc-js's Deadline is a Date or epoch milliseconds (Infinity without a grpc-timeout).
    const remaining = (deadline instanceof Date ? deadline.getTime() : Number(deadline)) - started;
    expect(remaining).toBeGreaterThan(100);
    expect(remaining).toBeLessThanOrEqual(400);
    await eventually("grpc-js to see the call end", () => events.calls[0]?.cancelled === true);
  });

  it("cancellation: closing a server stream and aborting a unary call reach grpc-js", async () => {
    const stream = client.greetServerStream({ name: "forever" });
    expect((await stream.recv()).greeting).toBe("forever 0");
    expect((await stream.recv()).greeting).toBe("forever 1");
    stream.close();
    await expect(stream.recv()).rejects.toMatchObject({ code: Code.CANCELLED });
    await eventually("grpc-js to see the cancellation", () => events.calls[0]?.cancelled === true);
    const sentAtCancel = events.calls[0]?.sent ?? 0;
    await sleep(100);
    expect(events.calls[0]?.sent).toBeLessThanOrEqual(sentAtCancel + 1);

    const controller = new AbortController();
    const pending = tripleErrorOf(client.greet({ name: "slow" }, { signal: controller.signal }));
    await eventually("grpc-js to receive the unary call", () => events.calls.length === 2);
    controller.abort();
    expect((await pending).code).toBe(Code.CANCELLED);
    await eventually("grpc-js to see the unary cancellation", () => events.calls[1]?.cancelled === true);
  });

  it("gzip: grpc-js decompresses our gzip requests (all four kinds) and answers uncompressed", async () => {
    const { transport, requests } = recordingTransport(baseUrl);
    const gzipClient = createGreetServiceClient({ transport, sendCompression: "gzip" });
    try {
      let responseHeaders: Headers | undefined;
      expect(await gzipClient.greet({ name: "z".repeat(3000) }, { onHeader: (h) => (responseHeaders = h) })).toEqual({ greeting: "z".repeat(3000) });
      const bidi = gzipClient.greetStream();
      await bidi.send({ name: "b1" });
      expect(await bidi.recv()).toEqual({ greeting: "b1" });
      bidi.closeRequest();
      await expect(bidi.recv()).rejects.toSatisfy(isEnded);
      const upload = gzipClient.greetClientStream();
      for (let i = 0; i < 3; i++) await upload.send({ name: `c${i}` });
      expect(await upload.closeAndRecv()).toEqual({ greeting: "c0,c1,c2" });
      const got: string[] = [];
      for await (const response of gzipClient.greetServerStream({ name: "g" })) got.push(response.greeting);
      expect(got).toEqual(["g", "g", "g", "g", "g"]);

      expect(requests).toHaveLength(4);
      for (const request of requests) {
        expect(request.headers["grpc-encoding"]).toBe("gzip");
        const envelopes = parseEnvelopes(request.chunks);
        expect(envelopes.length).toBeGreaterThan(0);
        expect(envelopes.every((e) => e.compressed)).toBe(true);
      }
      expect(parseEnvelopes(requests[0]?.chunks ?? [])[0]?.length).toBeLessThan(200); // 3000 bytes gzipped
      // grpc-js servers never compress responses (see the header comment).
      expect(responseHeaders?.get("grpc-encoding") ?? "identity").toBe("identity");
    } finally {
      await gzipClient.close();
      await transport.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// grpc-js client → our server

/** Promisified grpc-js unary call; resolves with the response, header metadata and status. */
function grpcUnary(
  client: GrpcGreetClient,
  request: Req,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<{ response: Res; header: grpc.Metadata | undefined; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    let header: grpc.Metadata | undefined;
    let response: Res | undefined;
    let error: grpc.ServiceError | null = null;
    const call = client.Greet(request, metadata, options, (e, r) => {
      error = e;
      response = r;
    });
    call.on("metadata", (m: grpc.Metadata) => (header = m));
    call.on("status", (status: grpc.StatusObject) => {
      // The callback runs before 'status'.
      if (error !== null) reject(error);
      else resolve({ response: response as Res, header, status });
    });
  });
}

/** Rejects with the grpc-js ServiceError of a promise; fails when it resolves. */
async function serviceErrorOf(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error("expected the call to fail");
}

/** Reads a grpc-js readable call to its end: messages, header metadata and the final status. */
function grpcCollect(call: grpc.ClientReadableStream<Res> | grpc.ClientDuplexStream<Req, Res>): Promise<{ messages: string[]; header: grpc.Metadata | undefined; status: grpc.StatusObject; error: grpc.ServiceError | undefined }> {
  return new Promise((resolve) => {
    const messages: string[] = [];
    let header: grpc.Metadata | undefined;
    let error: grpc.ServiceError | undefined;
    call.on("metadata", (m: grpc.Metadata) => (header = m));
    call.on("data", (response: Res) => messages.push(response.greeting));
    call.on("error", (e: grpc.ServiceError) => (error = e));
    call.on("status", (status: grpc.StatusObject) => {
      // 'status' can come before the last 'data' is consumed; let the stream drain first.
      setImmediate(() => resolve({ messages, header, status, error }));
    });
  });
}

describe("grpc-js client → our generated server", () => {
  let started: Awaited<ReturnType<typeof startOurServer>>;
  let client: GrpcGreetClient;

  beforeEach(async () => {
    started = await startOurServer();
    client = new GreetClientGrpc(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    await started.server.close({ graceMs: 100 });
  });

  it("unary", async () => {
    const { response, status } = await grpcUnary(client, { name: "triple" });
    expect(response).toEqual({ greeting: "triple" });
    expect(status.code).toBe(grpc.status.OK);
  });

  it("bidi streaming, interleaved request/response", async () => {
    const call = client.GreetStream();
    const responses: string[] = [];
    const next = (): Promise<string> => new Promise((resolve) => call.once("data", (r: Res) => resolve(r.greeting)));
    const result = grpcCollect(call);
    for (const name of ["a", "b", "c"]) {
      const pending = next();
      call.write({ name });
      responses.push(await pending);
    }
    call.end();
    const { status } = await result;
    expect(responses).toEqual(["a", "b", "c"]);
    expect(status.code).toBe(grpc.status.OK);
  });

  it("client streaming", async () => {
    const response = await new Promise<Res>((resolve, reject) => {
      const call = client.GreetClientStream(new grpc.Metadata(), {}, (error, value) => (error ? reject(error) : resolve(value as Res)));
      for (let i = 0; i < 5; i++) call.write({ name: "triple" });
      call.end();
    });
    expect(response).toEqual({ greeting: "triple,triple,triple,triple,triple" });
  });

  it("server streaming", async () => {
    const { messages, status } = await grpcCollect(client.GreetServerStream({ name: "triple" }));
    expect(messages).toEqual(["triple", "triple", "triple", "triple", "triple"]);
    expect(status.code).toBe(grpc.status.OK);
  });

  it("metadata both ways: grpc-js metadata reaches the handler, its headers and trailers reach grpc-js", async () => {
    const bin = Buffer.from([0, 1, 2, 250, 255]);
    const metadata = new grpc.Metadata();
    metadata.set("x-echo", "echo value");
    metadata.set("x-echo-bin", bin);
    const { header, status } = await grpcUnary(client, { name: "m" }, metadata);
    expect(header?.get("x-echo-header")).toEqual(["echo value"]);
    expect(header?.get("x-echo-bin")).toEqual([bin]);
    expect(status.metadata.get("x-echo-trailer")).toEqual(["echo value"]);
    expect(status.metadata.get("x-echo-trailer-bin")).toEqual([bin]);

    const stream = await grpcCollect(client.GreetServerStream({ name: "s" }, metadata));
    expect(stream.header?.get("x-echo-header")).toEqual(["echo value"]);
    expect(stream.status.metadata.get("x-echo-trailer")).toEqual(["echo value"]);
    expect(stream.messages).toHaveLength(5);
  });

  it("an error status with message, metadata and grpc-status-details-bin", async () => {
    const error = await serviceErrorOf(grpcUnary(client, { name: "error" }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe("bad name: error ✗");
    expect(error.metadata.get("x-error-meta")).toEqual(["yes"]);
    expect(error.metadata.get("x-error-bin")).toEqual([Buffer.from([0, 1, 2, 255])]);
    const raw = error.metadata.get("grpc-status-details-bin")[0];
    expect(raw).toBeInstanceOf(Buffer);
    const status = decodeRpcStatus(raw as Buffer);
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.message).toBe("bad name: error ✗");
    expect(status.details.map((d) => d.typeUrl)).toEqual([detailTypeUrl]);
    expect(decodeGreeting(status.details[0]?.value ?? new Uint8Array())).toBe(detailGreeting);

    // Mid-stream: the messages before the error arrive, then the status.
    const stream = await grpcCollect(client.GreetServerStream({ name: "error" }));
    expect(stream.messages).toEqual(["first", "second"]);
    expect(stream.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(stream.error?.details).toBe("bad name: error ✗");
    expect(decodeRpcStatus(stream.error?.metadata.get("grpc-status-details-bin")[0] as Buffer).details).toHaveLength(1);
  });

  it("deadline: grpc-js's grpc-timeout reaches the handler and the call fails with DEADLINE_EXCEEDED", async () => {
    const before = Date.now();
    const error = await serviceErrorOf(grpcUnary(client, { name: "slow" }, new grpc.Metadata(), { deadline: before + 300 }));
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - before).toBeLessThan(3_000);
    const call = started.events.calls[0];
    expect(call?.deadline).toBeGreaterThan(before + 100);
    expect(call?.deadline).toBeLessThanOrEqual(before + 400);
    await eventually("the handler's signal to abort", () => call?.abortReason !== undefined);
    // Our server's own deadline timer or grpc-js's RST_STREAM, whichever came first.
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain((call?.abortReason as TripleError).code);
  });

  it("cancellation: grpc-js cancel() aborts the handler", async () => {
    const call = client.GreetServerStream({ name: "forever" });
    const received: string[] = [];
    const done = new Promise<grpc.ServiceError>((resolve) => call.on("error", resolve));
    await new Promise<void>((resolve) =>
      call.on("data", (response: Res) => {
        received.push(response.greeting);
        if (received.length === 2) resolve();
      }),
    );
    call.cancel();
    expect((await done).code).toBe(grpc.status.CANCELLED);
    const handler = started.events.calls[0];
    await eventually("the handler's signal to abort", () => handler?.abortReason !== undefined);
    expect((handler?.abortReason as TripleError).code).toBe(Code.CANCELLED);
    const sentAtCancel = handler?.sent ?? 0;
    await sleep(100);
    expect(handler?.sent).toBe(sentAtCancel);
  });

  it("gzip: grpc-js compresses requests, we decompress them and gzip our responses (all four kinds)", async () => {
    client.close();
    await started.server.close({ graceMs: 100 });
    started = await startOurServer({ compressMinBytes: 0 });
    client = new GreetClientGrpc(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });

    const long = "z".repeat(3000);
    expect((await grpcUnary(client, { name: long })).response).toEqual({ greeting: long });
    const bidi = client.GreetStream();
    const bidiResult = grpcCollect(bidi);
    bidi.write({ name: "b1" });
    bidi.write({ name: "b2" });
    bidi.end();
    expect((await bidiResult).messages).toEqual(["b1", "b2"]);
    const upload = await new Promise<Res>((resolve, reject) => {
      const call = client.GreetClientStream(new grpc.Metadata(), {}, (error, value) => (error ? reject(error) : resolve(value as Res)));
      for (let i = 0; i < 3; i++) call.write({ name: `c${i}` });
      call.end();
    });
    expect(upload).toEqual({ greeting: "c0,c1,c2" });
    expect((await grpcCollect(client.GreetServerStream({ name: "g" }))).messages).toEqual(["g", "g", "g", "g", "g"]);

    expect(started.wire.map((c) => c.path)).toEqual([
      "/greet.GreetService/Greet",
      "/greet.GreetService/GreetStream",
      "/greet.GreetService/GreetClientStream",
      "/greet.GreetService/GreetServerStream",
    ]);
    for (const call of started.wire) {
      expect(call.requestHeaders["grpc-encoding"]).toBe("gzip");
      expect(parseEnvelopes(call.requestChunks).every((e) => e.compressed)).toBe(true);
      expect(call.responseHeaders?.["grpc-encoding"]).toBe("gzip");
      const responses = parseEnvelopes(call.responseChunks);
      expect(responses.length).toBeGreaterThan(0);
      expect(responses.every((e) => e.compressed)).toBe(true);
    }
    expect(parseEnvelopes(started.wire[0]?.requestChunks ?? [])[0]?.length).toBeLessThan(200);
  });
});
