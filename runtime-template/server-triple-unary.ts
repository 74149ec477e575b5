import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { Socket } from "node:net";
import { gzipCompress, gzipDecompress } from "./compression.js";
import { grpcDeadlineTimer } from "./grpc-timeout.js";
import { metadataToHttp2 } from "./metadata.js";
import { HandlerContext } from "./server-context.js";
import { serverDecodeRequest } from "./server-decode.js";
import type { ServerRoute } from "./server-handlers.js";
import { Code } from "./status-code.js";
import { toTripleError, TripleError } from "./triple-error.js";
import {
  tripleCheckProtocolVersion,
  tripleConcat,
  tripleCodeToHttp,
  tripleErrorBody,
  tripleHeader,
  tripleTimeoutParse,
  tripleTrailerPrefix,
  tripleUnaryCodec,
} from "./triple-unary-protocol.js";

/** One plain-HTTP request/response, from an HTTP/2 stream or an HTTP/1.1 request alike. */
export interface TripleUnaryExchange {
  readonly http1: boolean;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket | undefined;
  /** Subscribes to the request body; `end` fires after the last chunk. */
  readBody(onChunk: (chunk: Uint8Array) => void, onEnd: () => void): void;
  /** Sends the whole response; `close` also ends the connection (the body was not read to its end). */
  respond(status: number, headers: OutgoingHttpHeaders, body: Uint8Array | string, close?: boolean): void;
  /** Called once if the client goes away before the response. */
  onAbort(listener: () => void): void;
}

/** Settings of the Triple-unary path (a subset of the server's options). */
export interface TripleUnarySettings {
  readonly maxReceiveMessageBytes: number;
  /** Deepest nesting of request messages accepted (binary and JSON). */
  readonly maxMessageDepth: number;
  readonly compressMinBytes: number;
  readonly disableCompression: boolean;
  /** Write JSON responses with proto field names (as dubbo-go does) instead of lowerCamelCase. */
  readonly jsonUseProtoNames: boolean;
  readonly onError: ((error: unknown, ctx: HandlerContext) => void) | undefined;
}

/**
 * Serves a unary method as Triple-unary: a POST whose body is the bare request (`application/proto`
 * or `application/json`, optionally gzip), answered with the bare response or a JSON error body
 * that every Dubbo client understands. `route` is undefined when nothing matched the path or
 * group/version (`notFound` says why).
 */
