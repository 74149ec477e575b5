import { base64Decode, base64Encode } from "../../protobuf/base64.js";
import { Code } from "../status-code.js";
import { TripleError } from "../triple-error.js";

// Connect unary GET (https://connectrpc.com/docs/protocol#unary-get-request), for methods with
// `idempotency_level = NO_SIDE_EFFECTS`: the request message travels in the query,
// `?connect=v1&encoding=<codec>[&base64=1][&compression=<name>]&message=<data>`. Pure (no node:*):
// compression is only named here; (de)compressing the bytes is the caller's job.

/** A unary GET request's query, decoded. */
export interface ConnectGetQuery {
  /** The `encoding` parameter (`proto`, `json`…), lower-case; the caller checks it is a codec it has. */
  readonly codec: string;
  /** The message bytes, still compressed when `compression` is set. */
  readonly message: Uint8Array;
  /** The `compression` parameter; undefined when absent or `identity`. */
  readonly compression: string | undefined;
  /** Every query parameter, first occurrence, percent-decoded (except `message`, kept as sent): for logs and echoing. */
  readonly params: ReadonlyMap<string, string>;
}

/** Base64url without padding, as Connect GET writes `message`. */
function connectBase64Url(bytes: Uint8Array): string {
  return base64Encode(bytes).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Percent-encodes bytes for a query value: unreserved characters stay, everything else is %XX. */
function connectPercentEncode(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Builds the query (without `?`) of a Connect unary GET. Binary or compressed messages are base64url
 * (`base64=1`); uncompressed JSON is percent-encoded text, readable in logs and caches, unless
 * `base64` is true.
 */
export function connectGetQueryEncode(request: { codec: string; message: Uint8Array; compression?: string | undefined; base64?: boolean }): string {
  const compressed = request.compression !== undefined && request.compression !== "identity";
  const base64 = request.base64 === true || compressed || request.codec !== "json";
  // The order connect-go writes and the conformance suite recommends: connect, base64, compression, encoding, message.
  let query = "connect=v1";
  if (base64) query += "&base64=1";
  if (compressed) query += `&compression=${connectPercentEncode(new TextEncoder().encode(request.compression ?? ""))}`;
  query += `&encoding=${connectPercentEncode(new TextEncoder().encode(request.codec))}`;
  query += `&message=${base64 ? connectBase64Url(request.message) : connectPercentEncode(request.message)}`;
  return query;
}

/** Decodes application/x-www-form-urlencoded text to bytes: `+` is a space, `%XX` a byte. */
function connectPercentDecode(text: string, name: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new TripleError(Code.INVALID_ARGUMENT, `invalid percent-encoding in query parameter ${name}`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b /* + */) {
      out.push(0x20);
    } else if (c < 0x80) {
      out.push(c);
    } else {
      // Raw non-ASCII in a query (not percent-encoded): take its UTF-8 bytes.
      const end = c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1;
      out.push(...new TextEncoder().encode(text.slice(i, end)));
      i = end - 1;
    }
  }
  return Uint8Array.from(out);
}

/**
 * Parses the query of a Connect unary GET (with or without the leading `?`). The first of repeated
 * parameters wins. Throws INVALID_ARGUMENT for a missing `message` or `encoding`, a `connect` other than
 * `v1`, a `base64` other than `1`/absent, bad percent-encoding or bad base64.
 */
export function connectGetQueryParse(query: string): ConnectGetQuery {
  const params = new Map<string, string>();
  const raw = new Map<string, string>();
  for (const part of (query.startsWith("?") ? query.slice(1) : query).split("&")) {
    if (part.length === 0) continue;
    const eq = part.indexOf("=");
    const name = new TextDecoder().decode(connectPercentDecode(eq < 0 ? part : part.slice(0, eq), "name"));
    const value = eq < 0 ? "" : part.slice(eq + 1);
    if (raw.has(name)) continue;
    raw.set(name, value);
    params.set(name, name === "message" ? value : new TextDecoder().decode(connectPercentDecode(value, name)));
  }
  const version = params.get("connect");
  if (version !== undefined && version !== "v1") throw new TripleError(Code.INVALID_ARGUMENT, `unsupported connect query parameter ${JSON.stringify(version)}: want v1`);
  const codec = params.get("encoding");
  if (codec === undefined || codec === "") throw new TripleError(Code.INVALID_ARGUMENT, "missing encoding query parameter");
  const rawMessage = raw.get("message");
  if (rawMessage === undefined) throw new TripleError(Code.INVALID_ARGUMENT, "missing message query parameter");
  const base64 = params.get("base64");
  if (base64 !== undefined && base64 !== "1" && base64 !== "") throw new TripleError(Code.INVALID_ARGUMENT, `invalid base64 query parameter ${JSON.stringify(base64)}: want 1`);
  let message: Uint8Array;
  if (base64 === "1") {
    const text = new TextDecoder().decode(connectPercentDecode(rawMessage, "message"));
    try {
      message = base64Decode(text);
    } catch (cause) {
      throw new TripleError(Code.INVALID_ARGUMENT, "invalid base64 in message query parameter", { cause });
    }
  } else {
    message = connectPercentDecode(rawMessage, "message");
  }
  const compression = params.get("compression");
  return {
    codec: codec.toLowerCase(),
    message,
    compression: compression === undefined || compression === "" || compression === "identity" ? undefined : compression.toLowerCase(),
    params,
  };
}
