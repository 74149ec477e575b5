import { gunzipSync, gzipSync } from "node:zlib";
import { Code } from "./status-code.js";
import { TripleError } from "./triple-error.js";

/** Compression names this runtime implements (`identity` means none). */
export const supportedEncodings: readonly string[] = ["gzip"];

/** Compresses one message payload with gzip (the only algorithm every Triple and gRPC peer has). */
export function gzipCompress(data: Uint8Array): Uint8Array {
  return gzipSync(data);
}

/**
 * Decompresses a gzip payload, refusing to produce more than `maxBytes` (a gzip bomb is
 * RESOURCE_EXHAUSTED, corrupt data INVALID_ARGUMENT) — never an unbounded allocation.
 */
export function gzipDecompress(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new TripleError(Code.RESOURCE_EXHAUSTED, `decompressed message is larger than ${maxBytes} bytes`);
    }
    throw new TripleError(Code.INVALID_ARGUMENT, "protocol error: invalid gzip data", { cause: error });
  }
}

/** Picks the first encoding of an `accept-encoding`-style list that this runtime supports. */
export function negotiateEncoding(accept: string | undefined): string | undefined {
  if (accept === undefined) return undefined;
  for (const part of accept.split(",")) {
    const name = part.split(";")[0]?.trim().toLowerCase();
    if (name !== undefined && supportedEncodings.includes(name)) return name;
  }
  return undefined;
}