export function serveTripleUnary(
  exchange: TripleUnaryExchange,
  route: ServerRoute | undefined,
  notFound: string,
  settings: TripleUnarySettings,
): void {
  const fail = (error: TripleError, status = tripleCodeToHttp(error.code), close = false, extra: OutgoingHttpHeaders = {}): void => {
    const headers: OutgoingHttpHeaders = { ...extra, "content-type": "application/json" };
    metadataToHttp2(error.metadata, headers);
    exchange.respond(status, headers, tripleErrorBody(error), close);
  };
  if (exchange.method !== "POST") {
    return fail(new TripleError(Code.UNIMPLEMENTED, `method ${exchange.method} not allowed: use POST`), 405, false, { allow: "POST" });
  }
  if (route === undefined) return fail(new TripleError(Code.UNIMPLEMENTED, notFound));
  const unary = route.unary;
  if (unary === undefined) {
    const reason = `${route.method.path} is a streaming method: call it with gRPC over HTTP/2`;
    if (exchange.http1) return fail(new TripleError(Code.UNIMPLEMENTED, reason), 505, true);
    return fail(new TripleError(Code.UNIMPLEMENTED, reason), 415, true, { "accept-post": "application/grpc, application/grpc+proto, application/grpc+json" });
  }
  const codec = tripleUnaryCodec(tripleHeader(exchange.headers["content-type"]));
  if (codec === undefined) {
    const accept = exchange.http1 ? "application/json, application/proto" : "application/grpc, application/grpc+proto, application/grpc+json, application/json, application/proto";
    return fail(new TripleError(Code.INTERNAL, `unsupported content-type ${String(exchange.headers["content-type"])}`), 415, true, { "accept-post": accept });
  }
  let timeoutMs: number | undefined;
  try {
    tripleCheckProtocolVersion(exchange.headers);
    timeoutMs = tripleTimeoutParse(exchange.headers);
  } catch (error) {
    return fail(toTripleError(error));
  }
  const encoding = tripleHeader(exchange.headers["content-encoding"])?.toLowerCase();
  if (encoding !== undefined && encoding !== "identity" && encoding !== "gzip") {
    return fail(new TripleError(Code.UNIMPLEMENTED, `unknown compression ${encoding}: supported encodings are gzip`), 404, true, { "accept-encoding": "gzip" });
  }
  const max = settings.maxReceiveMessageBytes;
  const tooLarge = (): TripleError => new TripleError(Code.RESOURCE_EXHAUSTED, `request body exceeds the maximum of ${max} bytes`);
  if (Number(exchange.headers["content-length"] ?? 0) > max) return fail(tooLarge(), 413, true);
  // The deadline runs from the request's arrival, upload included.
  const call: TripleUnaryCall = { settled: false, ctx: undefined, deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs, clearTimer: undefined };
  const settle = (): boolean => {
    if (call.settled) return false;
    call.settled = true;
    call.clearTimer?.();
    return true;
  };
  if (timeoutMs !== undefined) {
    call.clearTimer = grpcDeadlineTimer(timeoutMs, () => {
      if (!settle()) return;
      const error = new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
      call.ctx?.abort(error);
      fail(error, 408, call.ctx === undefined);
    });
  }
  exchange.onAbort(() => {
    if (settle()) call.ctx?.abort(new TripleError(Code.CANCELLED, "client closed the connection"));
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  exchange.readBody(
    (chunk) => {
      if (call.settled) return; // refused: the rest of the body is dropped as it arrives
      size += chunk.length;
      if (size > max) {
        chunks.length = 0;
        if (settle()) fail(tooLarge(), 413, true);
        return;
      }
      chunks.push(chunk);
    },
    () => {
      if (call.settled) return;
      let body = tripleConcat(chunks, size);
      chunks.length = 0;
      try {
        if (encoding === "gzip") body = gzipDecompress(body, max);
      } catch (error) {
        const failure = toTripleError(error);
        if (settle()) fail(failure, failure.code === Code.RESOURCE_EXHAUSTED ? 413 : tripleCodeToHttp(failure.code));
        return;
      }
      void tripleUnaryRun(exchange, route, unary, codec, body, call, settle, settings).catch((error: unknown) => {
        if (settle()) fail(toTripleError(error));
      });
    },
  );
}

/** The state of one Triple-unary call: whether its response is decided, its context and deadline. */
interface TripleUnaryCall {
  settled: boolean;
  ctx: HandlerContext | undefined;
  readonly deadline: number | undefined;
  clearTimer: (() => void) | undefined;
}

async function tripleUnaryRun(
  exchange: TripleUnaryExchange,
  route: ServerRoute,
  unary: NonNullable<ServerRoute["unary"]>,
  codec: "proto" | "json",
  body: Uint8Array,
  call: TripleUnaryCall,
  settle: () => boolean,
  settings: TripleUnarySettings,
): Promise<void> {
  const method = route.method;
  const request = serverDecodeRequest(method.input, body, codec === "json", settings.maxMessageDepth);
  const ctx = new HandlerContext(method, exchange.socket, exchange.headers, call.deadline);
  call.ctx = ctx;
  let response: object;
  try {
    response = await unary(request, ctx);
  } catch (error) {
    if (!settle()) return;
    if (!(error instanceof TripleError)) {
      try {
        settings.onError?.(error, ctx);
      } catch {
        // A failing error hook must not take the server down.
      }
    }
    const failure = toTripleError(error, "internal error");
    const headers: OutgoingHttpHeaders = { "content-type": "application/json" };
    metadataToHttp2(ctx.responseHeaders, headers);
    metadataToHttp2(failure.metadata, headers);
    tripleTrailersToHeaders(ctx.responseTrailers, headers);
    exchange.respond(tripleCodeToHttp(failure.code), headers, tripleErrorBody(failure));
    return;
  }
  if (!settle()) return;
  let payload: Uint8Array =
    codec === "json"
      ? new TextEncoder().encode(method.output.toJsonString(response, { useProtoFieldName: settings.jsonUseProtoNames }))
      : method.output.encode(response);
  const headers: OutgoingHttpHeaders = {};
  metadataToHttp2(ctx.responseHeaders, headers);
  tripleTrailersToHeaders(ctx.responseTrailers, headers);
  headers["content-type"] = codec === "json" ? "application/json" : "application/proto";
  headers["accept-encoding"] = "gzip";
  const accept = tripleHeader(exchange.headers["accept-encoding"]) ?? "";
  if (!settings.disableCompression && payload.length >= settings.compressMinBytes && /(^|,)\s*gzip\s*(,|;|$)/.test(accept)) {
    payload = gzipCompress(payload);
    headers["content-encoding"] = "gzip";
  }
  exchange.respond(200, headers, payload);
}

/** Folds response trailers into headers with the `trailer-` prefix, as Triple-unary carries them. */
function tripleTrailersToHeaders(trailers: Headers, out: OutgoingHttpHeaders): void {
  const plain: OutgoingHttpHeaders = {};
  metadataToHttp2(trailers, plain);
  for (const name of Object.keys(plain)) out[tripleTrailerPrefix + name] = plain[name];
}
