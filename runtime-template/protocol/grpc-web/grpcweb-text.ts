import { base64Decode, base64Encode } from "../../protobuf/base64.js";
import { tripleConcat } from "../body-collector.js";
import { Code } from "../status-code.js";
import { TripleError } from "../triple-error.js";

// `application/grpc-web-text`: the gRPC-Web body as base64. Senders encode each write on its own, so
// padding can appear in the middle of a stream ("AAAA" "AA==" "AAAA…"), and chunks split anywhere, even
// inside a 4-character group. Pure (no node:*).

/** The base64 alphabet plus padding: anything else in a grpc-web-text body is an error. */
const grpcWebTextChars = /^[A-Za-z0-9+/=]*$/;

/**
 * Incremental grpc-web-text decoder: `push` takes the next chunk (bytes or text) and returns the bytes
 * it completes; a partial 4-character group waits for the next chunk. Whitespace and characters
 * outside standard base64 are errors, as is a body ending inside a group (`end`). `maxPendingChars`
 * is never more than 3, so memory stays bounded by the caller's chunk size.
 */
export class GrpcWebTextDecoder {
  private pending = "";
  private readonly errorCode: Code;

  /** `errorCode`: INVALID_ARGUMENT on a server reading a request (default), INTERNAL on a client. */
  constructor(errorCode: Code = Code.INVALID_ARGUMENT) {
    this.errorCode = errorCode;
  }

  /** Decodes what `chunk` completes (possibly nothing). Throws a TripleError on bad base64. */
  push(chunk: Uint8Array | string): Uint8Array {
    const text = typeof chunk === "string" ? chunk : new TextDecoder("latin1").decode(chunk);
    if (!grpcWebTextChars.test(text)) throw new TripleError(this.errorCode, "protocol error: invalid character in grpc-web-text body");
    const all = this.pending + text;
    const usable = all.length - (all.length % 4);
    this.pending = all.slice(usable);
    if (usable === 0) return new Uint8Array(0);
    const body = all.slice(0, usable);
    // Fast path: no padding inside the complete groups (at most at their very end).
    const firstPad = body.indexOf("=");
    if (firstPad < 0 || firstPad >= usable - 2) return this.decode(body);
    // Padding mid-stream: decode group runs that end with a padded group one at a time.
    const parts: Uint8Array[] = [];
    let start = 0;
    let pad = firstPad;
    while (pad >= 0) {
      const groupEnd = pad - (pad % 4) + 4;
      parts.push(this.decode(body.slice(start, groupEnd)));
      start = groupEnd;
      pad = body.indexOf("=", start);
    }
    if (start < usable) parts.push(this.decode(body.slice(start)));
    return tripleConcat(parts, parts.reduce((n, p) => n + p.length, 0));
  }

  /** Ends the body: throws when it stopped inside a 4-character group. */
  end(): void {
    if (this.pending.length > 0) {
      throw new TripleError(this.errorCode, `protocol error: grpc-web-text body ends inside a base64 group (${this.pending.length} characters left)`);
    }
  }

  private decode(text: string): Uint8Array {
    try {
      return base64Decode(text);
    } catch (cause) {
      throw new TripleError(this.errorCode, "protocol error: invalid base64 in grpc-web-text body", { cause });
    }
  }
}

/** Encodes one write of a grpc-web-text body: standard base64 with padding (each write stands alone). */
export function grpcWebTextEncode(bytes: Uint8Array): string {
  return base64Encode(bytes);
}
