// The interop client test cases of grpc's doc/interop-test-descriptions.md, written against
// interop/gen/ and mirroring grpc-go's interop/test_utils.go (Do… functions) step by step. Each case
// resolves on success and throws an Error saying what differed.
import type { ClientHttp2Stream, OutgoingHttpHeaders } from "node:http2";
import { Empty } from "./gen/grpc/testing/empty.js";
import {
  PayloadType,
  ResponseParameters,
  SimpleRequest,
  StreamingInputCallRequest,
  StreamingOutputCallRequest,
  type Payload,
} from "./gen/grpc/testing/messages.js";
import {
  createTestServiceClient,
  createUnimplementedServiceClient,
  type TestServiceClient,
  type UnimplementedServiceClient,
} from "./gen/grpc/testing/test.js";
import {
  Code,
  codeName,
  decodeBinaryHeader,
  encodeBinaryHeader,
  Http2ClientTransport,
  isEnded,
  TripleError,
} from "./gen/tristub-runtime.js";

const reqSizes = [27182, 8, 1828, 45904];
const respSizes = [31415, 9, 2653, 58979];
const largeReqSize = 271828;
const largeRespSize = 314159;
const initialMetadataKey = "x-grpc-test-echo-initial";
const trailingMetadataKey = "x-grpc-test-echo-trailing-bin";
const initialMetadataValue = "test_initial_metadata_value";
const trailingMetadataValue = new Uint8Array([0x0a, 0x0b, 0x0a, 0x0b, 0x0a, 0x0b]);

/** The compressed flag of every response message of one call, read off the wire (not by the runtime). */
export interface TappedCall {
  readonly path: string;
  readonly compressed: boolean[];
}

/**
 * A transport that records, for each call, the flags byte of every response envelope. It parses the
 * gRPC framing itself so that `server_compressed_*` checks the wire, not the runtime under test.
 */
export class EnvelopeTapTransport extends Http2ClientTransport {
  readonly calls: TappedCall[] = [];

  override request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    const stream = super.request(headers);
    const call: TappedCall = { path: String(headers[":path"]), compressed: [] };
    this.calls.push(call);
    let pending: Buffer = Buffer.alloc(0);
    stream.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const length = pending.readUInt32BE(1);
        if (pending.length < 5 + length) break;
        call.compressed.push(((pending[0] as number) & 1) === 1);
        pending = pending.subarray(5 + length);
      }
    });
    return stream;
  }

  /** The flags of the responses of the last call made. */
  get last(): TappedCall {
    const call = this.calls[this.calls.length - 1];
    if (call === undefined) throw new Error("no call was made");
    return call;
  }
}

/** The clients a case uses; they share one connection. */
export interface CaseClients {
  readonly transport: EnvelopeTapTransport;
  /** Sends uncompressed messages. */
  readonly client: TestServiceClient;
  /** Sends gzip-compressed messages (`grpc-encoding: gzip`). */
  readonly compressingClient: TestServiceClient;
  readonly unimplemented: UnimplementedServiceClient;
}

export type TestCase = (c: CaseClients) => Promise<void>;

function fail(message: string): never {
  throw new Error(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function describe(error: unknown): string {
  return error instanceof TripleError ? `${codeName(error.code)}: ${error.rawMessage}` : String(error);
}

/** Awaits `promise` and insists it rejects with `code` (and, if given, exactly `message`). */
async function expectStatus(what: string, promise: Promise<unknown>, code: Code, message?: string): Promise<void> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (!(error instanceof TripleError)) fail(`${what}: got ${String(error)}, want ${codeName(code)}`);
    if (error.code !== code) fail(`${what}: got ${describe(error)}, want ${codeName(code)}`);
    if (message !== undefined && error.rawMessage !== message) {
      fail(`${what}: got message ${JSON.stringify(error.rawMessage)}, want ${JSON.stringify(message)}`);
    }
    return;
  }
  fail(`${what}: succeeded with ${JSON.stringify(result, (_, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))}, want ${codeName(code)}`);
}

/** `size` zero bytes of COMPRESSABLE payload (grpc's ClientNewPayload). */
function newPayload(size: number): Payload {
  return { type: PayloadType.COMPRESSABLE, body: new Uint8Array(size) };
}

