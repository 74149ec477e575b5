import type { IncomingHeaders } from "./metadata.js";
import { connectErrorBodyParse, connectErrorJsonFill, connectDetailsFromJson } from "./connect/connect-error.js";
import { connectCodeFromName, connectCodeToHttpStatus, connectCodeToName } from "./connect/connect-protocol.js";
import { Code } from "./status-code.js";
import { TripleError } from "./triple-error.js";

// Triple-unary ("HTTP RPC"): a unary call as a plain POST with a bare message body. The Dubbo
// implementations disagree on header names and error bodies; these helpers speak all dialects.

/**
 * HTTP status of a Triple-unary error with `code`: the table dubbo-go and dubbo-js share, which is
 * Connect's before its 2024 revision — these four rows, then Connect's table (`connectCodeToHttpStatus`)
 * for the rest, which the revision left alone.
 */
export function tripleCodeToHttp(code: number): number {
  switch (code) {
    case Code.CANCELLED: // Connect since 2024: 499
    case Code.DEADLINE_EXCEEDED: // 504
      return 408;
    case Code.FAILED_PRECONDITION: // 400
      return 412;
    case Code.UNIMPLEMENTED: // 501
      return 404;
    default:
      return connectCodeToHttpStatus(code);
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
 * The JSON error body tristub servers send: Connect's error JSON (`code` by name — dubbo-go reads it —,
 * `message`, `details`) plus the code as a number, `status`, right after the name (dubbo-js reads it).
 */
export function tripleErrorBody(error: TripleError): string {
  // dubbo-go names code 0 `ok`; Connect has no name for it (it is no error) and says `unknown`.
  const code = error.code === Code.OK ? "ok" : connectCodeToName(error.code);
  return JSON.stringify(connectErrorJsonFill({ code, status: error.code }, error));
}

/**
 * Reads a Triple-unary error response in any of the three dialects: dubbo-go's `{"code":"not_found"}`,
 * dubbo-js's `{"status":5}`, dubbo-java's `{"status":"404","message":…}`; falls back to the HTTP status.
 * Details are read as Connect's (dubbo-go and dubbo-js write them so).
 */
export function tripleErrorFromBody(httpStatus: number, body: string, metadata: Headers): TripleError {
  const parsed = connectErrorBodyParse(body);
  const json = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  const status = json["status"];
  const code =
    (typeof json["code"] === "string" ? connectCodeFromName(json["code"]) : undefined) ??
    (Number.isInteger(status) && (status as number) >= 1 && (status as number) <= 16 ? (status as Code) : tripleHttpToCode(httpStatus));
  const message = typeof json["message"] === "string" ? json["message"] : `HTTP status ${httpStatus}`;
  return new TripleError(code, message, { metadata, details: connectDetailsFromJson(json["details"]) });
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
