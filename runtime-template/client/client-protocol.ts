import type { ClientConfig } from "./client-options.js";
import { clientRequestHeaders, clientResponseHead, dubboServiceHeaders, type ClientResponseHead } from "./client-wire.js";
import type { CompressorTable } from "../protocol/compression.js";
import { connectEndStreamParse, connectFlagEndStream } from "../protocol/connect/connect-error.js";
import {
  connectContentType,
  connectHeaderAcceptEncoding,
  connectHeaderContentEncoding,
  connectHeaderProtocolVersion,
  connectHeaderTimeout,
  connectProtocolVersion,
  connectTimeoutEncode,
} from "../protocol/connect/connect-protocol.js";
import { grpcStatusFromTrailers } from "../protocol/grpc-status.js";
import { grpcWebFlagTrailers, grpcWebTrailersParse } from "../protocol/grpc-web/grpcweb-protocol.js";
import { grpcWebTextEncode } from "../protocol/grpc-web/grpcweb-text.js";
import { metadataToHttp2, type IncomingHeaders, type MetadataInit, type OutgoingHeaders } from "../protocol/metadata.js";
import { Code, codeFromHttpStatus } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

// The per-protocol part of a streaming client call (client-call.ts drives every protocol the same way):
// the request HEADERS, what the response HEADERS decide, and how the response ends — gRPC's HTTP
// trailers, Connect's end-stream envelope (flag 0x02, JSON error and trailers), gRPC-Web's trailer
// frame (flag 0x80, an HTTP/1 header block).

/** What the body's last envelope says: the call's error (undefined: OK) and its trailers. */
export interface ClientWireEnd {
  readonly error: TripleError | undefined;
  readonly trailers: IncomingHeaders;
}

/** One wire protocol of streaming client calls; see {@link clientWireFor}. */
export interface ClientWire {
  /** The envelope flag that marks the body's last envelope (status and trailers); 0 for gRPC (HTTP trailers). */
  readonly endFlag: number;
  /** The request HEADERS: metadata first, then the protocol's fields (metadata never overrides them). */
  requestHeaders(config: ClientConfig, path: string, callHeaders: MetadataInit | undefined, timeoutMs: number | undefined): OutgoingHeaders;
  /** Reads the response HEADERS (see `clientResponseHead`). */
  responseHead(headers: IncomingHeaders, config: ClientConfig, metadata: () => Headers, endStream: boolean): ClientResponseHead;
  /** Reads the end envelope's payload (decompressed); `metadata` builds the error metadata (headers + trailers). */
  readEnd(payload: Uint8Array, metadata: (trailers: IncomingHeaders) => Headers): ClientWireEnd;
  /** The error of a response that ended without its status. */
  readonly missingEnd: string;
  /**
   * Whether a `grpc-status` in response HEADERS that do not end the stream still counts when the body
   * turns out empty (gRPC-Web trailers-only over HTTP/1.1, where no END_STREAM flag tells).
   */
  readonly statusInHeaders: boolean;
}

/** The gRPC wire: status in HTTP trailers (or a trailers-only HEADERS). */
const grpcWire: ClientWire = {
  endFlag: 0,
  requestHeaders: clientRequestHeaders,
  responseHead: (headers, config, metadata, endStream) => clientResponseHead(headers, config.transport.compressions, metadata, endStream),
  readEnd: () => {
    throw new TripleError(Code.INTERNAL, "protocol error: invalid envelope flags");
  },
  missingEnd: "protocol error: missing grpc-status trailer",
  statusInHeaders: false,
};

/** `Headers` as the record shape of received header blocks (repeated names as arrays). */
export function clientHeadersRecord(headers: Headers): IncomingHeaders {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    const previous = out[name];
    out[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  });
  return out;
}

/**
 * Checks the response HEADERS of a Connect stream or a gRPC-Web call, as connect-go does: a non-200
 * status maps to a code (gRPC's HTTP mapping), a foreign content type is UNKNOWN, the right protocol
 * with another codec INTERNAL, an encoding the client lacks INTERNAL.
 */