/** The payload must be COMPRESSABLE, `size` bytes long and all zeros. */
function checkPayload(what: string, payload: Payload | undefined, size: number): void {
  check(payload !== undefined, `${what}: response has no payload`);
  check(payload.type === PayloadType.COMPRESSABLE, `${what}: payload type ${payload.type}, want COMPRESSABLE`);
  check(payload.body.length === size, `${what}: payload of ${payload.body.length} bytes, want ${size}`);
  check(payload.body.every((b) => b === 0), `${what}: payload is not all zeros`);
}

/** The stream must end normally now (grpc-go's `Recv() == io.EOF`). */
async function expectEnd(what: string, recv: () => Promise<unknown>): Promise<void> {
  try {
    await recv();
  } catch (error) {
    if (isEnded(error)) return;
    fail(`${what}: ${describe(error)}, want the end of the stream`);
  }
  fail(`${what}: got another message, want the end of the stream`);
}

function checkEchoedMetadata(what: string, headers: Headers, trailers: Headers): void {
  const initial = headers.get(initialMetadataKey);
  check(initial === initialMetadataValue, `${what}: header ${initialMetadataKey} = ${JSON.stringify(initial)}, want ${JSON.stringify(initialMetadataValue)}`);
  const trailing = trailers.get(trailingMetadataKey);
  check(trailing !== null, `${what}: no ${trailingMetadataKey} trailer`);
  const values = decodeBinaryHeader(trailing);
  check(values.length === 1, `${what}: ${values.length} ${trailingMetadataKey} trailers, want exactly one`);
  const value = values[0] as Uint8Array;
  check(
    value.length === trailingMetadataValue.length && value.every((b, i) => b === trailingMetadataValue[i]),
    `${what}: trailer ${trailingMetadataKey} = ${Buffer.from(value).toString("hex")}, want 0a0b0a0b0a0b`,
  );
}

const customMetadata = {
  [initialMetadataKey]: initialMetadataValue,
  [trailingMetadataKey]: encodeBinaryHeader(trailingMetadataValue),
};

