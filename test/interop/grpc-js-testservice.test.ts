// grpc's interop test cases (interop/cases.ts, the same code `npm run interop:client` runs) between
// tristub and @grpc/grpc-js, over real sockets on 127.0.0.1:
//   - our interop client → a grpc.testing.TestService written here on grpc-js (proto-loader, the
//     committed interop/proto), for every case a grpc-js server can serve;
//   - a grpc-js client → our interop server (interop/test-service.ts), for a selection of cases
//     written here with grpc-js's API, including gzip requests from grpc-js.
// The grpc-go matrix is `npm run test:interop` (interop/run.sh).
//
// Cases that do not apply to a grpc-js server: client_compressed_* need the server to see each request
// message's compressed flag (CompressedRequest) and server_compressed_* need per-message response
// compression (CompressedResponse); grpc-js 1.14's server API exposes neither, and it never compresses
// responses. They run against our own server (last block) and in interop/run.sh.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { compressionCaseNames, runTestCase, testCaseNames } from "../../interop/cases.js";
import { createInteropServer } from "../../interop/test-service.js";
import type { TripleServer } from "../../interop/gen/tristub-runtime.js";
import { repoRoot } from "../support/fixtures.js";
import { runTristub } from "../support/process.js";

const protoDir = join(repoRoot, "interop", "proto");
const initialKey = "x-grpc-test-echo-initial";
const trailingKey = "x-grpc-test-echo-trailing-bin";

// --- grpc-js's view of grpc.testing (proto-loader, keepCase) ---------------------------------------

interface Payload {
  type?: number;
  body: Buffer;
}
interface EchoStatus {
  code: number;
  message: string;
}
interface BoolValue {
  value: boolean;
}
interface SimpleRequest {
  response_type?: number;
  response_size?: number;
  payload?: Payload | null;
  response_status?: EchoStatus | null;
  expect_compressed?: BoolValue | null;
  response_compressed?: BoolValue | null;
}
interface SimpleResponse {
  payload: Payload | null;
}
interface ResponseParameters {
  size: number;
  interval_us?: number;
}
interface StreamingOutputCallRequest {
  response_type?: number;
  response_parameters?: ResponseParameters[];
  payload?: Payload | null;
  response_status?: EchoStatus | null;
}
interface StreamingOutputCallResponse {
  payload: Payload | null;
}
interface StreamingInputCallRequest {
  payload?: Payload | null;
}
interface StreamingInputCallResponse {
  aggregated_payload_size: number;
}

