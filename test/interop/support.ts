// Shared pieces of the interop tests: our GreetService server (the seed handler, wrapped with a few
// name-triggered behaviours for metadata/error/deadline/cancellation checks), wire recorders for
// both of our sides, and an independent google.rpc.Status codec (so error details are not checked
// with the runtime under test).
//
// The generated code comes from examples/streaming/gen (what `npm run demo` generates from
// examples/streaming/greet.proto), not snapshots/services: the seed handler and seed client import
// `isEnded`/`TripleError` from that copy of the runtime, and the runtime recognises its errors with
// `instanceof`, so a handler written against one generated copy fails bidi streams when served by
// another copy (see the interop report). Both copies are generated from the same runtime template.
import type { Http2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { join } from "node:path";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { registerGreetService, type GreetServiceHandler } from "../../examples/streaming/gen/greet.js";
import {
  Code,
  createTripleServer,
  encodeBinaryHeader,
  Http2ClientTransport,
  TripleError,
  type HandlerContext,
  type ServerOptions,
  type ServerRegistration,
  type TripleServer,
} from "../../examples/streaming/gen/tristub-runtime.js";
import { greetTripleServer } from "../../examples/streaming/greet-handler.js";
import { repoRoot } from "../support/fixtures.js";

/** The proto every peer loads. */
export const greetProto = join(repoRoot, "examples", "streaming", "greet.proto");

/** Detail type URL and bytes our peers attach to the `error` call (a packed greet.GreetResponse). */
export const detailTypeUrl = "type.googleapis.com/greet.GreetResponse";
export const detailGreeting = "detail of the error";

/** `greet.GreetResponse{greeting}` encoded with @bufbuild/protobuf (not the runtime under test). */
export function encodeGreeting(greeting: string): Uint8Array {
  return new BinaryWriter().tag(1, WireType.LengthDelimited).string(greeting).finish();
}

/** Decodes `greet.GreetResponse` bytes with @bufbuild/protobuf. */
export function decodeGreeting(bytes: Uint8Array): string {
  const reader = new BinaryReader(bytes);
  let greeting = "";
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (no === 1 && wireType === WireType.LengthDelimited) greeting = reader.string();
    else reader.skip(wireType);
  }
  return greeting;
}

export interface RpcStatus {
  code: number;
  message: string;
  details: { typeUrl: string; value: Uint8Array }[];
}

/** Serializes a google.rpc.Status with @bufbuild/protobuf's wire writer. */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.Varint).int32(status.code);
  writer.tag(2, WireType.LengthDelimited).string(status.message);
  for (const detail of status.details) {
    writer.tag(3, WireType.LengthDelimited).fork();
    writer.tag(1, WireType.LengthDelimited).string(detail.typeUrl);
    writer.tag(2, WireType.LengthDelimited).bytes(detail.value);
    writer.join();
  }
  return writer.finish();
}

/** Parses a google.rpc.Status with @bufbuild/protobuf's wire reader. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const reader = new BinaryReader(bytes);
  const status: RpcStatus = { code: 0, message: "", details: [] };
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (no === 1) status.code = reader.int32();
    else if (no === 2) status.message = reader.string();
    else if (no === 3) {
      const any = new BinaryReader(reader.bytes());
      const detail: RpcStatus["details"][number] = { typeUrl: "", value: new Uint8Array(0) };
      while (any.pos < any.len) {
        const [inner, innerType] = any.tag();
        if (inner === 1) detail.typeUrl = any.string();
        else if (inner === 2) detail.value = any.bytes();
        else any.skip(innerType);
      }
      status.details.push(detail);
    } else reader.skip(wireType);
  }
  return status;
}

/** One gRPC envelope as seen on the wire. */
export interface WireEnvelope {
  readonly compressed: boolean;
  readonly length: number;
}

/** Splits concatenated DATA bytes into envelopes (flag + length); ignores a trailing partial one. */
export function parseEnvelopes(chunks: readonly Uint8Array[]): WireEnvelope[] {
  const data = Buffer.concat(chunks);
  const out: WireEnvelope[] = [];
  for (let pos = 0; pos + 5 <= data.length; ) {
    const length = data.readUInt32BE(pos + 1);
    out.push({ compressed: (data[pos] ?? 0) & 1 ? true : false, length });
    pos += 5 + length;
  }
  return out;
}

/** Copies every chunk written to `stream` into `sink`: by `write()`, and by `end(chunk)`, which bypasses `write()`. */
function tapWrites(stream: Http2Stream, sink: Uint8Array[]): void {
  const write = stream.write.bind(stream) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
  (stream as { write: (chunk: Uint8Array, ...rest: unknown[]) => boolean }).write = (chunk, ...rest) => {
    sink.push(Uint8Array.from(chunk));
    return write(chunk, ...rest);
  };
  const end = stream.end.bind(stream) as (...args: unknown[]) => Http2Stream;
  (stream as { end: (...args: unknown[]) => Http2Stream }).end = (...args) => {
    if (args[0] instanceof Uint8Array) sink.push(Uint8Array.from(args[0]));
    return end(...args);
  };
}

/** What our client put on the wire for one call (request headers and DATA), and the response DATA. */
export interface RecordedRequest {
  readonly headers: OutgoingHttpHeaders;
  readonly chunks: Uint8Array[];
  readonly responseChunks: Uint8Array[];
}

/** An {@link Http2ClientTransport} that records each call's request headers and the body bytes both ways. */
export function recordingTransport(baseUrl: string): { transport: Http2ClientTransport; requests: RecordedRequest[] } {
  const transport = new Http2ClientTransport({ baseUrl });
  const requests: RecordedRequest[] = [];
  const request = transport.request.bind(transport);
  transport.request = (headers) => {
    const stream = request(headers);
    const recorded: RecordedRequest = { headers, chunks: [], responseChunks: [] };
    requests.push(recorded);
    stream.on("data", (chunk: Uint8Array) => recorded.responseChunks.push(Uint8Array.from(chunk)));
    tapWrites(stream, recorded.chunks);
    return stream;
  };
  return { transport, requests };
}

