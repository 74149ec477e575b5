import { tripleConcat } from "../protocol/body-collector.js";
import { negotiateEncoding, type Compressor } from "../protocol/compression.js";
import { metadataToHttp2, type IncomingHeaders, type OutgoingHeaders } from "../protocol/metadata.js";
import type { PeerSocketLike } from "../transport/http2-stream.js";
import { HandlerContext } from "./server-context.js";
import { serverDecodeRequest } from "./server-decode.js";
import type { ServerRoute } from "./server-handlers.js";
import type { ServerCallControl, ServerCallLifecycle } from "./call-lifecycle.js";
import type { ServerSettings } from "./server-settings.js";
import { connectUnaryDialect, connectUnaryGet, type ConnectUnaryDialect } from "./server-connect-unary.js";
import { Code } from "../protocol/status-code.js";
import { toTripleError, TripleError } from "../protocol/triple-error.js";
import {
  tripleCheckProtocolVersion,
  tripleCodeToHttp,
  tripleErrorBody,
  tripleHeader,
  tripleTimeoutParse,
  tripleTrailerPrefix,
  tripleUnaryCodec,
} from "../protocol/triple-unary.js";

/** One plain-HTTP request/response, from an HTTP/2 stream or an HTTP/1.1 request alike. */
export interface TripleUnaryExchange {
  readonly http1: boolean;
  readonly method: string;
  readonly path: string;
  /** The query string after `?` (empty without one): Connect unary GET carries its request there. */
  readonly query: string;
  readonly headers: IncomingHeaders;
  readonly socket: PeerSocketLike | undefined;
  /** Subscribes to the request body; `end` fires after the last chunk. */
  readBody(onChunk: (chunk: Uint8Array) => void, onEnd: () => void): void;
  /** Sends the whole response; `close` also ends the connection (the body was not read to its end). */
  respond(status: number, headers: OutgoingHeaders, body: Uint8Array | string, close?: boolean): void;
  /** Called once if the client goes away before the response. */
  onAbort(listener: () => void): void;
}

/**
 * Serves a unary method as Triple-unary: a POST whose body is the bare request (`application/proto`
 * or `application/json`, optionally compressed), answered with the bare response or a JSON error body
 * that every Dubbo client understands. `route` is undefined when nothing matched the path or
 * group/version (`notFound` says why). The call is in the server's `lifecycle` from its headers on:
 * deadline, client abort and shutdown end it as they end gRPC calls.
 */
