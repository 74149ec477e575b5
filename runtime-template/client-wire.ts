import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { ClientCallConfig } from "./client-options.js";
import { negotiateEncoding } from "./compression.js";
import { grpcStatusFromTrailers } from "./grpc-status.js";
import { grpcTimeoutEncode } from "./grpc-timeout.js";
import { metadataToHttp2, type MetadataInit } from "./metadata.js";
import { Code, codeFromHttpStatus } from "./status-code.js";
import { TripleError } from "./triple-error.js";

/**
 * The request HEADERS of a gRPC call: the client's and the call's metadata first, then the protocol
 * fields (which metadata can never override), deadline and Dubbo group/version.
 */
export function clientRequestHeaders(
  config: ClientCallConfig,
  path: string,
  callHeaders: MetadataInit | undefined,
  timeoutMs: number | undefined,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  metadataToHttp2(config.headers, headers);
  metadataToHttp2(callHeaders, headers);
  headers[":method"] = "POST";
  headers[":path"] = path;
  headers["content-type"] = config.codec === "json" ? "application/grpc+json" : "application/grpc+proto";
  headers["te"] = "trailers";
  headers["user-agent"] = config.userAgent ?? "tristub-node";
  headers["grpc-accept-encoding"] = "gzip";
  if (config.sendCompression === "gzip") headers["grpc-encoding"] = "gzip";
  if (timeoutMs !== undefined) headers["grpc-timeout"] = grpcTimeoutEncode(timeoutMs);
  if (config.group !== undefined && config.group !== "") headers["tri-service-group"] = config.group;
  if (config.version !== undefined && config.version !== "") headers["tri-service-version"] = config.version;
  return headers;
}

/** What the response HEADERS of a gRPC call decide, see {@link clientResponseHead}. */
export interface ClientResponseHead {
  /** The HEADERS end the stream and carry `grpc-status`: the whole response (status in `error`, undefined for OK). */
  readonly trailersOnly: boolean;
  /** The call's failure: the trailers-only status, or a non-gRPC answer (HTTP status, content type, encoding). */
  readonly error: TripleError | undefined;
  /** `grpc-encoding` of the response messages (undefined for identity). */
  readonly encoding: string | undefined;
}

/**
 * Reads the response HEADERS: a trailers-only status wins over everything; otherwise a non-200 HTTP
 * status maps to a code (gRPC's HTTP mapping), a non-gRPC content type is UNKNOWN and an unsupported
 * `grpc-encoding` INTERNAL. `metadata` builds the errors' metadata, only when there is an error.
 * Only HEADERS that end the stream (`endStream`) are trailers-only: a `grpc-status` in HEADERS that
 * a body or real trailers follow is ignored, as grpc-go does (the trailers decide).
 */
export function clientResponseHead(headers: IncomingHttpHeaders, metadata: () => Headers, endStream = true): ClientResponseHead {
  if (endStream && headers["grpc-status"] !== undefined) {
    return { trailersOnly: true, error: grpcStatusFromTrailers(headers, metadata), encoding: undefined };
  }
  const httpStatus = Number(headers[":status"]);
  let error: TripleError | undefined;
  if (httpStatus !== 200) {
    error = new TripleError(codeFromHttpStatus(httpStatus), `HTTP status ${httpStatus}`, { metadata: metadata() });
  } else if (!String(headers["content-type"] ?? "").startsWith("application/grpc")) {
    error = new TripleError(Code.UNKNOWN, `unexpected content-type ${String(headers["content-type"])}`, { metadata: metadata() });
  }
  const raw = headers["grpc-encoding"];
  let encoding = Array.isArray(raw) ? raw[0] : raw;
  if (encoding === "identity") encoding = undefined;
  if (error === undefined && encoding !== undefined && negotiateEncoding(encoding) === undefined) {
    error = new TripleError(Code.INTERNAL, `unsupported grpc-encoding ${encoding}`, { metadata: metadata() });
  }
  return { trailersOnly: false, error, encoding };
}

/**
 * The error for a malformed response body. The envelope and gzip code answers malformed input with
 * INVALID_ARGUMENT, right for a server reading a request; on the client the server is at fault: INTERNAL.
 */
export function clientResponseError(error: unknown): TripleError {
  if (!(error instanceof TripleError)) return new TripleError(Code.INTERNAL, String(error), { cause: error });
  if (error.code !== Code.INVALID_ARGUMENT) return error;
  return new TripleError(Code.INTERNAL, error.rawMessage, { cause: error.cause, metadata: error.metadata, details: error.details });
}
