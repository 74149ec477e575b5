import type { BinaryWriter } from "./wire-writer.js";
import { constants as http2Constants, type Http2Stream } from "node:http2";

/** The RST_STREAM code that cancels a call (CANCEL, 0x8), used by clients and servers alike. */
export const http2CancelCode: number = http2Constants.NGHTTP2_CANCEL;

/**
 * The RST_STREAM code (NO_ERROR, 0x0) that ends a stream whose outcome is already decided: the peer
 * sent its final status while our side was still open, so it need not (and cannot usefully) send more.
 */
export const http2NoErrorCode: number = http2Constants.NGHTTP2_NO_ERROR;

/** The RST_STREAM code (REFUSED_STREAM, 0x7) of a stream the peer did not process: safe to retry. */
export const http2RefusedStreamCode: number = http2Constants.NGHTTP2_REFUSED_STREAM;

/** The RST_STREAM code (INTERNAL_ERROR, 0x2) for a stream the runtime could not complete (INTERNAL). */
export const http2InternalErrorCode: number = http2Constants.NGHTTP2_INTERNAL_ERROR;

/** The END_STREAM flag of a HEADERS frame (0x1): response HEADERS with it are a trailers-only response. */
export const http2FlagEndStream: number = http2Constants.NGHTTP2_FLAG_END_STREAM;

/** Resolves when a stream whose `write()` returned false can take more (`drain`), or has closed. */
export function http2Drained(stream: Http2Stream): Promise<void> {
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
export function http2TakeChunk(stream: Http2Stream, writer: BinaryWriter): Buffer | undefined {
  if (writer.pos === 0) return undefined;
  if (stream.destroyed) {
    writer.reset();
    return undefined;
  }
  const chunk = Buffer.from(writer.buf.subarray(0, writer.pos));
  writer.reset();
  return chunk;
}

/**
 * Resets a stream with RST_STREAM(`code`). Node's `close()` first ends a still-open writable side,
 * which puts END_STREAM on the wire before the reset: to the peer a clean end of the messages, so a
 * cancelled upload would look complete. Skipping that final shutdown sends the reset alone.
 */
export function http2ResetStream(stream: Http2Stream, code: number): void {
  if (stream.destroyed || stream.closed) return;
  (stream as unknown as { _final: (callback: () => void) => void })._final = (callback) => callback();
  stream.close(code);
}
