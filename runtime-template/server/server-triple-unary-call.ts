import { tripleConcat } from "../protocol/body-collector.js";
import { negotiateEncoding, type Compressor } from "../protocol/compression.js";
import { metadataToHttp2, type IncomingHeaders, type OutgoingHeaders } from "../protocol/metadata.js";
import { Code } from "../protocol/status-code.js";
import { toTripleError, TripleError } from "../protocol/triple-error.js";
import {
  tripleCheckProtocolVersion,
  tripleCodeToHttp,
  tripleErrorBody,
  tripleHeader,
  tripleTimeoutParse,
  tripleUnaryCodec,
} from "../protocol/triple-unary.js";
import { http2NoErrorCode, type ServerStreamLike } from "../transport/http2-stream.js";
import type { ServerCallControl, ServerCallLifecycle } from "./call-lifecycle.js";
import { connectUnaryDialect, type ConnectUnaryDialect } from "./server-connect-unary.js";
import { HandlerContext } from "./server-context.js";
import { serverDecodeRequest } from "./server-decode.js";
import type { ServerRoute } from "./server-handlers.js";
import type { ServerSettings } from "./server-settings.js";
import { tripleCompressResponse, tripleTrailersToHeaders } from "./server-triple-unary.js";

// The lean path of a Connect or Triple unary POST over HTTP/2 — the request the speed target of
// Connect unary measures — as `ServerUnaryCall` is for gRPC: one object per call, no closures per
// request but its two stream listeners, the body kept as its one chunk, the response sent as
// HEADERS (with content-length) and one DATA frame with END_STREAM. Only plain requests take it:
// anything `serveTripleUnary` would refuse on its headers (unknown method or codec, bad timeout or
// version, unknown compression, a content-length over the limit) goes the general way, which
// answers it. Every later outcome is the general path's: the same statuses and error bodies in both
// dialects, size limit while the body arrives, deadline, abort and shutdown through the lifecycle.

/** How long a stream answered before its upload ended keeps discarding request bytes (see below). */
const tripleLingerMs = 2_000;

/** Encodes JSON responses (one encoder for every call). */
const tripleTextEncoder = new TextEncoder();

/**
 * Sends a whole plain-HTTP response on an HTTP/2 stream: `headers` (mutated: `:status` and
 * `content-length` are added) and the body with END_STREAM. Headers node:http2 refuses (from
 * metadata) are dropped, the status and body still go out. Answered before the request ended (an
 * error): what still comes is discarded, and the stream reset with NO_ERROR (RFC 9113 §8.1) if the
 * upload goes on — not at once: curl 7.x discards a response followed by RST_STREAM before its own
 * upload ended.
 */
export function tripleRespondHttp2(stream: ServerStreamLike, status: number, headers: OutgoingHeaders, body: Uint8Array | string, requestEnded: boolean): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const bytes = typeof body === "string" ? tripleTextEncoder.encode(body) : body;
  headers[":status"] = status;
  headers["content-length"] = bytes.length;
  try {
    stream.respond(headers);
  } catch {
    if (stream.headersSent || stream.destroyed || stream.closed) return;
    stream.respond({ ":status": status, "content-type": "application/json", "content-length": bytes.length });
  }
  stream.end(bytes);
  if (requestEnded) return;
  stream.resume();
  const timer = setTimeout(() => stream.close(http2NoErrorCode), tripleLingerMs);
  (timer as { unref?: () => void }).unref?.();
  stream.once("close", () => clearTimeout(timer));
}

/**
 * Starts the lean path for an HTTP/2 request that is a plain Connect/Triple unary POST to `route`;
 * returns false (nothing done) for anything else, which `serveTripleUnary` then answers.
 */
