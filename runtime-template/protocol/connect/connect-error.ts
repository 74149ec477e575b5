import { connectCodeFromName, connectCodeToName, connectHttpStatusToCode } from "./connect-protocol.js";
import { base64Decode, base64Encode } from "../../protobuf/base64.js";
import { Code } from "../status-code.js";
import { TripleError, type ErrorDetail } from "../triple-error.js";

// Connect errors as JSON (https://connectrpc.com/docs/protocol#error-end-stream): the body of a unary
// error response, and the `error` of a streaming response's end-stream message, whose `metadata` holds
// the trailers. Pure (no node:*).

/** Envelope flag of a compressed Connect message (as in gRPC). */
export const connectFlagCompressed = 0x01;
/** Envelope flag of the end-stream message that ends every Connect streaming response. */
export const connectFlagEndStream = 0x02;

/** A Connect error as JSON: `details` are Any with the bare type name and unpadded base64 bytes. */
export interface ConnectErrorJson {
  code: string;
  message?: string;
  details?: { type: string; value: string }[];
}

/** The JSON form of `error` (code name, message when not empty, details). */
export function connectErrorToJson(error: TripleError): ConnectErrorJson {
  return connectErrorJsonFill({ code: connectCodeToName(error.code) }, error);
}

/**
 * Adds what follows the code in every Connect-style error body to `json`: `message` when not empty,
 * `details` as Any with the bare type name and unpadded base64. `json` holds the dialect's code
 * fields (Connect's `code`; Triple-unary's `code` and numeric `status`), which come first in the text.
 */
export function connectErrorJsonFill<T extends ConnectErrorJson>(json: T, error: TripleError): T {
  if (error.rawMessage.length > 0) json.message = error.rawMessage;
  if (error.details.length > 0) {
    json.details = error.details.map((detail) => ({
      type: detail.typeUrl.slice(detail.typeUrl.lastIndexOf("/") + 1),
      value: base64Encode(detail.value).replace(/=+$/, ""),
    }));
  }
  return json;
}

/** The JSON value of an error response body, or undefined when the body is not JSON (a proxy's page). */
export function connectErrorBodyParse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Reads the details of a Connect error: entries with a string `type` and base64 `value` (padded or
 * not, standard or URL-safe) become `type.googleapis.com/<type>` Any; malformed entries are dropped
 * (the code and message still stand, as connect-go and connect-es do).
 */
export function connectDetailsFromJson(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  const details: ErrorDetail[] = [];
  for (const entry of value as unknown[]) {
    if (entry === null || typeof entry !== "object") continue;
    const { type, value: bytes } = entry as { type?: unknown; value?: unknown };
    if (typeof type !== "string" || type.length === 0 || typeof bytes !== "string") continue;
    try {
      details.push({ typeUrl: type.includes("/") ? type : `type.googleapis.com/${type}`, value: base64Decode(bytes) });
    } catch {
      // undecodable base64: dropped
    }
  }
  return details;
}

/**
 * Builds a TripleError from a parsed Connect error JSON value; undefined when `json` is not an object
 * with a valid code name (the caller then falls back to the HTTP status). A missing message is empty.
 */
export function connectErrorFromJson(json: unknown, metadata?: Headers): TripleError | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const fields = json as Record<string, unknown>;
  const code = typeof fields["code"] === "string" ? connectCodeFromName(fields["code"]) : undefined;
  if (code === undefined) return undefined;
  const message = typeof fields["message"] === "string" ? fields["message"] : "";
  return new TripleError(code, message, { details: connectDetailsFromJson(fields["details"]), ...(metadata !== undefined ? { metadata } : {}) });
}

/** The body of a Connect unary error response (`application/json`). */
export function connectErrorBody(error: TripleError): string {
  return JSON.stringify(connectErrorToJson(error));
}

/**
 * Reads a Connect unary error response: the JSON error in the body, or (a proxy's page, an empty or
 * malformed body) the HTTP status mapped to a code with "HTTP status N" as the message.
 */
export function connectErrorFromBody(httpStatus: number, body: string, metadata: Headers): TripleError {
  return connectErrorFromJson(connectErrorBodyParse(body), metadata) ?? new TripleError(connectHttpStatusToCode(httpStatus), `HTTP status ${httpStatus}`, { metadata });
}