interface GrpcTestClient extends grpc.Client {
  UnaryCall(request: SimpleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<SimpleResponse>): grpc.ClientUnaryCall;
  StreamingOutputCall(request: StreamingOutputCallRequest, metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<StreamingOutputCallResponse>;
  StreamingInputCall(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<StreamingInputCallResponse>): grpc.ClientWritableStream<StreamingInputCallRequest>;
  FullDuplexCall(metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  UnimplementedCall(request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<object>): grpc.ClientUnaryCall;
}
type GrpcTestClientClass = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => GrpcTestClient;

const packageDefinition = protoLoader.loadSync("grpc/testing/test.proto", { keepCase: true, defaults: true, includeDirs: [protoDir] });
const testing = (grpc.loadPackageDefinition(packageDefinition)["grpc"] as grpc.GrpcObject)["testing"] as grpc.GrpcObject;
const TestServiceGrpc = testing["TestService"] as grpc.ServiceClientConstructor;
const UnimplementedServiceGrpc = testing["UnimplementedService"] as grpc.ServiceClientConstructor;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function zeros(size: number): Payload {
  return { type: 0, body: Buffer.alloc(size) };
}

function statusError(status: EchoStatus): Partial<grpc.StatusObject> {
  return { code: status.code, details: status.message };
}

/** Echoes the interop metadata: the initial value as response headers, the -bin one as trailers. */
function echo(call: { metadata: grpc.Metadata; sendMetadata(m: grpc.Metadata): void }): grpc.Metadata {
  const headers = new grpc.Metadata();
  for (const v of call.metadata.get(initialKey)) headers.add(initialKey, v);
  if (headers.get(initialKey).length > 0) call.sendMetadata(headers);
  const trailers = new grpc.Metadata();
  for (const v of call.metadata.get(trailingKey)) trailers.add(trailingKey, v);
  return trailers;
}

/** grpc.testing.TestService on grpc-js, behaving as grpc's interop servers do. */
const grpcJsTestService: grpc.UntypedServiceImplementation = {
  EmptyCall(_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) {
    callback(null, {});
  },
  UnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, SimpleResponse>, callback: grpc.sendUnaryData<SimpleResponse>) {
    const trailers = echo(call);
    const status = call.request.response_status;
    if (status && status.code !== 0) return callback({ ...statusError(status), metadata: trailers });
    callback(null, { payload: zeros(call.request.response_size ?? 0) }, trailers);
  },
  async StreamingOutputCall(call: grpc.ServerWritableStream<StreamingOutputCallRequest, StreamingOutputCallResponse>) {
    for (const p of call.request.response_parameters ?? []) {
      if ((p.interval_us ?? 0) > 0) await sleep((p.interval_us ?? 0) / 1000);
      call.write({ payload: zeros(p.size) });
    }
    call.end();
  },
  StreamingInputCall(call: grpc.ServerReadableStream<StreamingInputCallRequest, StreamingInputCallResponse>, callback: grpc.sendUnaryData<StreamingInputCallResponse>) {
    let sum = 0;
    call.on("data", (request: StreamingInputCallRequest) => (sum += request.payload?.body.length ?? 0));
    call.on("end", () => callback(null, { aggregated_payload_size: sum }));
    call.on("error", () => undefined);
  },
  FullDuplexCall(call: grpc.ServerDuplexStream<StreamingOutputCallRequest, StreamingOutputCallResponse>) {
    const trailers = echo(call);
    let chain = Promise.resolve();
    let failed = false;
    call.on("data", (request: StreamingOutputCallRequest) => {
      chain = chain.then(async () => {
        if (failed) return;
        const status = request.response_status;
        if (status && status.code !== 0) {
          failed = true;
          call.emit("error", { ...statusError(status), metadata: trailers });
          return;
        }
        for (const p of request.response_parameters ?? []) {
          if ((p.interval_us ?? 0) > 0) await sleep((p.interval_us ?? 0) / 1000);
          if (!call.cancelled) call.write({ payload: zeros(p.size) });
        }
      });
    });
    call.on("end", () => void chain.then(() => failed || call.end(trailers)));
    call.on("error", () => undefined);
  },
  // HalfDuplexCall and UnimplementedCall are left out: grpc-js answers UNIMPLEMENTED.
};

// --- tristub client → grpc-js server ---------------------------------------------------------------

describe("interop/gen", () => {
  it("is what tristub generates from interop/proto (generate --check)", async () => {
    const result = await runTristub(["generate", "interop/proto/grpc/testing/test.proto", "-I", "interop/proto", "--out", "interop/gen", "--check"], repoRoot);
    expect(result.stdout + result.stderr).not.toMatch(/stale|missing|extra/);
    expect(result.code).toBe(0);
  });
});

describe("tristub interop client → grpc-js TestService", () => {
  let server: grpc.Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(TestServiceGrpc.service, grpcJsTestService);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  for (const name of testCaseNames.filter((n) => !compressionCaseNames.includes(n))) {
    it(name, async () => {
      await runTestCase(name, baseUrl);
    });
  }
});

// --- grpc-js client → tristub server ---------------------------------------------------------------

/** Resolves with the response of a unary grpc-js call, or rejects with its ServiceError. */
function unary<T>(start: (callback: grpc.requestCallback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}

async function serviceError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error("expected the call to fail");
}

/** Every message of a grpc-js readable stream, then its end; rejects with the stream's error. */
function collect<T>(stream: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    stream.on("data", (m: T) => got.push(m));
    stream.on("error", reject);
    stream.on("end", () => resolve(got));
  });
}