function clientCheckHead(
  headers: IncomingHeaders,
  compressions: CompressorTable,
  metadata: () => Headers,
  prefix: string,
  expected: string,
  encodingHeader: string,
): ClientResponseHead {
  const httpStatus = Number(headers[":status"]);
  const first = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const contentType = (first("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const encoding = first(encodingHeader)?.toLowerCase();
  const compression = encoding === undefined || encoding === "identity" ? undefined : compressions.get(encoding);
  // `application/grpc-web` alone means proto.
  const bare = prefix.slice(0, -1);
  let error: TripleError | undefined;
  if (httpStatus !== 200) error = new TripleError(codeFromHttpStatus(httpStatus), `HTTP status ${httpStatus}`, { metadata: metadata() });
  else if (contentType !== bare && !contentType.startsWith(prefix)) {
    error = new TripleError(Code.UNKNOWN, `unexpected content-type ${JSON.stringify(contentType)}`, { metadata: metadata() });
  } else if (contentType !== expected && !(contentType === bare && expected === `${bare}+proto`)) {
    error = new TripleError(Code.INTERNAL, `unexpected content-type ${JSON.stringify(contentType)}: want ${expected}`, { metadata: metadata() });
  } else if (encoding !== undefined && encoding !== "identity" && compression === undefined) {
    error = new TripleError(Code.INTERNAL, `unsupported ${encodingHeader} ${encoding}`, { metadata: metadata() });
  }
  return { trailersOnly: false, error, compression };
}

/** Connect streaming (`application/connect+proto|json`): the status is the end-stream envelope (0x02). */
const connectWire: ClientWire = {
  endFlag: connectFlagEndStream,
  requestHeaders(config, path, callHeaders, timeoutMs) {
    const headers: OutgoingHeaders = {};
    metadataToHttp2(config.headers, headers);
    metadataToHttp2(callHeaders, headers);
    headers[":method"] = "POST";
    headers[":path"] = config.pathPrefix + path;
    headers["content-type"] = connectContentType(true, config.codec);
    headers[connectHeaderProtocolVersion] = connectProtocolVersion;
    headers["user-agent"] = config.userAgent;
    headers[connectHeaderAcceptEncoding] = config.acceptEncoding;
    if (config.requestCompression !== undefined) headers[connectHeaderContentEncoding] = config.requestCompression.name;
    if (timeoutMs !== undefined) headers[connectHeaderTimeout] = connectTimeoutEncode(timeoutMs);
    dubboServiceHeaders(config, headers);
    return headers;
  },
  responseHead: (headers, config, metadata) =>
    clientCheckHead(headers, config.transport.compressions, metadata, "application/connect+", connectContentType(true, config.codec), connectHeaderContentEncoding),
  readEnd(payload, metadata) {
    const end = connectEndStreamParse(payload);
    const trailers = clientHeadersRecord(end.trailers);
    let error = end.error;
    if (error === undefined) return { error, trailers };
    if (error.code === Code.UNKNOWN) error = connectDubboError(payload, error);
    // As with gRPC, the error carries the metadata of the whole response: headers and trailers.
    return { error: new TripleError(error.code as Code, error.rawMessage, { metadata: metadata(trailers), details: error.details }), trailers };
  },
  missingEnd: "protocol error: missing end-stream message",
  statusInHeaders: false,
};

/**
 * dubbo-js's Triple (its Connect) writes the end-stream error's code as a number,
 * `{"error":{"status":3,…}}`, which reads as UNKNOWN: take the number (1–16) instead.
 */
function connectDubboError(payload: Uint8Array, error: TripleError): TripleError {
  const parsed = JSON.parse(new TextDecoder().decode(payload)) as { error?: { status?: unknown } };
  const status = parsed.error?.status;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 1 || status > 16) return error;
  return new TripleError(status as Code, error.rawMessage, { metadata: error.metadata, details: error.details });
}

/** gRPC-Web (`application/grpc-web+proto|json`): the status is the trailer frame (0x80), or trailers-only HEADERS. */
const grpcWebWire: ClientWire = {
  endFlag: grpcWebFlagTrailers,
  requestHeaders(config, path, callHeaders, timeoutMs) {
    const headers = clientRequestHeaders(config, path, callHeaders, timeoutMs);
    headers["content-type"] = `application/grpc-web+${config.codec}`;
    headers["x-grpc-web"] = "1";
    delete headers["te"];
    return headers;
  },
  responseHead(headers, config, metadata, endStream) {
    // Trailers-only: the status in HEADERS that end the stream. Otherwise the body decides (a status
    // in the HEADERS counts only if no trailer frame follows: see `statusInHeaders`).
    if (endStream && headers["grpc-status"] !== undefined) {
      return { trailersOnly: true, error: grpcStatusFromTrailers(headers, metadata), compression: undefined };
    }
    return clientCheckHead(headers, config.transport.compressions, metadata, "application/grpc-web+", `application/grpc-web+${config.codec}`, "grpc-encoding");
  },
  readEnd(payload, metadata) {
    const trailers = clientHeadersRecord(grpcWebTrailersParse(payload));
    return { error: grpcStatusFromTrailers(trailers, () => metadata(trailers)), trailers };
  },
  missingEnd: "protocol error: missing gRPC-Web trailers",
  statusInHeaders: true,
};

/** gRPC-Web text (`application/grpc-web-text+proto`): gRPC-Web with the body as base64 (see ClientCall). */
const grpcWebTextWire: ClientWire = {
  ...grpcWebWire,
  requestHeaders(config, path, callHeaders, timeoutMs) {
    const headers = grpcWebWire.requestHeaders(config, path, callHeaders, timeoutMs);
    headers["content-type"] = "application/grpc-web-text+proto";
    return headers;
  },
  responseHead(headers, config, metadata, endStream) {
    if (endStream && headers["grpc-status"] !== undefined) return grpcWebWire.responseHead(headers, config, metadata, endStream);
    return clientCheckHead(headers, config.transport.compressions, metadata, "application/grpc-web-text+", "application/grpc-web-text+proto", "grpc-encoding");
  },
};

/** The wire of a client's streaming calls (Triple streams are gRPC). */
export function clientWireFor(protocol: "grpc" | "grpc-web" | "connect" | "triple", text = false): ClientWire {
  return protocol === "connect" ? connectWire : protocol === "grpc-web" ? (text ? grpcWebTextWire : grpcWebWire) : grpcWire;
}

/** One write of a grpc-web-text request body: the chunk as base64 (each write stands alone, padded). */
export function clientWebTextChunk(chunk: Uint8Array): Uint8Array {
  return new TextEncoder().encode(grpcWebTextEncode(chunk));
}
