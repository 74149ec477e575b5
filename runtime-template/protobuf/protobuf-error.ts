/**
 * ProtobufError is the single error class thrown by every tristub codec
 * (binary wire reader and writer, and the JSON codec) for malformed input or
 * unencodable values.
 *
 * Having exactly one class lets callers distinguish "the peer sent bad data"
 * from programming errors with a single `instanceof` check, and lets the RPC
 * layer map it to an INVALID_ARGUMENT / INTERNAL status without string
 * matching. Messages are lower-case and name the problem first, e.g.
 * "premature end of input: varint truncated". An underlying error (for
 * example a TypeError from TextDecoder) is kept as `cause`.
 */
export class ProtobufError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProtobufError";
  }
}
