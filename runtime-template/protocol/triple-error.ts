import type { MetadataInit } from "./metadata.js";
import { Code, codeName } from "./status-code.js";

/** Marks TripleErrors across runtime copies (a registry symbol, the same in every copy). */
const tripleErrorBrand: unique symbol = Symbol.for("tristub.TripleError") as never;

/** An error detail: a packed `google.protobuf.Any` (type URL and serialized message). */
export interface ErrorDetail {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** Options of {@link TripleError}. */
export interface TripleErrorOptions {
  /** Metadata to send with the error (server) or received with it (client: headers and trailers). */
  readonly metadata?: MetadataInit;
  /** Details for `grpc-status-details-bin` / the JSON error body, as packed `google.protobuf.Any`. */
  readonly details?: readonly ErrorDetail[];
  /** The underlying error; kept for logs, never sent to the peer. */
  readonly cause?: unknown;
}

/**
 * The one error class of the Triple runtime: a status code, a message for the peer, metadata and
 * error details. A handler throws it to fail a call with that status; a client call rejects with it.
 * Any other error thrown by a handler reaches the peer as UNKNOWN with a generic message, so internal
 * exception text never leaks.
 */
export class TripleError extends Error {
  /**
   * `instanceof TripleError` recognises errors of every copy of the runtime (each output directory
   * inlines its own), so a client generated in one directory can use `isEnded` from another.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [tripleErrorBrand]?: boolean })[tripleErrorBrand] === true;
  }

  /** The brand that {@link TripleError}'s `instanceof` check looks for. */
  readonly [tripleErrorBrand] = true;
  override readonly name = "TripleError";
  /** The status code (never {@link Code.OK} except for the normal end of a stream, see {@link isEnded}). */
  readonly code: Code;
  /** The message without the `[code]` prefix that `message` carries. */
  readonly rawMessage: string;
  /** Metadata sent or received with the error. */
  readonly metadata: Headers;
  /** Error details (packed `google.protobuf.Any`). */
  readonly details: readonly ErrorDetail[];

  constructor(code: Code, message: string, options?: TripleErrorOptions) {
    super(message.length > 0 ? `[${codeName(code).toLowerCase()}] ${message}` : `[${codeName(code).toLowerCase()}]`, {
      cause: options?.cause,
    });
    this.code = code;
    this.rawMessage = message;
    this.metadata = new Headers(options?.metadata);
    this.details = options?.details ?? [];
  }
}

/**
 * The error a stream's `recv()` rejects with when the peer ended the stream normally; tell it apart
 * with {@link isEnded} (the seed's `triple.IsEnded`).
 */
export function streamEndedError(): TripleError {
  // One shared instance: the normal end of every stream would otherwise build an Error (and capture
  // a stack trace) per call, which profiles showed as the largest cost of a unary call.
  tripleStreamEnded ??= new TripleError(Code.OK, "stream ended");
  return tripleStreamEnded;
}

let tripleStreamEnded: TripleError | undefined;

/** Is `error` the normal end of a stream rather than a failure (dubbo-go's `triple.IsEnded`)? */
export function isEnded(error: unknown): boolean {
  return error instanceof TripleError && error.code === Code.OK;
}

/**
 * Converts anything thrown into a {@link TripleError}: TripleErrors pass through, aborts become
 * CANCELLED, everything else UNKNOWN with `fallbackMessage` (the original is kept as `cause`).
 */
export function toTripleError(error: unknown, fallbackMessage = "internal error"): TripleError {
  if (error instanceof TripleError) return error;
  if (error instanceof Error && error.name === "AbortError") {
    return new TripleError(Code.CANCELLED, "operation was aborted", { cause: error });
  }
  return new TripleError(Code.UNKNOWN, fallbackMessage, { cause: error });
}
