import type { PlainHttpResponse } from "./client-transport.js";
import { connectErrorFromJson } from "../protocol/connect/connect-error.js";
import { connectGetQueryEncode } from "../protocol/connect/connect-get.js";
import { connectHeaderProtocolVersion, connectHeaderTimeout, connectProtocolVersion, connectTimeoutEncode } from "../protocol/connect/connect-protocol.js";
import type { OutgoingHeaders } from "../protocol/metadata.js";
import { Code, codeFromHttpStatus } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import { tripleErrorFromBody } from "../protocol/triple-unary.js";

// The Connect-specific parts of a unary call (client-triple-unary.ts sends it): request headers, the
// GET form for NO_SIDE_EFFECTS methods, and how the response is judged (connect-go's client rules).

/** Adds Connect's unary request headers: the protocol version and `connect-timeout-ms`. */
export function connectUnaryHeaders(headers: OutgoingHeaders, timeoutMs: number | undefined): void {
  headers[connectHeaderProtocolVersion] = connectProtocolVersion;
  if (timeoutMs !== undefined) headers[connectHeaderTimeout] = connectTimeoutEncode(timeoutMs);
}

/**
 * Turns a unary POST into a Connect GET: the message (already compressed, if `content-encoding` is set)
 * goes into the query of `path`; the body headers are dropped. Returns the path with its query, or
 * undefined (headers untouched: the call stays a POST) when that would be longer than `maxBytes`.
 */
export function connectGetPath(path: string, headers: OutgoingHeaders, body: Uint8Array, json: boolean, maxBytes: number): string | undefined {
  const compression = headers["content-encoding"];
  const query = connectGetQueryEncode({ codec: json ? "json" : "proto", message: body, compression: compression === undefined ? undefined : String(compression) });
  // The target is ASCII (the path comes from a URL, the query is base64url or percent-encoded): one byte a character.
  if (path.length + 1 + query.length > maxBytes) return undefined;
  delete headers["content-type"];
  delete headers["content-encoding"];
  delete headers[connectHeaderProtocolVersion];
  return `${path}?${query}`;
}

/**
 * Judges a Connect unary response (its `payload` already decompressed), throwing the call's error: a
 * non-200 status is the JSON error in the body when the body is JSON (else, as for a proxy's page, the
 * HTTP status mapped to a code); a 200 must carry the request's codec (`application/<codec>`: another
 * `application/*` is INTERNAL, anything else UNKNOWN).
 */
export function connectUnaryCheck(response: PlainHttpResponse, json: boolean, payload: Uint8Array, metadata: () => Headers): void {
  const raw = response.headers["content-type"];
  const contentType = ((Array.isArray(raw) ? raw[0] : raw) ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (response.status !== 200) {
    if (contentType === "application/json") throw connectUnaryError(response.status, payload, metadata());
    throw new TripleError(codeFromHttpStatus(response.status), `HTTP status ${response.status}`, { metadata: metadata() });
  }
  const want = json ? "application/json" : "application/proto";
  if (contentType === want) return;
  const code = contentType.startsWith("application/") ? Code.INTERNAL : Code.UNKNOWN;
  throw new TripleError(code, `unexpected content-type ${JSON.stringify(contentType)}: want ${want}`, { metadata: metadata() });
}

/**
 * A Connect unary error body: the JSON error; without a valid code (missing, null, unknown name), the
 * HTTP status's code with the body's message (as connect-go reads it), or dubbo-js's numeric `status`;
 * not JSON at all: the HTTP status.
 */
function connectUnaryError(httpStatus: number, payload: Uint8Array, metadata: Headers): TripleError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    parsed = undefined;
  }
  const error = connectErrorFromJson(parsed, metadata);
  if (error !== undefined) return error;
  // dubbo-js's Triple (its Connect) writes the code as a number: `{"status":3,"message":…}`.
  const status = parsed !== null && typeof parsed === "object" ? (parsed as { status?: unknown }).status : undefined;
  if (typeof status === "number" && Number.isInteger(status) && status >= 1 && status <= 16) {
    return tripleErrorFromBody(httpStatus, new TextDecoder().decode(payload), metadata);
  }
  const message = parsed !== null && typeof parsed === "object" ? (parsed as { message?: unknown }).message : undefined;
  return new TripleError(codeFromHttpStatus(httpStatus), typeof message === "string" ? message : `HTTP status ${httpStatus}`, { metadata });
}