export function serveTripleUnary(
  exchange: TripleUnaryExchange,
  route: ServerRoute | undefined,
  notFound: string,
  settings: ServerSettings,
  lifecycle: ServerCallLifecycle,
): void {
  // Connect clients (connect-protocol-version, or GET) get Connect's error body and statuses; Dubbo
  // Triple clients the Triple body, which adds a numeric `status` dubbo-js reads.
  const dialect = connectUnaryDialect(exchange.method, exchange.headers);
  const httpStatus = (code: number, triple = tripleCodeToHttp(code)): number => (dialect === undefined ? triple : dialect.httpStatus(code));
  const fail = (error: TripleError, status = httpStatus(error.code), close = false, extra: OutgoingHeaders = {}): void => {
    const headers: OutgoingHeaders = { ...extra, "content-type": "application/json" };
    metadataToHttp2(error.metadata, headers);
    exchange.respond(status, headers, dialect === undefined ? tripleErrorBody(error) : dialect.errorBody(error), close);
  };
  const get = exchange.method === "GET";
  if (exchange.method !== "POST" && !get) {
    // Connect: 405 alone, as connect-go's handler answers (its clients read it as unknown).
    if (dialect !== undefined) return exchange.respond(405, { allow: "GET, POST" }, "");
    return fail(new TripleError(Code.UNIMPLEMENTED, `method ${exchange.method} not allowed: use POST`), 405, false, { allow: "POST" });
  }
  // An unknown method is 404 to a Connect client (connect-go's mux), with the unimplemented error.
  if (route === undefined) return fail(new TripleError(Code.UNIMPLEMENTED, notFound), dialect === undefined ? tripleCodeToHttp(Code.UNIMPLEMENTED) : 404);
  const unary = route.unary;
  if (unary === undefined) {
    const reason = `${route.method.path} is a streaming method: call it with gRPC over HTTP/2`;
    // A GET has no body to leave unread: its HTTP/1.1 connection stays usable.
    if (exchange.http1) return fail(new TripleError(Code.UNIMPLEMENTED, reason), 505, !get);
    return fail(new TripleError(Code.UNIMPLEMENTED, reason), 415, !get, { "accept-post": "application/grpc, application/grpc+proto, application/grpc+json" });
  }
  let getQuery: ReturnType<typeof connectUnaryGet> | undefined;
  if (get) {
    if (route.method.idempotency !== "no_side_effects") {
      return fail(new TripleError(Code.UNIMPLEMENTED, `${route.method.path} does not allow GET: it is not marked idempotency_level = NO_SIDE_EFFECTS`), 405, false, { allow: "POST" });
    }
    try {
      getQuery = connectUnaryGet(exchange.query, settings.maxReceiveMessageBytes);
    } catch (error) {
      return fail(toTripleError(error));
    }
  }
  const codec = get ? getQuery?.codec : tripleUnaryCodec(tripleHeader(exchange.headers["content-type"]));
  if (codec === undefined) {
    // An empty body, as connect-go answers: every client (gRPC ones too) reads the status alone.
    const accept = exchange.http1 ? "application/json, application/proto" : "application/grpc, application/grpc+proto, application/grpc+json, application/json, application/proto";
    // A GET has no body to leave unread: its HTTP/1.1 connection stays usable.
    exchange.respond(415, { "accept-post": accept }, "", !get);
    return;
  }
  let timeoutMs: number | undefined;
  try {
    tripleCheckProtocolVersion(exchange.headers);
    timeoutMs = dialect === undefined ? tripleTimeoutParse(exchange.headers) : dialect.timeoutMs(exchange.headers);
  } catch (error) {
    return fail(toTripleError(error));
  }
  const encoding = get ? getQuery?.compression : tripleHeader(exchange.headers["content-encoding"])?.toLowerCase();
  const compression = encoding === undefined || encoding === "identity" ? undefined : settings.compressions.get(encoding);
  if (encoding !== undefined && encoding !== "identity" && compression === undefined) {
    const error = new TripleError(Code.UNIMPLEMENTED, `unknown compression ${encoding}: supported encodings are ${settings.acceptEncoding}`);
    return fail(error, httpStatus(error.code, 404), !get, { "accept-encoding": settings.acceptEncoding });
  }
  const max = settings.maxReceiveMessageBytes;
  const tooLarge = (): TripleError => new TripleError(Code.RESOURCE_EXHAUSTED, `request body exceeds the maximum of ${max} bytes`);
  if (Number(exchange.headers["content-length"] ?? 0) > max) return fail(tooLarge(), 413, true);
  // The deadline runs from the request's arrival, upload included. A GET's handler sees its request line.
  const ctxHeaders = get && exchange.http1 ? { ...exchange.headers, ":method": "GET", ":path": `${exchange.path}?${exchange.query}` } : exchange.headers;
  const ctx = new HandlerContext(route.method, exchange.socket, ctxHeaders, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
  let settled = false;
  let bodyRead = false;
  let clearTimer: (() => void) | undefined;
  /** Decides the response once: clears the deadline and leaves the calls in flight. */
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimer?.();
    lifecycle.untrack(call);
    return true;
  };
  const call: ServerCallControl = {
    ctx,
    get done() {
      return settled;
    },
    abortReceive: () => undefined, // the body is read whole before the handler runs; `settled` drops the rest
    finish(error = new TripleError(Code.INTERNAL, "call ended without a response")) {
      // Deadline or shutdown: a body not read to its end cannot be left on a kept-alive connection.
      if (settle()) fail(error, httpStatus(error.code), !bodyRead);
    },
  };
  lifecycle.track(call);
  if (settled) return;
  if (timeoutMs !== undefined) clearTimer = lifecycle.deadline(call, timeoutMs);
  exchange.onAbort(() => {
    if (settled) return;
    lifecycle.cancelled(call, "client closed the connection");
    settle();
  });
  const onBody = (raw: Uint8Array): void => {
    let body = raw;
    try {
      if (compression !== undefined) body = compression.decompress(body, max);
    } catch (error) {
      const failure = toTripleError(error);
      if (settle()) fail(failure, failure.code === Code.RESOURCE_EXHAUSTED ? httpStatus(failure.code, 413) : httpStatus(failure.code));
      return;
    }
    try {
      tripleUnaryRun(exchange, route, unary, codec, body, call, settle, settings, lifecycle, dialect);
    } catch (error) {
      if (settle()) fail(toTripleError(error));
    }
  };
  if (getQuery !== undefined) {
    bodyRead = true;
    return onBody(getQuery.message);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  exchange.readBody(
    (chunk) => {
      if (settled) return; // refused: the rest of the body is dropped as it arrives
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        if (settle()) fail(tooLarge(), 413, true);
        return;
      }
      chunks.push(chunk);
    },
    () => {
      bodyRead = true;
      if (settled) return;
      const body = tripleConcat(chunks, size);
      chunks.length = 0;
      onBody(body);
    },
  );
}

