import { Code, codeFromHttpStatus } from "../status-code.js";
import { TripleError } from "../triple-error.js";

// The Connect protocol's HTTP-level vocabulary (https://connectrpc.com/docs/protocol): content types,
// the header names, `connect-timeout-ms`, and the mapping between codes, their names and HTTP statuses.
// Pure (no node:*), shared by the Connect server and client paths.

/** The only `connect-protocol-version` value (sent by clients on unary requests). */
export const connectProtocolVersion = "1";
/** Connect request/response header names (lower-case, as HTTP/2 carries them). */
export const connectHeaderProtocolVersion = "connect-protocol-version";
export const connectHeaderTimeout = "connect-timeout-ms";
/** Streaming calls: per-message compression and what the peer accepts (unary uses content-/accept-encoding). */
export const connectHeaderContentEncoding = "connect-content-encoding";
export const connectHeaderAcceptEncoding = "connect-accept-encoding";
/** Unary responses carry trailers as headers with this prefix. */
export const connectTrailerPrefix = "trailer-";

/** Connect's code names, indexed by code (`canceled` with one L, as the spec spells it). */
export const connectCodeNames: readonly string[] = [
  "",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/** The Connect name of an error code; `unknown` for OK and numbers outside 1..16 (they are not errors). */
export function connectCodeToName(code: number): string {
  return (code >= 1 && code <= 16 ? connectCodeNames[code] : undefined) ?? "unknown";
}

/** The code a Connect name stands for, or undefined for anything else (including `ok` and wrong case). */
export function connectCodeFromName(name: string): Code | undefined {
  const index = connectCodeNames.indexOf(name);
  return index >= 1 ? (index as Code) : undefined;
}

/** The HTTP status of a Connect unary error response with this code (the spec's table, 2024 revision). */
export function connectCodeToHttpStatus(code: number): number {
  switch (code) {
    case Code.CANCELLED:
      return 499;
    case Code.INVALID_ARGUMENT:
    case Code.FAILED_PRECONDITION:
    case Code.OUT_OF_RANGE:
      return 400;
    case Code.DEADLINE_EXCEEDED:
      return 504;
    case Code.NOT_FOUND:
      return 404;
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
      return 409;
    case Code.PERMISSION_DENIED:
      return 403;
    case Code.RESOURCE_EXHAUSTED:
      return 429;
    case Code.UNIMPLEMENTED:
      return 501;
    case Code.UNAVAILABLE:
      return 503;
    case Code.UNAUTHENTICATED:
      return 401;
    default:
      return 500; // unknown, internal, data_loss, and anything out of range
  }
}

/**
 * The code of a Connect response whose body holds no Connect error (a proxy answered): the spec uses
 * gRPC's HTTP mapping (400 internal, 401, 403, 404 unimplemented, 429/502/503/504 unavailable, else unknown).
 */
export function connectHttpStatusToCode(status: number): Code {
  return codeFromHttpStatus(status);
}

/** What a Connect content type says: streaming (`application/connect+…`) or unary, and the codec. */
export interface ConnectContentType {
  readonly stream: boolean;
  readonly codec: "proto" | "json";
}

/**
 * Parses a Connect content type: `application/proto`, `application/json` (unary) or
 * `application/connect+proto`, `application/connect+json` (streaming), case-insensitive; JSON may carry
 * `charset=utf-8`, no other parameter is allowed. Undefined for anything else (gRPC, gRPC-Web, unknown
 * codecs, other charsets): not Connect.
 */
export function connectParseContentType(value: string | undefined): ConnectContentType | undefined {
  if (value === undefined) return undefined;
  const [rawBase, ...params] = value.split(";");
  const base = (rawBase ?? "").trim().toLowerCase();
  const stream = base.startsWith("application/connect+");
  const codec = stream ? base.slice("application/connect+".length) : base.startsWith("application/") ? base.slice("application/".length) : "";
  if (codec !== "proto" && codec !== "json") return undefined;
  // As connect-go and connect-es: JSON may say `charset=utf-8`; nothing else takes parameters.
  for (const param of params) {
    const [name, ...rest] = param.split("=");
    const charset = rest.join("=").trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    if (codec !== "json" || (name ?? "").trim().toLowerCase() !== "charset" || (charset !== "utf-8" && charset !== "utf8")) return undefined;
  }
  return { stream, codec };
}

/** The content type of a Connect request or response. */
export function connectContentType(stream: boolean, codec: "proto" | "json"): string {
  return stream ? `application/connect+${codec}` : `application/${codec}`;
}

/** The largest `connect-timeout-ms` the spec allows: 10 digits. */
const connectTimeoutMaxMs = 9_999_999_999;

/**
 * Reads `connect-timeout-ms`: undefined when absent, else a positive decimal of at most 10 digits
 * (milliseconds). Anything else throws INVALID_ARGUMENT, in the caller's protocol shape.
 */
export function connectTimeoutParse(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) {
    throw new TripleError(Code.INVALID_ARGUMENT, `protocol error: invalid ${connectHeaderTimeout} ${JSON.stringify(text.slice(0, 32))}: want 1 to 10 digits`);
  }
  return Number(text);
}

/** Writes a timeout for `connect-timeout-ms`: whole milliseconds (rounded up, at least 1), capped at 10 digits. */
export function connectTimeoutEncode(timeoutMs: number): string {
  if (!(timeoutMs > 0)) return "1";
  return String(Math.min(connectTimeoutMaxMs, Math.ceil(timeoutMs)));
}
