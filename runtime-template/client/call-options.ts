import type { MetadataInit } from "../protocol/metadata.js";

/** Options of a single call. */
export interface CallOptions {
  /** Deadline relative to the start of the call; sent as `grpc-timeout` and enforced locally. */
  readonly timeoutMs?: number;
  /** Cancels the call (HTTP/2 `RST_STREAM(CANCEL)`); the call fails with CANCELLED. */
  readonly signal?: AbortSignal;
  /** Request metadata (Dubbo attachments): lower-case keys, `-bin` keys carry base64. */
  readonly headers?: MetadataInit;
  /** Called with the response headers when they arrive. */
  readonly onHeader?: (headers: Headers) => void;
  /** Called with the response trailers when the call ends. */
  readonly onTrailer?: (trailers: Headers) => void;
}

/** Options of one request message sent on a client-streaming or bidi call. */
export interface SendOptions {
  /**
   * false sends this message uncompressed although the client compresses (`sendCompression`); the
   * envelope's compressed flag tells the server. Has no effect without `sendCompression`.
   */
  readonly compress?: boolean;
}
