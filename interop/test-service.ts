// grpc.testing.TestService as grpc's interop servers implement it, written against interop/gen/:
// what the interop client cases need (grpc's doc/interop-test-descriptions.md, "Server"), with grpc-go's
// interop/test_utils.go as the reference implementation.
import { setTimeout as sleep } from "node:timers/promises";
import {
  PayloadType,
  SimpleResponse,
  StreamingInputCallResponse,
  StreamingOutputCallResponse,
  type BoolValue,
  type EchoStatus,
  type Payload,
  type ResponseParameters,
  type SimpleRequest,
  type StreamingOutputCallRequest,
} from "./gen/grpc/testing/messages.js";
import { registerTestService, type TestServiceHandler } from "./gen/grpc/testing/test.js";
import {
  Code,
  createTripleServer,
  decodeBinaryHeader,
  encodeBinaryHeader,
  TripleError,
  type HandlerContext,
  type ResponseSink,
  type TripleServer,
} from "./gen/tristub-runtime.js";

/** Request metadata the server echoes in its response headers / trailers. */
export const echoInitialKey = "x-grpc-test-echo-initial";
export const echoTrailingKey = "x-grpc-test-echo-trailing-bin";

/** Copies `x-grpc-test-echo-initial` into the response headers and `x-grpc-test-echo-trailing-bin` into the trailers. */
function echoMetadata(ctx: HandlerContext): void {
  const initial = ctx.requestHeaders.get(echoInitialKey);
  if (initial !== null) ctx.responseHeaders.set(echoInitialKey, initial);
  const trailing = ctx.requestHeaders.get(echoTrailingKey);
  if (trailing !== null) ctx.responseTrailers.set(echoTrailingKey, decodeBinaryHeader(trailing).map(encodeBinaryHeader).join(","));
}

/** CompressedRequest: `expect_compressed` must match the compressed flag of the message just received. */
function checkCompression(expect: BoolValue | undefined, ctx: HandlerContext): void {
  if (expect === undefined || expect.value === ctx.requestCompressed) return;
  throw new TripleError(
    Code.INVALID_ARGUMENT,
    expect.value ? "expected a compressed request message, got an uncompressed one" : "expected an uncompressed request message, got a compressed one",
  );
}

/** `response_status`: fail the call with the echoed code and message. */
function checkStatus(status: EchoStatus | undefined): void {
  if (status !== undefined && status.code !== 0) throw new TripleError(status.code as Code, status.message);
}

/** A payload of `size` zero bytes (COMPRESSABLE is the only payload type). */
function newPayload(type: PayloadType, size: number): Payload {
  if (type !== PayloadType.COMPRESSABLE) throw new TripleError(Code.INVALID_ARGUMENT, `unsupported payload type ${type}`);
  if (size < 0) throw new TripleError(Code.INVALID_ARGUMENT, `requested a response with invalid length ${size}`);
  return { type, body: new Uint8Array(size) };
}

/** Resolves after `us` microseconds, or at once when the call is cancelled. */
async function sleepMicros(us: number, ctx: HandlerContext): Promise<void> {
  if (us <= 0) return;
  await sleep(us / 1000, undefined, { signal: ctx.signal }).catch(() => undefined);
}

/** Sends the responses one streaming request asks for: size, interval and compression of each. */
async function sendResponses(
  type: PayloadType,
  parameters: readonly ResponseParameters[],
  stream: ResponseSink<StreamingOutputCallResponse>,
  ctx: HandlerContext,
): Promise<void> {
  for (const p of parameters) {
    await sleepMicros(p.intervalUs, ctx);
    // CompressedResponse: `compressed` decides this message's envelope flag; unset follows the server default.
    ctx.compressResponses = p.compressed?.value;
    await stream.send(StreamingOutputCallResponse.create({ payload: newPayload(type, p.size) }));
  }
}

function unary(request: SimpleRequest, ctx: HandlerContext): SimpleResponse {
  echoMetadata(ctx);
  checkCompression(request.expectCompressed, ctx);
  checkStatus(request.responseStatus);
  if (request.responseCompressed !== undefined) ctx.compressResponses = request.responseCompressed.value;
  return SimpleResponse.create({ payload: newPayload(request.responseType, request.responseSize) });
}

/** The TestService handler of the interop server. */
export const testServiceHandler: TestServiceHandler = {
  emptyCall() {
    return {};
  },
  unaryCall: unary,
  cacheableUnaryCall(request, ctx) {
    ctx.responseHeaders.set("cache-control", "max-age=60, public");
    return unary(request, ctx);
  },
  async streamingOutputCall(request, stream, ctx) {
    echoMetadata(ctx);
    checkStatus(request.responseStatus);
    await sendResponses(request.responseType, request.responseParameters, stream, ctx);
  },
  async streamingInputCall(stream, ctx) {
    echoMetadata(ctx);
    let sum = 0;
    for await (const request of stream) {
      checkCompression(request.expectCompressed, ctx);
      sum += request.payload?.body.length ?? 0;
    }
    return StreamingInputCallResponse.create({ aggregatedPayloadSize: sum });
  },
  async fullDuplexCall(stream, ctx) {
    echoMetadata(ctx);
    for await (const request of stream) {
      checkStatus(request.responseStatus);
      await sendResponses(request.responseType, request.responseParameters, stream, ctx);
    }
  },
  async halfDuplexCall(stream, ctx) {
    echoMetadata(ctx);
    const requests: StreamingOutputCallRequest[] = [];
    for await (const request of stream) requests.push(request);
    for (const request of requests) {
      checkStatus(request.responseStatus);
      await sendResponses(request.responseType, request.responseParameters, stream, ctx);
    }
  },
  unimplementedCall() {
    // grpc's servers leave this method out; unimplemented_method expects exactly this status.
    throw new TripleError(Code.UNIMPLEMENTED, "method UnimplementedCall not implemented");
  },
};

/** A server with TestService registered (UnimplementedService deliberately is not). */
export function createInteropServer(): TripleServer {
  const server = createTripleServer();
  registerTestService(server, testServiceHandler);
  return server;
}