describe("grpc-js client → tristub interop server", () => {
  let server: TripleServer;
  let address: string;
  let client: GrpcTestClient;
  let gzipClient: GrpcTestClient;

  beforeAll(async () => {
    server = createInteropServer();
    const bound = await server.listen({ host: "127.0.0.1", port: 0 });
    address = `127.0.0.1:${bound.port}`;
    const Client = TestServiceGrpc as unknown as GrpcTestClientClass;
    client = new Client(address, grpc.credentials.createInsecure());
    // grpc-js gzips every request message with this channel option (2 = gzip).
    gzipClient = new Client(address, grpc.credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });
  });
  afterAll(async () => {
    client.close();
    gzipClient.close();
    await server.close({ graceMs: 100 });
  });

  it("large_unary", async () => {
    const reply = await unary<SimpleResponse>((cb) =>
      client.UnaryCall({ response_type: 0, response_size: 314159, payload: zeros(271828) }, new grpc.Metadata(), {}, cb),
    );
    expect(reply.payload?.body.length).toBe(314159);
    expect(reply.payload?.body.every((b) => b === 0)).toBe(true);
  });

  it("client_streaming", async () => {
    let call!: grpc.ClientWritableStream<StreamingInputCallRequest>;
    const reply = unary<StreamingInputCallResponse>((cb) => (call = client.StreamingInputCall(new grpc.Metadata(), {}, cb)));
    for (const size of [27182, 8, 1828, 45904]) call.write({ payload: zeros(size) });
    call.end();
    expect((await reply).aggregated_payload_size).toBe(74922);
  });

  it("server_streaming", async () => {
    const sizes = [31415, 9, 2653, 58979];
    const replies = await collect(client.StreamingOutputCall({ response_type: 0, response_parameters: sizes.map((size) => ({ size })) }));
    expect(replies.map((r) => r.payload?.body.length)).toEqual(sizes);
  });

  it("ping_pong", async () => {
    const stream = client.FullDuplexCall();
    const reqSizes = [27182, 8, 1828, 45904];
    const respSizes = [31415, 9, 2653, 58979];
    const got: number[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("end", resolve);
    });
    for (let i = 0; i < reqSizes.length; i++) {
      const next = new Promise<StreamingOutputCallResponse>((resolve) => stream.once("data", resolve));
      stream.write({ response_type: 0, response_parameters: [{ size: respSizes[i] as number }], payload: zeros(reqSizes[i] as number) });
      got.push((await next).payload?.body.length ?? -1);
    }
    stream.end();
    await ended;
    expect(got).toEqual(respSizes);
  });

  it("empty_stream", async () => {
    const stream = client.FullDuplexCall();
    stream.end();
    expect(await collect(stream)).toEqual([]);
  });

  it("custom_metadata (unary and bidi)", async () => {
    const trailingValue = Buffer.from([0x0a, 0x0b, 0x0a, 0x0b, 0x0a, 0x0b]);
    const metadata = new grpc.Metadata();
    metadata.set(initialKey, "test_initial_metadata_value");
    metadata.set(trailingKey, trailingValue);
    const check = (headers: grpc.Metadata | undefined, trailers: grpc.Metadata | undefined): void => {
      expect(headers?.get(initialKey)).toEqual(["test_initial_metadata_value"]);
      expect(trailers?.get(trailingKey)).toEqual([trailingValue]);
    };

    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    await unary<SimpleResponse>((cb) => {
      const call = client.UnaryCall({ response_type: 0, response_size: 1, payload: zeros(1) }, metadata, {}, cb);
      call.on("metadata", (m) => (headers = m));
      call.on("status", (s) => (trailers = s.metadata));
      return call;
    });
    check(headers, trailers);

    headers = trailers = undefined;
    const stream = client.FullDuplexCall(metadata);
    stream.on("metadata", (m) => (headers = m));
    const status = new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
    stream.write({ response_type: 0, response_parameters: [{ size: 1 }], payload: zeros(1) });
    stream.end();
    expect((await collect(stream)).map((r) => r.payload?.body.length)).toEqual([1]);
    check(headers, (await status).metadata);
  });

  it("status_code_and_message and special_status_message", async () => {
    for (const message of ["test status message", "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"]) {
      const error = await serviceError(unary((cb) => client.UnaryCall({ response_status: { code: 2, message } }, new grpc.Metadata(), {}, cb)));
      expect([error.code, error.details]).toEqual([2, message]);
    }
    const stream = client.FullDuplexCall();
    stream.write({ response_status: { code: 2, message: "test status message" } });
    stream.end();
    const error = await serviceError(collect(stream));
    expect([error.code, error.details]).toEqual([2, "test status message"]);
  });

  it("timeout_on_sleeping_server", async () => {
    const stream = client.FullDuplexCall(new grpc.Metadata(), { deadline: Date.now() + 1 });
    stream.write({ response_type: 0, payload: zeros(27182) });
    expect((await serviceError(collect(stream))).code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  it("cancel_after_first_response", async () => {
    const stream = client.FullDuplexCall();
    const first = new Promise<StreamingOutputCallResponse>((resolve) => stream.once("data", resolve));
    const failed = new Promise<grpc.ServiceError>((resolve) => stream.on("error", resolve));
    stream.write({ response_type: 0, response_parameters: [{ size: 31415 }], payload: zeros(27182) });
    expect((await first).payload?.body.length).toBe(31415);
    stream.cancel();
    expect((await failed).code).toBe(grpc.status.CANCELLED);
  });

  it("unimplemented_method and unimplemented_service", async () => {
    const method = await serviceError(unary((cb) => client.UnimplementedCall({}, new grpc.Metadata(), {}, cb)));
    expect(method.code).toBe(grpc.status.UNIMPLEMENTED);
    const Other = UnimplementedServiceGrpc as unknown as GrpcTestClientClass;
    const other = new Other(address, grpc.credentials.createInsecure());
    try {
      const service = await serviceError(unary((cb) => other.UnimplementedCall({}, new grpc.Metadata(), {}, cb)));
      expect(service.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      other.close();
    }
  });

  it("client_compressed_unary with grpc-js's gzip (our server checks each request's compressed flag)", async () => {
    const request = (expect: boolean): SimpleRequest => ({
      expect_compressed: { value: expect },
      response_type: 0,
      response_size: 314159,
      payload: zeros(271828),
    });
    const probe = await serviceError(unary((cb) => client.UnaryCall(request(true), new grpc.Metadata(), {}, cb)));
    expect(probe.code).toBe(grpc.status.INVALID_ARGUMENT);
    const compressed = await unary<SimpleResponse>((cb) => gzipClient.UnaryCall(request(true), new grpc.Metadata(), {}, cb));
    expect(compressed.payload?.body.length).toBe(314159);
    const plain = await unary<SimpleResponse>((cb) => client.UnaryCall(request(false), new grpc.Metadata(), {}, cb));
    expect(plain.payload?.body.length).toBe(314159);
  });

  it("server_compressed_unary: grpc-js decodes our gzip and uncompressed responses (it does not expose the flag)", async () => {
    for (const value of [true, false]) {
      const reply = await unary<SimpleResponse>((cb) =>
        client.UnaryCall({ response_compressed: { value }, response_type: 0, response_size: 314159, payload: zeros(271828) }, new grpc.Metadata(), {}, cb),
      );
      expect(reply.payload?.body.length).toBe(314159);
    }
  });
});

// --- tristub client → tristub server: the compression cases ---------------------------------------

describe("tristub interop client → tristub interop server (compression cases)", () => {
  let server: TripleServer;
  let baseUrl: string;

  beforeAll(async () => {
    server = createInteropServer();
    baseUrl = `http://127.0.0.1:${(await server.listen({ host: "127.0.0.1", port: 0 })).port}`;
  });
  afterAll(() => server.close({ graceMs: 100 }));

  for (const name of compressionCaseNames) {
    it(name, async () => {
      await runTestCase(name, baseUrl);
    });
  }
});