/**
 * Decodes the request (throws on a bad one), runs the handler — synchronously when it returns a plain
 * value, as `ServerUnaryCall` does for gRPC — and sends the answer.
 */
function tripleUnaryRun(
  exchange: TripleUnaryExchange,
  route: ServerRoute,
  unary: NonNullable<ServerRoute["unary"]>,
  codec: "proto" | "json",
  body: Uint8Array,
  call: ServerCallControl,
  settle: () => boolean,
  settings: ServerSettings,
  lifecycle: ServerCallLifecycle,
  dialect: ConnectUnaryDialect | undefined,
): void {
  const method = route.method;
  const request = serverDecodeRequest(method.input, body, codec === "json" ? settings.jsonRead : undefined, settings.maxMessageDepth);
  const ctx = call.ctx;
  const failed = (error: unknown): void => {
    if (!settle()) return;
    if (!(error instanceof TripleError)) lifecycle.report(error, ctx);
    const failure = toTripleError(error, "internal error");
    const headers: OutgoingHeaders = { "content-type": "application/json" };
    metadataToHttp2(ctx.peekResponseHeaders(), headers);
    metadataToHttp2(failure.metadata, headers);
    tripleTrailersToHeaders(ctx.peekResponseTrailers(), headers);
    if (dialect === undefined) exchange.respond(tripleCodeToHttp(failure.code), headers, tripleErrorBody(failure));
    else exchange.respond(dialect.httpStatus(failure.code), headers, dialect.errorBody(failure));
  };
  let result: Promise<object> | object;
  try {
    result = unary(request, ctx);
  } catch (error) {
    return failed(error);
  }
  const respond = (response: object): void => {
    if (call.done) return; // answered meanwhile (deadline, shutdown, client gone): nothing to encode or compress
    try {
      tripleUnaryRespond(exchange, method, codec, response, ctx, settle, settings, lifecycle, dialect);
    } catch (error) {
      failed(error);
    }
  };
  if (result !== null && typeof result === "object" && typeof (result as Partial<PromiseLike<object>>).then === "function") {
    Promise.resolve(result).then(respond, failed);
  } else respond(result);
}

/**
 * Sends a successful Triple/Connect unary response. Encoding and compression errors throw before the
 * call is settled, so the caller still answers them instead of leaving the request hanging.
 */
function tripleUnaryRespond(
  exchange: TripleUnaryExchange,
  method: ServerRoute["method"],
  codec: "proto" | "json",
  response: object,
  ctx: HandlerContext,
  settle: () => boolean,
  settings: ServerSettings,
  lifecycle: ServerCallLifecycle,
  dialect: ConnectUnaryDialect | undefined,
): void {
  let payload: Uint8Array =
    codec === "json"
      ? new TextEncoder().encode(method.output.toJsonString(response, dialect === undefined ? settings.tripleJsonWrite : settings.jsonWrite))
      : method.output.encode(response);
  const accept = tripleHeader(exchange.headers["accept-encoding"]);
  const compression = settings.disableCompression || payload.length < settings.compressMinBytes ? undefined : negotiateEncoding(accept, settings.compressions);
  if (compression !== undefined) payload = tripleCompressResponse(compression, payload, lifecycle, ctx);
  if (!settle()) return;
  const headers: OutgoingHeaders = {};
  metadataToHttp2(ctx.peekResponseHeaders(), headers);
  tripleTrailersToHeaders(ctx.peekResponseTrailers(), headers);
  headers["content-type"] = codec === "json" ? "application/json" : "application/proto";
  headers["accept-encoding"] = settings.acceptEncoding;
  if (compression !== undefined) headers["content-encoding"] = compression.name;
  exchange.respond(200, headers, payload);
}

/**
 * Compresses a unary response. A compressor that throws is the server's fault, not the handler's:
 * reported to `onError`, then INTERNAL — thrown before the call settles, so the request is answered.
 */
export function tripleCompressResponse(compression: Compressor, payload: Uint8Array, lifecycle: ServerCallLifecycle, ctx: HandlerContext): Uint8Array {
  try {
    return compression.compress(payload);
  } catch (cause) {
    lifecycle.report(cause, ctx);
    throw new TripleError(Code.INTERNAL, `could not compress the response (${compression.name})`, { cause });
  }
}

/** Folds response trailers into headers with the `trailer-` prefix, as Triple-unary carries them. */
export function tripleTrailersToHeaders(trailers: Headers | undefined, out: OutgoingHeaders): void {
  if (trailers === undefined) return;
  const plain: OutgoingHeaders = {};
  metadataToHttp2(trailers, plain);
  for (const name of Object.keys(plain)) out[tripleTrailerPrefix + name] = plain[name];
}
