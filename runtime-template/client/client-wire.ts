import type { ClientConfig } from "./client-options.js";
import type { Compressor, CompressorTable } from "../protocol/compression.js";
import { grpcStatusFromTrailers } from "../protocol/grpc-status.js";
import { grpcTimeoutEncode } from "../protocol/grpc-timeout.js";
import { metadataToHttp2, type IncomingHeaders, type MetadataInit, type OutgoingHeaders } from "../protocol/metadata.js";
import { Code, codeFromHttpStatus } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

/**
 * The request HEADERS of a gRPC call: the client's and the call's metadata first, then the protocol
 * fields (which metadata can never override), deadline and Dubbo group/version.
 */
export function clientRequestHeaders(
  config: ClientConfig,
  path: string,
  callHeaders: MetadataInit | undefined,
  timeoutMs: number | undefined,
): OutgoingHeaders {
  const headers: OutgoingHeaders = {};
  metadataToHttp2(config.headers, headers);
  metadataToHttp2(callHeaders, headers);
  headers[":method"] = "POST";
  headers[":path"] = config.pathPrefix + path;
  headers["content-type"] = config.codec === "json" ? "application/grpc+json" : "application/grpc+proto";
  headers["te"] = "trailers";
  headers["user-agent"] = config.userAgent;
  headers["grpc-accept-encoding"] = config.acceptEncoding;
  if (config.requestCompression !== undefined) headers["grpc-encoding"] = config.requestCompression.name;
  if (timeoutMs !== undefined) headers["grpc-timeout"] = grpcTimeoutEncode(timeoutMs);
  dubboServiceHeaders(config, headers);
  return headers;
}

/** Dubbo service isolation: the client's group and version as `tri-service-group` / `tri-service-version`. */
export function dubboServiceHeaders(config: ClientConfig, headers: OutgoingHeaders): void {
  if (config.group !== "") headers["tri-service-group"] = config.group;
  if (config.version !== "") headers["tri-service-version"] = config.version;
}

/** What the response HEADERS of a gRPC call decide, see {@link clientResponseHead}. */
export interface ClientResponseHead {
  /** The HEADERS end the stream and carry `grpc-status`: the whole response (status in `error`, undefined for OK). */
  readonly trailersOnly: boolean;
  /** The call's failure: the trailers-only status, or a non-gRPC answer (HTTP status, content type, encoding). */
  readonly error: TripleError | undefined;
  /** The compression of the response messages (`grpc-encoding`; undefined for identity). */
  readonly compression: Compressor | undefined;
}

/**
 * Reads the response HEADERS: a trailers-only status wins over everything; otherwise a non-200 HTTP
 * status maps to a code (gRPC's HTTP mapping), a non-gRPC content type is UNKNOWN and an unsupported
 * `grpc-encoding` INTERNAL. `metadata` builds the errors' metadata, only when there is an error.
 * Only HEADERS that end the stream (`endStream`) are trailers-only: a `grpc-status` in HEADERS that
 * a body or real trailers follow is ignored, as grpc-go does (the trailers decide).
 */
export function clientResponseHead(headers: IncomingHeaders, compressions: CompressorTable, metadata: () => Headers, endStream = true): ClientResponseHead {
  if (endStream && headers["grpc-status"] !== undefined) {
    return { trailersOnly: true, error: grpcStatusFromTrailers(headers, metadata), compression: undefined };
  }
  const httpStatus = Number(headers[":status"]);
  let error: TripleError | undefined;
  if (httpStatus !== 200) {
    error = new TripleError(codeFromHttpStatus(httpStatus), `HTTP status ${httpStatus}`, { metadata: metadata() });
  } else if (!String(headers["content-type"] ?? "").startsWith("application/grpc")) {
    error = new TripleError(Code.UNKNOWN, `unexpected content-type ${String(headers["content-type"])}`, { metadata: metadata() });
  }
  const raw = headers["grpc-encoding"];
  const encoding = Array.isArray(raw) ? raw[0] : raw;
  const compression = encoding === undefined || encoding === "identity" ? undefined : compressions.get(encoding);
  if (error === undefined && encoding !== undefined && encoding !== "identity" && compression === undefined) {
    error = new TripleError(Code.INTERNAL, `unsupported grpc-encoding ${encoding}`, { metadata: metadata() });
  }
  return { trailersOnly: false, error, compression };
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
