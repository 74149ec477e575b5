import type { CompressorTable } from "../protocol/compression.js";
import type { IncomingHeaders, OutgoingHeaders } from "../protocol/metadata.js";
import type { ClientStreamLike } from "../transport/http2-stream.js";

/** A whole plain-HTTP response (Triple-unary over HTTP/1.1). */
export interface PlainHttpResponse {
  readonly status: number;
  readonly headers: IncomingHeaders;
  readonly body: Uint8Array;
}

/**
 * What clients need from a transport: HTTP/2 streams for gRPC (and Triple-unary over HTTP/2), one-shot
 * HTTP/1.1 exchanges, and the compressions it implements. The Node transport
 * (`transport/node/http2-client-transport.ts`) is the one the generated clients create; the client code
 * itself never touches `node:*`.
 */
export interface ClientTransport {
  /** The normalised target URL (`http://127.0.0.1:20000`). */
  readonly baseUrl: string;
  /**
   * The path part of the target URL (`http://host/some/prefix` → `/some/prefix`; "" for none), put
   * before every method path: path-routed proxies need it.
   */
  readonly pathPrefix: string;
  /** Compressions for request and response messages, by name. */
  readonly compressions: CompressorTable;
  /** Opens a request stream (the request HEADERS go out at once); throws UNAVAILABLE when closed. */
  request(headers: OutgoingHeaders): ClientStreamLike;
  /**
   * Sends one HTTP/1.1 POST (or, with `method` "GET", a GET without body) to `path` and reads the whole
   * response, failing with RESOURCE_EXHAUSTED when its body exceeds `maxBytes`; `signal` aborts it.
   */
  postHttp1(path: string, headers: OutgoingHeaders, body: Uint8Array, signal: AbortSignal, maxBytes: number, method?: "POST" | "GET"): Promise<PlainHttpResponse>;
  /**
   * Opens a streaming HTTP/1.1 request (`:method` and `:path` in `headers`) shaped like an HTTP/2
   * client stream (Connect and gRPC-Web streams over HTTP/1.1): body written as it is sent, the
   * response read as it arrives.
   */
  requestHttp1(headers: OutgoingHeaders): ClientStreamLike;
  /** Closes every connection gracefully (in-flight calls finish) and refuses new calls. */
  close(): Promise<void>;
}
