import { connectEndStreamEnvelope } from "../protocol/connect/connect-error.js";
import { connectHeaderAcceptEncoding, connectHeaderContentEncoding } from "../protocol/connect/connect-protocol.js";
import { grpcWebTrailerFrame } from "../protocol/grpc-web/grpcweb-protocol.js";
import { GrpcWebTextDecoder, grpcWebTextEncode } from "../protocol/grpc-web/grpcweb-text.js";
import { metadataToHttp2, type OutgoingHeaders } from "../protocol/metadata.js";
import type { TripleError } from "../protocol/triple-error.js";
import type { HandlerContext } from "./server-context.js";
import type { ServerCallSettings } from "./server-settings.js";
import { serverResponseHeaders, serverStatusTrailers } from "./server-status.js";

// How a streamed call's response starts and ends, for the protocols whose status travels in the body
// rather than in HTTP trailers: Connect streaming (an end-stream envelope, flag 0x02, with the error
// and the trailers as JSON) and gRPC-Web (a trailer frame, flag 0x80, with HTTP/1-style trailer lines;
// `grpc-web-text` base64-encodes the whole body both ways). gRPC itself has no wire object: its
// `ServerCall` path is the default and stays as it was. Messages are the same 5-byte envelopes in all
// three, so the call classes are shared and only these few steps differ.

/** The per-call strategy of a body-status protocol (one object per call: grpc-web-text decodes with state). */
export interface ServerWire {
  /** `connect` or `grpc-web` (for logs and tests). */
  readonly protocol: "connect" | "grpc-web";
  /** The response headers: status 200, content type, encodings, and the handler's headers. */
  responseHeaders(ctx: HandlerContext, settings: ServerCallSettings): OutgoingHeaders;
  /** The last bytes of the body, which carry the status (`error` undefined: OK) and the trailers. */
  endFrame(ctx: HandlerContext | undefined, error: TripleError | undefined): Uint8Array;
  /** Transforms response bytes before they are written (base64 for grpc-web-text); identity otherwise. */
  encode(chunk: Uint8Array): Uint8Array;
  /** Transforms request bytes before they are parsed as envelopes; throws a TripleError on bad input. */
  decode(chunk: Uint8Array): Uint8Array;
  /** Checks the request body ended cleanly (grpc-web-text: not inside a base64 group). */
  decodeEnd(): void;
}

function identity(chunk: Uint8Array): Uint8Array {
  return chunk;
}

/**
 * The Connect streaming strategy (`application/connect+proto|json`). `dubbo`: the client is dubbo-js
 * (its "Triple" streams are Connect streams; it sends `tri-protocol-version`), whose end-stream reader
 * wants the error code as a number too.
 */
export function serverConnectWire(dubbo = false): ServerWire {
  return {
    protocol: "connect",
    responseHeaders(ctx, settings) {
      const headers: OutgoingHeaders = {};
      metadataToHttp2(ctx.peekResponseHeaders(), headers);
      headers[":status"] = 200;
      headers["content-type"] = settings.contentType;
      headers[connectHeaderAcceptEncoding] = settings.acceptEncoding;
      if (settings.responseCompression !== undefined) headers[connectHeaderContentEncoding] = settings.responseCompression.name;
      return headers;
    },
    endFrame(ctx, error) {
      return connectEndStreamEnvelope(error, ctx?.peekResponseTrailers(), dubbo);
    },
    encode: identity,
    decode: identity,
    decodeEnd: () => undefined,
  };
}

/** The gRPC-Web strategy (`application/grpc-web[+proto|+json]`, `text`: `application/grpc-web-text`). */
export function serverGrpcWebWire(text: boolean): ServerWire {
  const decoder = text ? new GrpcWebTextDecoder() : undefined;
  return {
    protocol: "grpc-web",
    // gRPC-Web's response headers are gRPC's (grpc-accept-encoding, grpc-encoding).
    responseHeaders: serverResponseHeaders,
    endFrame(ctx, error) {
      const trailers = ctx === undefined ? serverStatusTrailersBare(error) : serverStatusTrailers(ctx, error);
      const plain: Record<string, string> = {};
      for (const name of Object.keys(trailers)) plain[name] = String(trailers[name]);
      const frame = grpcWebTrailerFrame(plain);
      return text ? new TextEncoder().encode(grpcWebTextEncode(frame)) : frame;
    },
    encode: text ? (chunk) => new TextEncoder().encode(grpcWebTextEncode(chunk)) : identity,
    decode: decoder === undefined ? identity : (chunk) => decoder.push(chunk),
    decodeEnd: decoder === undefined ? () => undefined : () => decoder.end(),
  };
}

/** The status trailers of a call refused before it had a context (no handler trailers). */
function serverStatusTrailersBare(error: TripleError | undefined): OutgoingHeaders {
  const bare = { peekResponseTrailers: () => undefined } as unknown as HandlerContext;
  return serverStatusTrailers(bare, error);
}