/** What a Connect end-stream message says: the call's error (undefined: OK) and its trailers. */
export interface ConnectEndStream {
  readonly error: TripleError | undefined;
  readonly trailers: Headers;
}

/**
 * Encodes an end-stream message body: `{"error":{…},"metadata":{"name":["value"]}}`, each part only when
 * present. The error's own metadata is sent with the trailers (as gRPC sends it in its trailers).
 * `numericStatus` adds the code as a number (`"status":5`) for dubbo-js Triple clients.
 */
export function connectEndStreamEncode(error: TripleError | undefined, trailers: Headers | undefined, numericStatus = false): Uint8Array {
  const body: { error?: ConnectErrorJson & { status?: number }; metadata?: Record<string, string[]> } = {};
  if (error !== undefined) body.error = connectErrorToJson(error);
  // dubbo-js's Triple streams read the error's code from a numeric `status` (Connect clients ignore it).
  if (error !== undefined && numericStatus && body.error !== undefined) body.error.status = error.code;
  const metadata: Record<string, string[]> = {};
  let any = false;
  const add = (value: string, name: string): void => {
    (metadata[name] ??= []).push(value);
    any = true;
  };
  trailers?.forEach(add);
  error?.metadata.forEach(add);
  if (any) body.metadata = metadata;
  return new TextEncoder().encode(JSON.stringify(body));
}

/**
 * Parses an end-stream message body. Throws INTERNAL (a protocol error by the peer) when it is not UTF-8
 * JSON of the right shape: an object, `metadata` an object of string arrays, `error` an object with a
 * valid code name. The returned error carries the trailers as its metadata.
 */
export function connectEndStreamParse(bytes: Uint8Array): ConnectEndStream {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new TripleError(Code.INTERNAL, "protocol error: end-stream message is not valid JSON", { cause });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TripleError(Code.INTERNAL, "protocol error: end-stream message is not a JSON object");
  }
  const fields = json as Record<string, unknown>;
  const trailers = new Headers();
  const metadata = fields["metadata"];
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== "object" || Array.isArray(metadata)) throw new TripleError(Code.INTERNAL, "protocol error: end-stream metadata is not an object");
    for (const [name, values] of Object.entries(metadata as Record<string, unknown>)) {
      if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) {
        throw new TripleError(Code.INTERNAL, `protocol error: end-stream metadata ${JSON.stringify(name)} is not a list of strings`);
      }
      try {
        for (const value of values as string[]) trailers.append(name, value);
      } catch (cause) {
        throw new TripleError(Code.INTERNAL, `protocol error: invalid end-stream metadata ${JSON.stringify(name)}`, { cause });
      }
    }
  }
  const rawError = fields["error"];
  if (rawError === undefined || rawError === null) return { error: undefined, trailers };
  if (typeof rawError !== "object" || Array.isArray(rawError)) throw new TripleError(Code.INTERNAL, "protocol error: end-stream error is not an object");
  // An error without a valid code is still an error: unknown, with whatever message it has.
  const message = (rawError as { message?: unknown }).message;
  const error = connectErrorFromJson(rawError, trailers) ?? new TripleError(Code.UNKNOWN, typeof message === "string" ? message : "", { metadata: trailers });
  return { error, trailers };
}

/**
 * Checks the flags of a Connect envelope: returns whether it is the end-stream message. Bits other than
 * compressed (0x01) and end-stream (0x02) are a protocol error (INTERNAL on a client, which reads the
 * server's envelopes; a server maps it to INVALID_ARGUMENT itself).
 */
export function connectEnvelopeIsEndStream(flags: number): boolean {
  if ((flags & ~(connectFlagCompressed | connectFlagEndStream)) !== 0) {
    throw new TripleError(Code.INTERNAL, `protocol error: invalid Connect envelope flags 0x${flags.toString(16).padStart(2, "0")}`);
  }
  return (flags & connectFlagEndStream) !== 0;
}

/** A whole end-stream envelope (flags 0x02, length, JSON body), ready to write as the last DATA. */
export function connectEndStreamEnvelope(error: TripleError | undefined, trailers: Headers | undefined, numericStatus = false): Uint8Array {
  const body = connectEndStreamEncode(error, trailers, numericStatus);
  const out = new Uint8Array(5 + body.length);
  out[0] = connectFlagEndStream;
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
}
