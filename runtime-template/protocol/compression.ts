/**
 * A message compression algorithm as the protocols see it: gRPC's `grpc-encoding`, Triple-unary's
 * `content-encoding`. The protocol code only names and calls it; the transport supplies the
 * implementation (Node's zlib under `transport/node/`), so protocol logic runs without `node:*`.
 */
export interface Compressor {
  /** The encoding name on the wire, e.g. `gzip`. */
  readonly name: string;
  /** Compresses one message payload. */
  compress(data: Uint8Array): Uint8Array;
  /**
   * Decompresses one payload, refusing to produce more than `maxBytes` (a bomb is RESOURCE_EXHAUSTED,
   * corrupt data INVALID_ARGUMENT): never an unbounded allocation.
   */
  decompress(data: Uint8Array, maxBytes: number): Uint8Array;
}

/** Compressor implementations by encoding name (`identity` is never listed: it means none). */
export type CompressorTable = ReadonlyMap<string, Compressor>;

/** Picks the first encoding of an `accept-encoding`-style list that `table` implements. */
export function negotiateEncoding(accept: string | undefined, table: CompressorTable): Compressor | undefined {
  if (accept === undefined) return undefined;
  for (const part of accept.split(",")) {
    const name = part.split(";")[0]?.trim().toLowerCase();
    if (name === undefined) continue;
    const found = table.get(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The names `table` implements, comma-separated, for `grpc-accept-encoding` / `accept-encoding`. */
export function compressionNames(table: CompressorTable): string {
  return [...table.keys()].join(",");
}
