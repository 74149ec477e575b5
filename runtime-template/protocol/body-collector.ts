import { Code } from "./status-code.js";
import { TripleError } from "./triple-error.js";

/** A body read chunk by chunk, up to a limit. */
export interface BodyCollector {
  /** Adds a chunk; past the limit, rejects and stops the source instead. */
  push(chunk: Uint8Array): void;
  /** The body so far, as one array. */
  bytes(): Uint8Array;
}

/** Accumulates a response body, failing with RESOURCE_EXHAUSTED (`reject`, then `stop`) beyond `maxBytes`. */
export function tripleCollector(maxBytes: number, reject: (e: unknown) => void, stop: () => void): BodyCollector {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    push: (chunk: Uint8Array): void => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new TripleError(Code.RESOURCE_EXHAUSTED, `response body exceeds the maximum of ${maxBytes} bytes`));
        stop();
        return;
      }
      chunks.push(chunk);
    },
    bytes: (): Uint8Array => tripleConcat(chunks, size),
  };
}

/**
 * Joins received body chunks of `size` bytes in all into one array (no copy for a single chunk): the
 * one concatenation of request and response bodies, grpc-web-text parts included.
 */
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