export function serveTripleUnaryPost(
  stream: ServerStreamLike,
  headers: IncomingHeaders,
  route: ServerRoute | undefined,
  settings: ServerSettings,
  lifecycle: ServerCallLifecycle,
): boolean {
  if (route === undefined || route.unary === undefined || headers[":method"] !== "POST") return false;
  const type = headers["content-type"];
  const codec = type === "application/proto" ? "proto" : type === "application/json" ? "json" : tripleUnaryCodec(tripleHeader(type));
  if (codec === undefined) return false;
  const dialect = connectUnaryDialect("POST", headers);
  let timeoutMs: number | undefined;
  try {
    tripleCheckProtocolVersion(headers);
    timeoutMs = dialect === undefined ? tripleTimeoutParse(headers) : dialect.timeoutMs(headers);
  } catch {
    return false;
  }
  const encoding = tripleHeader(headers["content-encoding"])?.toLowerCase();
  let compression: Compressor | undefined;
  if (encoding !== undefined && encoding !== "identity") {
    compression = settings.compressions.get(encoding);
    if (compression === undefined) return false;
  }
  const length = headers["content-length"];
  if (length !== undefined && Number(length) > settings.maxReceiveMessageBytes) return false;
  new ServerTripleUnaryCall(stream, headers, route, codec, dialect, compression, settings, lifecycle, timeoutMs);
  return true;
}

/** One Connect/Triple unary POST on an HTTP/2 stream (see {@link serveTripleUnaryPost}). */
class ServerTripleUnaryCall implements ServerCallControl {
  readonly ctx: HandlerContext;
  private readonly stream: ServerStreamLike;
  private readonly headers: IncomingHeaders;
  private readonly route: ServerRoute;
  private readonly codec: "proto" | "json";
  private readonly dialect: ConnectUnaryDialect | undefined;
  private readonly compression: Compressor | undefined;
  private readonly settings: ServerSettings;
  private readonly lifecycle: ServerCallLifecycle;
  private readonly clearTimer: (() => void) | undefined;
  private body: Uint8Array | undefined;
  private more: Uint8Array[] | undefined;
  private size = 0;
  private requestEnded = false;
  private settled = false;