/** What our server saw and sent for one call (from the HTTP/2 stream, below the runtime). */
export interface RecordedCall {
  readonly path: string;
  readonly requestHeaders: IncomingHttpHeaders;
  readonly requestChunks: Uint8Array[];
  /** Response HEADERS as passed to `respond()` (trailers-only responses included). */
  responseHeaders: OutgoingHttpHeaders | undefined;
  readonly responseChunks: Uint8Array[];
}

/** What the interop handler observed, for assertions on deadlines and cancellation. */
export interface HandlerEvents {
  /** Per call: the method name, the deadline the runtime derived, and why the signal aborted. */
  readonly calls: { method: string; deadline: number | undefined; abortReason?: unknown; sent?: number }[];
}

/** Resolves when `signal` aborts, or after `ms` (never rejects); the timer does not hold the process. */
function abortedOrTimeout(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Copies `x-echo` and `x-echo-bin` request metadata to response headers and trailers. */
function echoMetadata(ctx: HandlerContext): void {
  const text = ctx.requestHeaders.get("x-echo");
  if (text !== null) {
    ctx.responseHeaders.set("x-echo-header", text);
    ctx.responseTrailers.set("x-echo-trailer", text);
  }
  const bin = ctx.requestHeaders.get("x-echo-bin");
  if (bin !== null) {
    ctx.responseHeaders.set("x-echo-bin", bin);
    ctx.responseTrailers.set("x-echo-trailer-bin", bin);
  }
}

/** The error the `error` name triggers: INVALID_ARGUMENT, a message, a detail and metadata. */
export function interopError(): TripleError {
  return new TripleError(Code.INVALID_ARGUMENT, "bad name: error ✗", {
    details: [{ typeUrl: detailTypeUrl, value: encodeGreeting(detailGreeting) }],
    metadata: { "x-error-meta": "yes", "x-error-bin": encodeBinaryHeader(Uint8Array.of(0, 1, 2, 255)) },
  });
}

/**
 * The seed handler plus name-triggered behaviours: every method echoes `x-echo`/`x-echo-bin`
 * metadata; `error` fails with {@link interopError} (the server stream after two responses);
 * `slow` (unary) waits for the deadline or cancellation; `forever` (server stream) sends until
 * cancelled. Any other name is served by the seed handler unchanged.
 */
export function interopHandler(events: HandlerEvents): GreetServiceHandler {
  const record = (method: string, ctx: HandlerContext): HandlerEvents["calls"][number] => {
    const entry: HandlerEvents["calls"][number] = { method, deadline: ctx.deadline };
    events.calls.push(entry);
    ctx.signal.addEventListener("abort", () => (entry.abortReason = ctx.signal.reason));
    echoMetadata(ctx);
    return entry;
  };
  return {
    async greet(request, ctx) {
      record("Greet", ctx);
      if (request.name === "error") throw interopError();
      if (request.name === "slow") {
        await abortedOrTimeout(ctx.signal, 10_000);
        throw new TripleError(Code.INTERNAL, "slow call was not cut short");
      }
      return greetTripleServer.greet(request, ctx);
    },
    greetStream(stream, ctx) {
      record("GreetStream", ctx);
      return greetTripleServer.greetStream(stream, ctx);
    },
    greetClientStream(stream, ctx) {
      record("GreetClientStream", ctx);
      return greetTripleServer.greetClientStream(stream, ctx);
    },
    async greetServerStream(request, stream, ctx) {
      const entry = record("GreetServerStream", ctx);
      if (request.name === "error") {
        await stream.send({ greeting: "first" });
        await stream.send({ greeting: "second" });
        throw interopError();
      }
      if (request.name === "forever") {
        entry.sent = 0;
        for (let i = 0; i < 1000 && !ctx.signal.aborted; i++) {
          await stream.send({ greeting: `forever ${i}` });
          entry.sent++;
          await sleep(10);
        }
        return;
      }
      return greetTripleServer.greetServerStream(request, stream, ctx);
    },
  };
}

/**
 * Our server on 127.0.0.1:0 with {@link interopHandler} (under `registration`'s group/version),
 * recording every call at the HTTP/2 level (HTTP/1.1 Triple-unary calls are not recorded).
 */
export async function startOurServer(
  options: ServerOptions = {},
  registration?: ServerRegistration,
): Promise<{ server: TripleServer; port: number; events: HandlerEvents; wire: RecordedCall[] }> {
  const server = createTripleServer(options);
  const events: HandlerEvents = { calls: [] };
  registerGreetService(server, interopHandler(events), registration);
  const wire: RecordedCall[] = [];
  // Test instrumentation below the runtime: the runtime's own http2 server, observed before it acts.
  server["http2"].prependListener("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const call: RecordedCall = { path: String(headers[":path"]), requestHeaders: headers, requestChunks: [], responseHeaders: undefined, responseChunks: [] };
    wire.push(call);
    stream.on("data", (chunk: Uint8Array) => call.requestChunks.push(Uint8Array.from(chunk)));
    const respond = stream.respond.bind(stream);
    stream.respond = (responseHeaders, respondOptions) => {
      call.responseHeaders = { ...responseHeaders };
      respond(responseHeaders, respondOptions);
    };
    tapWrites(stream, call.responseChunks);
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, port, events, wire };
}

/** Polls `check` until it is true (every 10 ms, up to `ms`); throws with `what` when it never is. */
export async function eventually(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
