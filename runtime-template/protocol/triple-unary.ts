import type { IncomingHeaders } from "./metadata.js";
import { base64Decode, base64Encode } from "../protobuf/base64.js";
import { Code } from "./status-code.js";
import { TripleError, type ErrorDetail } from "./triple-error.js";

// Triple-unary ("HTTP RPC"): a unary call as a plain POST with a bare message body. The Dubbo
// implementations disagree on header names and error bodies; these helpers speak all dialects.

/** Code names in Triple-unary JSON errors (dubbo-go and Connect spelling: `canceled`, one L). */
const tripleCodeNames: readonly string[] = [
  "ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
  "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
  "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
];

/** HTTP status of a Triple-unary error with `code` (the table dubbo-go and dubbo-js share). */
export function tripleCodeToHttp(code: number): number {
  switch (code) {
    case Code.CANCELLED:
    case Code.DEADLINE_EXCEEDED:
      return 408;
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
      return 400;
    case Code.NOT_FOUND:
    case Code.UNIMPLEMENTED:
      return 404;
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
      return 409;
    case Code.PERMISSION_DENIED:
      return 403;
    case Code.RESOURCE_EXHAUSTED:
      return 429;
    case Code.FAILED_PRECONDITION:
      return 412;
    case Code.UNAVAILABLE:
      return 503;
    case Code.UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

/** Code for a Triple-unary HTTP status when the body names none (dubbo-js's table). */
export function tripleHttpToCode(status: number): Code {
  switch (status) {
    case 400:
      return Code.INVALID_ARGUMENT;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 408:
      return Code.DEADLINE_EXCEEDED;
    case 409:
      return Code.ABORTED;
    case 412:
      return Code.FAILED_PRECONDITION;
    case 413:
    case 431:
      return Code.RESOURCE_EXHAUSTED;
    case 415:
      return Code.INTERNAL;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/**
 * The JSON error body tristub servers send: both `code` (dubbo-go reads the name) and `status`
 * (dubbo-js reads the number), plus `message` and `details` (Any, base64 without padding).
 */
export function tripleErrorBody(error: TripleError): string {
  const body: { code: string; status: number; message?: string; details?: { type: string; value: string }[] } = {
    code: tripleCodeNames[error.code] ?? "unknown",
    status: error.code,
  };
  if (error.rawMessage.length > 0) body.message = error.rawMessage;
  if (error.details.length > 0) {
    body.details = error.details.map((d) => ({
      type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1),
      value: base64Encode(d.value).replace(/=+$/, ""),
    }));
  }
  return JSON.stringify(body);
}

/**
 * Reads a Triple-unary error response in any of the three dialects: dubbo-go's `{"code":"not_found"}`,
 * dubbo-js's `{"status":5}`, dubbo-java's `{"status":"404","message":…}`; falls back to the HTTP status.
 */
export function tripleErrorFromBody(httpStatus: number, body: string, metadata: Headers): TripleError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const json = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  let code: number = tripleHttpToCode(httpStatus);
  const named = typeof json["code"] === "string" ? tripleCodeNames.indexOf(json["code"]) : -1;
  if (named > 0) code = named;
  else if (Number.isInteger(json["status"]) && (json["status"] as number) >= 1 && (json["status"] as number) <= 16) {
    code = json["status"] as number;
  }
  const message = typeof json["message"] === "string" ? json["message"] : `HTTP status ${httpStatus}`;
  const details: ErrorDetail[] = [];
  if (Array.isArray(json["details"])) {
    for (const d of json["details"] as unknown[]) {
      if (d === null || typeof d !== "object") continue;
      const detail = d as { type?: unknown; value?: unknown };
      if (typeof detail.type !== "string" || typeof detail.value !== "string") continue;
      try {
        details.push({ typeUrl: `type.googleapis.com/${detail.type}`, value: base64Decode(detail.value) });
      } catch {
        // An undecodable detail is dropped; the code and message still stand.
      }
    }
  }
  return new TripleError(code as Code, message, { metadata, details });
}

/** The codec a Triple-unary content type asks for (`application/proto`, `application/json[; charset=utf-8]`). */
export function tripleUnaryCodec(contentType: string | undefined): "proto" | "json" | undefined {
  const [base, ...params] = (contentType ?? "").toLowerCase().split(";").map((p) => p.trim());
  if (base === "application/proto" || base === "application/x-protobuf") return params.length === 0 ? "proto" : undefined;
  if (base === "application/json") {
    return params.every((p) => p === "charset=utf-8" || p === 'charset="utf-8"') ? "json" : undefined;
  }
  return undefined;
}

/**
 * The request timeout of a Triple-unary call in milliseconds: `triple-timeout-ms` (dubbo-go) or else
 * `tri-service-timeout` (dubbo-java, dubbo-js); 1–10 decimal digits, anything else INVALID_ARGUMENT.
 */
export function tripleTimeoutParse(headers: IncomingHeaders): number | undefined {
  const value = tripleHeader(headers["triple-timeout-ms"]) ?? tripleHeader(headers["tri-service-timeout"]);
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value)) throw new TripleError(Code.INVALID_ARGUMENT, `invalid timeout header ${JSON.stringify(value.slice(0, 32))}`);
  return Number(value);
}

/**
 * Validates the protocol-version headers: `triple-protocol-version` must be `0.1.0` (dubbo-go) and
 * `tri-protocol-version` must be `1.0.0` (dubbo-js) when present; both are optional.
 */
export function tripleCheckProtocolVersion(headers: IncomingHeaders): void {
  const goVersion = tripleHeader(headers["triple-protocol-version"]);
  if (goVersion !== undefined && goVersion !== "0.1.0") {
    throw new TripleError(Code.INVALID_ARGUMENT, `triple-protocol-version must be 0.1.0, got ${JSON.stringify(goVersion)}`);
  }
  const jsVersion = tripleHeader(headers["tri-protocol-version"]);
  if (jsVersion !== undefined && jsVersion !== "1.0.0" && jsVersion !== "1") {
    throw new TripleError(Code.INVALID_ARGUMENT, `tri-protocol-version must be 1.0.0, got ${JSON.stringify(jsVersion)}`);
  }
}

/** First value of a received header. */
export function tripleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Response-trailer prefix of Triple-unary: trailers travel as `trailer-<name>` headers. */
export const tripleTrailerPrefix = "trailer-";

/** Joins received body chunks into one array (no copy for a single chunk). */
export function tripleConcat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
