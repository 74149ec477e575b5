import { connectEndStreamEnvelope } from "../protocol/connect/connect-error.js";
import { connectHeaderAcceptEncoding, connectHeaderContentEncoding } from "../protocol/connect/connect-protocol.js";
import { grpcWebTrailerFrame } from "../protocol/grpc-web/grpcweb-protocol.js";
import { GrpcWebTextDecoder, grpcWebTextEncode } from "../protocol/grpc-web/grpcweb-text.js";
import type { OutgoingHeaders } from "../protocol/metadata.js";
import type { TripleError } from "../protocol/triple-error.js";
import type { HandlerContext } from "./server-context.js";
import { serverGrpcEncodingHeaders, type ServerCallSettings, type ServerEncodingHeaders } from "./server-settings.js";
import { serverResponseHeaders, serverStatusTrailers } from "./server-status.js";

// How a streamed call's response starts and ends, for the protocols whose status travels in the body
// rather than in HTTP trailers: Connect streaming (an end-stream envelope, flag 0x02, with the error
// and the trailers as JSON) and gRPC-Web (a trailer frame, flag 0x80, with HTTP/1-style trailer lines;
// `grpc-web-text` base64-encodes the whole body both ways). gRPC itself has no wire object: its
// `ServerCall` path is the default and stays as it was. Messages are the same 5-byte envelopes in all
// three, so the call classes are shared and only these few steps differ.

/**
 * How a body-status protocol starts and ends a call. Stateless strategies are shared by every call
 * (Connect, binary gRPC-Web); grpc-web-text gets one per call, as its decoder keeps state.
 */
export interface ServerWire {
  /** The header names of the message encodings, in requests and responses alike. */
  readonly encodingHeaders: ServerEncodingHeaders;
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

/** Connect streaming's encoding headers (Connect unary uses HTTP's `content-encoding` instead). */
export const serverConnectEncodingHeaders: ServerEncodingHeaders = { content: connectHeaderContentEncoding, accept: connectHeaderAcceptEncoding };

/** `encode`/`decode` of the wires that send and read envelopes as they are. */
function identity(chunk: Uint8Array): Uint8Array {
  return chunk;
}

/** `decodeEnd` of the wires whose request bytes are the envelopes themselves: nothing to check. */
function nothing(): void {
  // no state, nothing left over
}

function serverConnectWireCreate(dubbo: boolean): ServerWire {
  return {
    encodingHeaders: serverConnectEncodingHeaders,
    responseHeaders: (ctx, settings) => serverResponseHeaders(ctx, settings, serverConnectEncodingHeaders),
    endFrame: (ctx, error) => connectEndStreamEnvelope(error, ctx?.peekResponseTrailers(), dubbo),
    encode: identity,
    decode: identity,
    decodeEnd: nothing,
  };
}

const serverConnectWirePlain = serverConnectWireCreate(false);
const serverConnectWireDubbo = serverConnectWireCreate(true);

/**
 * The Connect streaming strategy (`application/connect+proto|json`), shared by every call. `dubbo`: the
 * client is dubbo-js (its "Triple" streams are Connect streams; it sends `tri-protocol-version`), whose
 * end-stream reader wants the error code as a number too.
 */
export function serverConnectWire(dubbo = false): ServerWire {
  return dubbo ? serverConnectWireDubbo : serverConnectWirePlain;
}

const serverWireTextEncoder = new TextEncoder();

/** The gRPC-Web trailer frame of a call's status (gRPC's trailers as HTTP/1-style lines, flag 0x80). */
function serverGrpcWebEndFrame(ctx: HandlerContext | undefined, error: TripleError | undefined): Uint8Array {
  const trailers = serverStatusTrailers(ctx, error);
  const plain: Record<string, string> = {};
  for (const name of Object.keys(trailers)) plain[name] = String(trailers[name]);
  return grpcWebTrailerFrame(plain);
}

/** Binary gRPC-Web: stateless, one object for every call. */
const serverGrpcWebWireBinary: ServerWire = {
  encodingHeaders: serverGrpcEncodingHeaders,
  // gRPC-Web's response headers are gRPC's (grpc-accept-encoding, grpc-encoding).
  responseHeaders: serverResponseHeaders,
  endFrame: serverGrpcWebEndFrame,
  encode: identity,
  decode: identity,
  decodeEnd: nothing,
};

/**
 * The gRPC-Web strategy (`application/grpc-web[+proto|+json]`; `text`: `application/grpc-web-text`,
 * base64 both ways, a new object per call for its decoder's state).
 */
export function serverGrpcWebWire(text: boolean): ServerWire {
  if (!text) return serverGrpcWebWireBinary;
  const decoder = new GrpcWebTextDecoder();
  return {
    encodingHeaders: serverGrpcEncodingHeaders,
    responseHeaders: serverResponseHeaders,
    endFrame: (ctx, error) => serverWireTextEncoder.encode(grpcWebTextEncode(serverGrpcWebEndFrame(ctx, error))),
    encode: (chunk) => serverWireTextEncoder.encode(grpcWebTextEncode(chunk)),
    decode: (chunk) => decoder.push(chunk),
    decodeEnd: () => decoder.end(),
  };
}
