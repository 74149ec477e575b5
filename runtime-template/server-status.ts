import type { OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { grpcPercentEncode, grpcStatusDetailsEncode } from "./grpc-status.js";
import { http2InternalErrorCode, http2NoErrorCode, http2ResetStream } from "./http2-codes.js";
import { metadataToHttp2 } from "./metadata.js";
import type { ServerCallSettings } from "./server-call.js";
import type { HandlerContext } from "./server-context.js";
import type { TripleError } from "./triple-error.js";

/**
 * What the server needs from a call in flight to shut it down: both the streaming `ServerCall` and
 * the lean `ServerUnaryCall` implement it.
 */
export interface ServerCallControl {
  readonly ctx: HandlerContext;
  /** Whether the status was already sent (or the stream is gone). */
  readonly done: boolean;
  /** Fails pending and future request reads. */
  abortReceive(error: TripleError): void;
  /** Ends the call with OK, or with the status of `error`. */
  finish(error?: TripleError): void;
}

/** The server as its calls see it: the set of calls in flight and the handler-failure path. */
export interface ServerCallHost {
  readonly calls: Set<ServerCallControl>;
  /** Ends a call whose handler threw or rejected (reporting unexpected errors to `onError`). */
  fail(call: ServerCallControl, error: unknown): void;
}

/** The response headers of a gRPC call: the handler's headers, then status, content type and encodings. */
export function serverResponseHeaders(ctx: HandlerContext, settings: ServerCallSettings): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  metadataToHttp2(ctx.peekResponseHeaders(), headers);
  headers[":status"] = 200;
  headers["content-type"] = settings.contentType;
  headers["grpc-accept-encoding"] = "gzip";
  if (settings.compressResponse) headers["grpc-encoding"] = "gzip";
  return headers;
}

/** The trailers that end a call: the handler's trailers, the error's metadata, then the status. */
export function serverStatusTrailers(ctx: HandlerContext, error: TripleError | undefined): OutgoingHttpHeaders {
  const trailers: OutgoingHttpHeaders = {};
  metadataToHttp2(ctx.peekResponseTrailers(), trailers);
  if (error === undefined) {
    trailers["grpc-status"] = "0";
    return trailers;
  }
  metadataToHttp2(error.metadata, trailers);
  trailers["grpc-status"] = String(error.code);
  trailers["grpc-message"] = grpcPercentEncode(error.rawMessage);
  trailers["grpc-status-details-bin"] = grpcStatusDetailsEncode(error.code, error.rawMessage, error.details);
  return trailers;
}

/**
 * Ends a call that sent no message: a trailers-only response (one HEADERS frame with status and
 * trailers, END_STREAM), or, when the handler set response headers, HEADERS with them and then the
 * trailers, as grpc-go does: inside a trailers-only response they would read as trailers. `sent` runs
 * once the status went out (after the trailers, in the second form). Returns whether node:http2 took
 * the headers; headers it refuses reset the stream (INTERNAL_ERROR) instead.
 */
export function serverTrailersOnly(
  stream: ServerHttp2Stream,
  ctx: HandlerContext,
  contentType: string,
  trailers: OutgoingHttpHeaders,
  sent: () => void,
): boolean {
  const headers: OutgoingHttpHeaders = { ":status": 200, "content-type": contentType };
  const own = ctx.peekResponseHeaders();
  if (own === undefined || own.keys().next().done === true) {
    if (!serverSafely(stream, () => stream.respond(Object.assign(headers, trailers), { endStream: true }))) return false;
    sent();
    return true;
  }
  metadataToHttp2(own, headers);
  return serverSafely(stream, () => {
    stream.respond(headers, { waitForTrailers: true });
    stream.once("wantTrailers", () => {
      if (!stream.destroyed && serverSafely(stream, () => stream.sendTrailers(trailers))) sent();
    });
    stream.end();
  });
}

/**
 * Runs a node:http2 call that may throw on headers it refuses (e.g. an oversized or malformed field
 * set by a handler): the stream is reset with INTERNAL_ERROR instead of hanging or throwing out of an
 * event listener. Returns whether `fn` succeeded.
 */
export function serverSafely(stream: ServerHttp2Stream, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch {
    http2ResetStream(stream, http2InternalErrorCode);
    return false;
  }
}

/**
 * After the status went out, a client still sending is told to stop with RST_STREAM(NO_ERROR) (as
 * HTTP/2 §8.1 allows and grpc-go does): the call is over, and the stream would otherwise stay open
 * for as long as the client keeps its request side open. The reset waits for the next turn of the
 * event loop: submitted from within the send that asked for the trailers, it would overtake them.
 */
export function serverStopRequest(stream: ServerHttp2Stream, requestEnded: () => boolean): void {
  if (requestEnded()) return;
  setImmediate(() => {
    if (!requestEnded() && !stream.closed && !stream.destroyed) stream.close(http2NoErrorCode);
  });
}
