import type { OutgoingHeaders } from "../protocol/metadata.js";
import type { BinaryWriter } from "../protobuf/wire-writer.js";

// The shapes of the HTTP/2 streams the client and server code drive, written as the subset of
// node:http2's stream API they use. The Node transport passes its real streams (they fit these
// interfaces structurally, so nothing is wrapped on the hot path); tests can pass in-memory ones.

/** An event listener of a stream. */
export type StreamListener = (...args: any[]) => void;

/** What client and server streams have in common. */
export interface Http2StreamLike {
  readonly closed: boolean;
  readonly destroyed: boolean;
  /** The RST_STREAM code the stream closed with (undefined or 0 while open). */
  readonly rstCode: number | undefined;
  on(event: string, listener: StreamListener): unknown;
  once(event: string, listener: StreamListener): unknown;
  off(event: string, listener: StreamListener): unknown;
  /** Queues a DATA chunk; false when the flow-control window is full (wait for `drain`). */
  write(chunk: Uint8Array): boolean;
  /** Ends our side (END_STREAM), with a last chunk. */
  end(chunk?: Uint8Array | string): unknown;
  /** Closes the stream with RST_STREAM(`code`). */
  close(code?: number): void;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
}

/** The connection a stream belongs to, as far as calls look at it. */
export interface Http2SessionLike {
  /** The underlying socket: remote address, and the peer certificate under TLS. */
  readonly socket: PeerSocketLike | undefined;
  /** Whether our SETTINGS are not acknowledged yet (until then the peer may exceed our limits). */
  readonly pendingSettingsAck: boolean;
}

/** A connection's socket as handlers see their peer. */
export interface PeerSocketLike {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/** The server side of one HTTP/2 stream. */
export interface ServerStreamLike extends Http2StreamLike {
  readonly headersSent: boolean;
  /** The client reset the stream (RST_STREAM) before it ended. */
  readonly aborted: boolean;
  readonly session: Http2SessionLike | undefined;
  respond(headers: OutgoingHeaders, options?: { endStream?: boolean; waitForTrailers?: boolean }): void;
  sendTrailers(headers: OutgoingHeaders): void;
}

/** The client side of one HTTP/2 stream. */
export interface ClientStreamLike extends Http2StreamLike {
  /** Whether our side ended (END_STREAM sent or queued). */
  readonly writableEnded: boolean;
  /** The connection; once destroyed, its streams closed because it went away. */
  readonly session: { readonly destroyed: boolean } | undefined;
}

/** RST_STREAM CANCEL (0x8): cancels a call, used by clients and servers alike. */
export const http2CancelCode = 0x8;

/**
 * RST_STREAM NO_ERROR (0x0): ends a stream whose outcome is already decided — the peer sent its final
 * status while our side was still open, so it need not (and cannot usefully) send more.
 */
export const http2NoErrorCode = 0x0;

/** RST_STREAM REFUSED_STREAM (0x7): the peer did not process the stream, so it is safe to retry. */
export const http2RefusedStreamCode = 0x7;

/** RST_STREAM INTERNAL_ERROR (0x2): a stream the runtime could not complete (INTERNAL). */
export const http2InternalErrorCode = 0x2;

/** The END_STREAM flag of a HEADERS frame (0x1): response HEADERS with it are a trailers-only response. */
export const http2FlagEndStream = 0x1;

/** Resolves when a stream whose `write()` returned false can take more (`drain`), or has closed. */
export function http2Drained(stream: Http2StreamLike): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

/**
 * Takes what a call's writer holds as one DATA chunk for `stream`: a pooled Buffer copy (cheaper than
 * a fresh ArrayBuffer, and node:http2 needs no conversion). Returns undefined when there is nothing to
 * send, and drops the bytes when the stream is gone, so messages nobody will send never pile up.
 */
export function http2TakeChunk(stream: Http2StreamLike, writer: BinaryWriter): Uint8Array | undefined {
  if (writer.pos === 0) return undefined;
  if (stream.destroyed) {
    writer.reset();
    return undefined;
  }
  const chunk = Buffer.from(writer.buf.subarray(0, writer.pos));
  writer.reset();
  return chunk;
}

/** Whether this side reset `stream` with {@link http2ResetStream} (not the peer). */
export function http2ResetByUs(stream: object): boolean {
  return (stream as { tristubResetByUs?: boolean }).tristubResetByUs === true;
}

/**
 * Resets a stream with RST_STREAM(`code`). Node's `close()` first ends a still-open writable side,
 * which puts END_STREAM on the wire before the reset: to the peer a clean end of the messages, so a
 * cancelled upload would look complete. Skipping that final shutdown sends the reset alone. The stream
 * is marked ({@link http2ResetByUs}): node:http2 emits `'aborted'` for this reset too, and a peer-reset
 * counter must not count it.
 */
export function http2ResetStream(stream: Http2StreamLike, code: number): void {
  if (stream.destroyed || stream.closed) return;
  (stream as { tristubResetByUs?: boolean }).tristubResetByUs = true;
  (stream as unknown as { _final: (callback: () => void) => void })._final = (callback) => callback();
  stream.close(code);
}
