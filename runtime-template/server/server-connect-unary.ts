import { connectErrorBody } from "../protocol/connect/connect-error.js";
import { connectGetQueryParse } from "../protocol/connect/connect-get.js";
import { connectCodeToHttpStatus, connectHeaderProtocolVersion, connectProtocolVersion, connectTimeoutParse } from "../protocol/connect/connect-protocol.js";
import type { IncomingHeaders } from "../protocol/metadata.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

// Connect unary shares its wire with Triple-unary (a POST of the bare message, `application/proto` or
// `application/json`, trailers as `trailer-` headers); only the error answers and the timeout header
// differ. How a server tells the two apart, as connect-go and dubbo-go do: every Connect client (connect-go,
// connect-es, buf curl) sends `connect-protocol-version: 1` on unary calls (connect-go's server can even
// require it), Dubbo Triple clients never do — they send `tri-protocol-version` / `triple-protocol-version`.
// A GET is always Connect (Triple has no GET).

/** What differs for a Connect unary client. */
export interface ConnectUnaryDialect {
  /** Connect's HTTP status for an error code (501 unimplemented, 504 deadline…; Triple uses 404, 408…). */
  httpStatus(code: number): number;
  /** `{"code":"…","message":"…","details":[…]}` (the Triple body adds a numeric `status`). */
  errorBody(error: TripleError): string;
  /** `connect-timeout-ms`. */
  timeoutMs(headers: IncomingHeaders): number | undefined;
}

const connectUnary: ConnectUnaryDialect = {
  httpStatus: connectCodeToHttpStatus,
  errorBody: connectErrorBody,
  timeoutMs: (headers) => connectTimeoutParse(headers["connect-timeout-ms"]),
};

/**
 * The Connect dialect when a unary request comes from a Connect client (a `connect-protocol-version`
 * header, or a GET), undefined for a Triple client. A version other than `1` is INVALID_ARGUMENT,
 * thrown when its timeout is read (the request is answered in Connect's shape).
 */
export function connectUnaryDialect(method: string, headers: IncomingHeaders): ConnectUnaryDialect | undefined {
  const version = headers[connectHeaderProtocolVersion];
  if (version === undefined && method !== "GET") return undefined;
  if (version !== undefined && String(version) !== connectProtocolVersion) {
    return {
      ...connectUnary,
      timeoutMs: () => {
        throw new TripleError(Code.INVALID_ARGUMENT, `${connectHeaderProtocolVersion} must be ${connectProtocolVersion}, got ${JSON.stringify(String(version).slice(0, 32))}`);
      },
    };
  }
  return connectUnary;
}

/** The request of a Connect unary GET, from its query: codec, (still compressed) message, compression. */
export interface ConnectUnaryGetRequest {
  readonly codec: "proto" | "json" | undefined;
  readonly message: Uint8Array;
  readonly compression: string | undefined;
}

/**
 * Parses a Connect unary GET query (INVALID_ARGUMENT on bad base64, percent-encoding or parameters;
 * RESOURCE_EXHAUSTED when the message exceeds `maxBytes` before decompression). An encoding other than
 * proto or json comes back as codec undefined (415, as an unknown content type).
 */
export function connectUnaryGet(query: string, maxBytes: number): ConnectUnaryGetRequest {
  const parsed = connectGetQueryParse(query);
  if (parsed.message.length > maxBytes) {
    throw new TripleError(Code.RESOURCE_EXHAUSTED, `request message of ${parsed.message.length} bytes exceeds the maximum of ${maxBytes} bytes`);
  }
  const codec = parsed.codec === "proto" || parsed.codec === "json" ? parsed.codec : undefined;
  return { codec, message: parsed.message, compression: parsed.compression };
}
