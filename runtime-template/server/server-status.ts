import type { ServerStreamLike } from "../transport/http2-stream.js";
import { grpcPercentEncode, grpcStatusDetailsEncode } from "../protocol/grpc-status.js";
import { http2InternalErrorCode, http2NoErrorCode, http2ResetStream } from "../transport/http2-stream.js";
import { metadataToHttp2, type OutgoingHeaders } from "../protocol/metadata.js";
import { serverGrpcEncodingHeaders, type ServerCallSettings, type ServerEncodingHeaders } from "./server-settings.js";
import type { HandlerContext } from "./server-context.js";
import type { TripleError } from "../protocol/triple-error.js";

/**
 * The response headers of an enveloped call: the handler's headers, then status, content type and the
 * encodings under the protocol's header names (`names`; gRPC's by default).
 */
export function serverResponseHeaders(ctx: HandlerContext, settings: ServerCallSettings, names: ServerEncodingHeaders = serverGrpcEncodingHeaders): OutgoingHeaders {
  const headers: OutgoingHeaders = {};
  metadataToHttp2(ctx.peekResponseHeaders(), headers);
  headers[":status"] = 200;
  headers["content-type"] = settings.contentType;
  headers[names.accept] = settings.acceptEncoding;
  if (settings.responseCompression !== undefined) headers[names.content] = settings.responseCompression.name;
  return headers;
}

/**
 * The trailers that end a call: the handler's trailers, the error's metadata, then the status. `ctx`
 * undefined: a call refused before it had a handler context, so without handler trailers.
 */
export function serverStatusTrailers(ctx: HandlerContext | undefined, error: TripleError | undefined): OutgoingHeaders {
  const trailers: OutgoingHeaders = {};
  metadataToHttp2(ctx?.peekResponseTrailers(), trailers);
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
  stream: ServerStreamLike,
  ctx: HandlerContext,
  contentType: string,
  trailers: OutgoingHeaders,
  sent: () => void,
): boolean {
  const headers: OutgoingHeaders = { ":status": 200, "content-type": contentType };
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
export function serverSafely(stream: ServerStreamLike, fn: () => void): boolean {
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
export function serverStopRequest(stream: ServerStreamLike, requestEnded: () => boolean): void {
  if (requestEnded()) return;
  setImmediate(() => {
    if (!requestEnded() && !stream.closed && !stream.destroyed) stream.close(http2NoErrorCode);
  });
}