/** The cases, by grpc's names. */
export const testCases: Readonly<Record<string, TestCase>> = {
  async empty_unary({ client }) {
    const reply = await client.emptyCall({});
    check(Empty.encode(reply).length === 0, "EmptyCall returned a non-empty message");
  },

  async large_unary({ client }) {
    const reply = await client.unaryCall(SimpleRequest.create({
      responseType: PayloadType.COMPRESSABLE,
      responseSize: largeRespSize,
      payload: newPayload(largeReqSize),
    }));
    checkPayload("UnaryCall", reply.payload, largeRespSize);
  },

  async client_streaming({ client }) {
    const stream = client.streamingInputCall();
    let sum = 0;
    for (const size of reqSizes) {
      await stream.send({ payload: newPayload(size) });
      sum += size;
    }
    const reply = await stream.closeAndRecv();
    check(reply.aggregatedPayloadSize === sum, `aggregated_payload_size ${reply.aggregatedPayloadSize}, want ${sum}`);
  },

  async server_streaming({ client }) {
    const stream = client.streamingOutputCall(StreamingOutputCallRequest.create({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: respSizes.map((size) => ResponseParameters.create({ size })),
    }));
    let index = 0;
    for await (const reply of stream) {
      check(index < respSizes.length, `more than ${respSizes.length} responses`);
      checkPayload(`response ${index}`, reply.payload, respSizes[index] as number);
      index++;
    }
    check(index === respSizes.length, `got ${index} responses, want ${respSizes.length}`);
  },

  async ping_pong({ client }) {
    const stream = client.fullDuplexCall();
    for (let index = 0; index < reqSizes.length; index++) {
      await stream.send(StreamingOutputCallRequest.create({
        responseType: PayloadType.COMPRESSABLE,
        responseParameters: [ResponseParameters.create({ size: respSizes[index] as number })],
        payload: newPayload(reqSizes[index] as number),
      }));
      const reply = await stream.recv();
      checkPayload(`response ${index}`, reply.payload, respSizes[index] as number);
    }
    stream.closeRequest();
    await expectEnd("after the last pong", () => stream.recv());
  },

  async empty_stream({ client }) {
    const stream = client.fullDuplexCall();
    stream.closeRequest();
    await expectEnd("empty stream", () => stream.recv());
  },

  async timeout_on_sleeping_server({ client }) {
    const stream = client.fullDuplexCall({ timeoutMs: 1 });
    await stream
      .send(StreamingOutputCallRequest.create({ responseType: PayloadType.COMPRESSABLE, payload: newPayload(27182) }))
      .catch((error: unknown) => {
        if (!(error instanceof TripleError && error.code === Code.DEADLINE_EXCEEDED)) throw error;
      });
    await expectStatus("FullDuplexCall with a 1 ms deadline", stream.recv(), Code.DEADLINE_EXCEEDED);
  },

  async cancel_after_begin({ client }) {
    const controller = new AbortController();
    const stream = client.streamingInputCall({ signal: controller.signal, headers: { key1: "value1", key2: "value2" } });
    controller.abort();
    await expectStatus("StreamingInputCall cancelled after begin", stream.closeAndRecv(), Code.CANCELLED);
  },

  async cancel_after_first_response({ client }) {
    const controller = new AbortController();
    const stream = client.fullDuplexCall({ signal: controller.signal });
    await stream.send(StreamingOutputCallRequest.create({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: [ResponseParameters.create({ size: 31415 })],
      payload: newPayload(27182),
    }));
    const reply = await stream.recv();
    checkPayload("first response", reply.payload, 31415);
    controller.abort();
    await expectStatus("FullDuplexCall cancelled after the first response", stream.recv(), Code.CANCELLED);
  },

  async custom_metadata({ client }) {
    let headers = new Headers();
    let trailers = new Headers();
    const reply = await client.unaryCall(
      SimpleRequest.create({ responseType: PayloadType.COMPRESSABLE, responseSize: 1, payload: newPayload(1) }),
      { headers: customMetadata, onHeader: (h) => (headers = h), onTrailer: (t) => (trailers = t) },
    );
    checkPayload("UnaryCall", reply.payload, 1);
    checkEchoedMetadata("UnaryCall", headers, trailers);

    const stream = client.fullDuplexCall({ headers: customMetadata });
    await stream.send(StreamingOutputCallRequest.create({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: [ResponseParameters.create({ size: 1 })],
      payload: newPayload(1),
    }));
    const streamHeaders = await stream.headers;
    checkPayload("FullDuplexCall", (await stream.recv()).payload, 1);
    stream.closeRequest();
    await expectEnd("FullDuplexCall", () => stream.recv());
    checkEchoedMetadata("FullDuplexCall", streamHeaders, await stream.trailers);
  },

  async status_code_and_message({ client }) {
    const code = 2;
    const message = "test status message";
    const responseStatus = { code, message };
    await expectStatus("UnaryCall", client.unaryCall(SimpleRequest.create({ responseStatus })), code, message);
    const stream = client.fullDuplexCall();
    await stream.send(StreamingOutputCallRequest.create({ responseStatus }));
    stream.closeRequest();
    await expectStatus("FullDuplexCall", stream.recv(), code, message);
  },

  async special_status_message({ client }) {
    const code = 2;
    const message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
    await expectStatus("UnaryCall", client.unaryCall(SimpleRequest.create({ responseStatus: { code, message } }), { timeoutMs: 10_000 }), code, message);
  },

  async unimplemented_method({ client }) {
    await expectStatus("TestService/UnimplementedCall", client.unimplementedCall({}), Code.UNIMPLEMENTED);
  },

  async unimplemented_service({ unimplemented }) {
    await expectStatus("UnimplementedService/UnimplementedCall", unimplemented.unimplementedCall({}), Code.UNIMPLEMENTED);
  },

  async client_compressed_unary({ client, compressingClient }) {
    const request = (expect: boolean): SimpleRequest =>
      SimpleRequest.create({
        expectCompressed: { value: expect },
        responseType: PayloadType.COMPRESSABLE,
        responseSize: largeRespSize,
        payload: newPayload(largeReqSize),
      });
    // 1. Feature probe: an uncompressed message that claims to be compressed must be refused.
    await expectStatus("uncompressed probe with expect_compressed=true", client.unaryCall(request(true)), Code.INVALID_ARGUMENT);
    // 2. A compressed message.
    checkPayload("compressed request", (await compressingClient.unaryCall(request(true))).payload, largeRespSize);
    // 3. An uncompressed message.
    checkPayload("uncompressed request", (await client.unaryCall(request(false))).payload, largeRespSize);
  },

  async server_compressed_unary({ client, transport }) {
    for (const compressed of [true, false]) {
      const reply = await client.unaryCall(SimpleRequest.create({
        responseCompressed: { value: compressed },
        responseType: PayloadType.COMPRESSABLE,
        responseSize: largeRespSize,
        payload: newPayload(largeReqSize),
      }));
      checkPayload(`response_compressed=${compressed}`, reply.payload, largeRespSize);
      const flags = transport.last.compressed;
      check(flags.length === 1 && flags[0] === compressed, `response_compressed=${compressed}: response envelope flags ${JSON.stringify(flags)}, want [${compressed}]`);
    }
  },

  async client_compressed_streaming({ client, compressingClient }) {
    // 1.–2. Feature probe: an uncompressed message with expect_compressed=true must fail the call.
    const probe = client.streamingInputCall();
    await probe.send(StreamingInputCallRequest.create({ expectCompressed: { value: true }, payload: newPayload(27182) })).catch(() => undefined);
    await expectStatus("uncompressed probe with expect_compressed=true", probe.closeAndRecv(), Code.INVALID_ARGUMENT);
    // 3.–6. A compressed message, then an uncompressed one on the same call.
    const stream = compressingClient.streamingInputCall();
    await stream.send(StreamingInputCallRequest.create({ expectCompressed: { value: true }, payload: newPayload(27182) }));
    await stream.send(StreamingInputCallRequest.create({ expectCompressed: { value: false }, payload: newPayload(45904) }), { compress: false });
    const reply = await stream.closeAndRecv();
    check(reply.aggregatedPayloadSize === 73086, `aggregated_payload_size ${reply.aggregatedPayloadSize}, want 73086`);
  },

  async server_compressed_streaming({ client, transport }) {
    const stream = client.streamingOutputCall(StreamingOutputCallRequest.create({
      responseType: PayloadType.COMPRESSABLE,
      responseParameters: [
        ResponseParameters.create({ compressed: { value: true }, size: 31415 }),
        ResponseParameters.create({ compressed: { value: false }, size: 92653 }),
      ],
    }));
    const sizes = [31415, 92653];
    let index = 0;
    for await (const reply of stream) {
      check(index < sizes.length, `more than ${sizes.length} responses`);
      checkPayload(`response ${index}`, reply.payload, sizes[index] as number);
      index++;
    }
    check(index === sizes.length, `got ${index} responses, want ${sizes.length}`);
    const flags = transport.last.compressed;
    check(flags.length === 2 && flags[0] === true && flags[1] === false, `response envelope flags ${JSON.stringify(flags)}, want [true,false]`);
  },
};

/** Every case name, in grpc's order. */
export const testCaseNames: readonly string[] = Object.keys(testCases);

/** The cases that need the CompressedRequest / CompressedResponse server features. */
export const compressionCaseNames: readonly string[] = [
  "client_compressed_unary",
  "server_compressed_unary",
  "client_compressed_streaming",
  "server_compressed_streaming",
];

/** Runs one case against `baseUrl` (`http://host:port`) on a fresh connection; throws on failure. */
export async function runTestCase(name: string, baseUrl: string): Promise<void> {
  const testCase = testCases[name];
  if (testCase === undefined) throw new Error(`unsupported test case ${JSON.stringify(name)}; known: ${testCaseNames.join(", ")}`);
  const transport = new EnvelopeTapTransport({ baseUrl });
  try {
    await testCase({
      transport,
      client: createTestServiceClient({ transport }),
      compressingClient: createTestServiceClient({ transport, sendCompression: "gzip" }),
      unimplemented: createUnimplementedServiceClient({ transport }),
    });
  } finally {
    await transport.close();
  }
}