  constructor(
    stream: ServerStreamLike,
    headers: IncomingHeaders,
    route: ServerRoute,
    codec: "proto" | "json",
    dialect: ConnectUnaryDialect | undefined,
    compression: Compressor | undefined,
    settings: ServerSettings,
    lifecycle: ServerCallLifecycle,
    timeoutMs: number | undefined,
  ) {
    this.stream = stream;
    this.headers = headers;
    this.route = route;
    this.codec = codec;
    this.dialect = dialect;
    this.compression = compression;
    this.settings = settings;
    this.lifecycle = lifecycle;
    // The deadline runs from the request's arrival, upload included.
    this.ctx = new HandlerContext(route.method, stream.session?.socket, headers, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
    lifecycle.track(this);
    if (this.settled) {
      this.clearTimer = undefined;
      return;
    }
    this.clearTimer = timeoutMs === undefined ? undefined : lifecycle.deadline(this, timeoutMs);
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.once("end", () => this.onEnd());
    // A client that goes away before the response (a reset, or its connection destroyed under the
    // stream): the handler's signal aborts. Also what leaves the calls in flight then.
    stream.once("close", () => this.onClose());
  }

  /** Whether the response was decided (sent, or the client went away). */
  get done(): boolean {
    return this.settled;
  }

  /** The body is read whole before the handler runs; a settled call drops the rest. */
  abortReceive(): void {
    // nothing to stop
  }

  /** Deadline or shutdown: ends the call with the status of `error`. */
  finish(error: TripleError = new TripleError(Code.INTERNAL, "call ended without a response")): void {
    if (this.settle()) this.fail(error, this.httpStatus(error.code));
  }

  private onData(chunk: Uint8Array): void {
    if (this.settled) return; // refused: the rest of the body is dropped as it arrives
    const size = (this.size += chunk.length);
    if (size > this.settings.maxReceiveMessageBytes) {
      this.body = this.more = undefined;
      const error = new TripleError(Code.RESOURCE_EXHAUSTED, `request body exceeds the maximum of ${this.settings.maxReceiveMessageBytes} bytes`);
      if (this.settle()) this.fail(error, 413);
      return;
    }
    if (this.body === undefined) this.body = chunk;
    else (this.more ??= []).push(chunk);
  }

  private onEnd(): void {
    this.requestEnded = true;
    // A reset stream also ends its readable side: that is no half-close, and "close" reports it.
    if (this.settled || this.stream.aborted) return;
    const first = this.body ?? new Uint8Array(0);
    let body = this.more === undefined ? first : tripleConcat([first, ...this.more], this.size);
    this.body = this.more = undefined;
    try {
      if (this.compression !== undefined) body = this.compression.decompress(body, this.settings.maxReceiveMessageBytes);
    } catch (error) {
      const failure = toTripleError(error);
      if (this.settle()) this.fail(failure, failure.code === Code.RESOURCE_EXHAUSTED ? this.httpStatus(failure.code, 413) : this.httpStatus(failure.code));
      return;
    }
    let request: object;
    try {
      request = serverDecodeRequest(this.route.method.input, body, this.codec === "json" ? this.settings.jsonRead : undefined, this.settings.maxMessageDepth);
    } catch (error) {
      const failure = toTripleError(error);
      if (this.settle()) this.fail(failure, this.httpStatus(failure.code));
      return;
    }
    let result: Promise<object> | object;
    try {
      result = (this.route.unary as NonNullable<ServerRoute["unary"]>)(request, this.ctx);
    } catch (error) {
      return this.failed(error);
    }
    if (result !== null && typeof result === "object" && typeof (result as Partial<PromiseLike<object>>).then === "function") {
      Promise.resolve(result).then(
        (response: object) => this.respond(response),
        (error: unknown) => this.failed(error),
      );
    } else this.respond(result);
  }

  private onClose(): void {
    if (this.settled) return;
    this.lifecycle.cancelled(this, "client closed the connection");
    this.settle();
  }

  /** Sends the answer (encoding errors are the handler's failure, sent before anything else). */
  private respond(response: object): void {
    if (this.settled) return;
    const s = this.settings;
    const output = this.route.method.output;
    let payload: Uint8Array;
    try {
      payload = this.codec === "json" ? tripleTextEncoder.encode(output.toJsonString(response, this.dialect === undefined ? s.tripleJsonWrite : s.jsonWrite)) : output.encode(response);
    } catch (error) {
      return this.failed(error);
    }
    const ctx = this.ctx;
    // Compressed before the call settles: a compressor that throws is still answered (INTERNAL).
    const compression = s.disableCompression || payload.length < s.compressMinBytes ? undefined : negotiateEncoding(tripleHeader(this.headers["accept-encoding"]), s.compressions);
    if (compression !== undefined) {
      try {
        payload = tripleCompressResponse(compression, payload, this.lifecycle, ctx);
      } catch (error) {
        return this.failed(error);
      }
    }
    this.settle();
    const headers: OutgoingHeaders = {};
    metadataToHttp2(ctx.peekResponseHeaders(), headers);
    tripleTrailersToHeaders(ctx.peekResponseTrailers(), headers);
    headers["content-type"] = this.codec === "json" ? "application/json" : "application/proto";
    headers["accept-encoding"] = s.acceptEncoding;
    if (compression !== undefined) headers["content-encoding"] = compression.name;
    tripleRespondHttp2(this.stream, 200, headers, payload, this.requestEnded);
  }

  /** The handler threw or rejected (or its answer could not be encoded). */
  private failed(error: unknown): void {
    if (!this.settle()) return;
    const ctx = this.ctx;
    if (!(error instanceof TripleError)) this.lifecycle.report(error, ctx);
    const failure = toTripleError(error, "internal error");
    const headers: OutgoingHeaders = { "content-type": "application/json" };
    metadataToHttp2(ctx.peekResponseHeaders(), headers);
    metadataToHttp2(failure.metadata, headers);
    tripleTrailersToHeaders(ctx.peekResponseTrailers(), headers);
    const dialect = this.dialect;
    const body = dialect === undefined ? tripleErrorBody(failure) : dialect.errorBody(failure);
    tripleRespondHttp2(this.stream, this.httpStatus(failure.code), headers, body, this.requestEnded);
  }

  /** An error decided by the runtime (limits, bad request, deadline, shutdown), in the client's dialect. */
  private fail(error: TripleError, status: number): void {
    const headers: OutgoingHeaders = { "content-type": "application/json" };
    metadataToHttp2(error.metadata, headers);
    const dialect = this.dialect;
    tripleRespondHttp2(this.stream, status, headers, dialect === undefined ? tripleErrorBody(error) : dialect.errorBody(error), this.requestEnded);
  }

  /** The HTTP status of an error code: Connect's mapping, or Triple's (`triple` overrides it). */
  private httpStatus(code: number, triple = tripleCodeToHttp(code)): number {
    return this.dialect === undefined ? triple : this.dialect.httpStatus(code);
  }

  /** Decides the response once: clears the deadline and leaves the calls in flight. */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.clearTimer?.();
    this.lifecycle.untrack(this);
    return true;
  }
}
