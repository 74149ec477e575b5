import { gzipCompress, gzipDecompress } from "./compression.js";
import type { MessageCodec } from "./message-codec.js";
import { Code } from "./status-code.js";
import { TripleError } from "./triple-error.js";
import { BinaryWriter } from "./wire-writer.js";

const envelopeTextEncoder = new TextEncoder();

/** Envelope flag: the payload is compressed with the stream's `grpc-encoding`. */
export const envelopeFlagCompressed = 0x01;

/** One length-prefixed message of a gRPC body: flags byte plus payload. */
export interface Envelope {
  readonly flags: number;
  readonly data: Uint8Array;
}

/**
 * Splits a gRPC body into envelopes (1 flags byte, 4-byte big-endian length, payload) as bytes arrive,
 * independent of how DATA frames cut them. A declared length above `maxMessageBytes` fails at once
 * with RESOURCE_EXHAUSTED, before any of the payload is buffered.
 */
export class EnvelopeReader {
  private readonly chunks: Uint8Array[] = [];
  private offset = 0; // read position inside chunks[0]
  private buffered = 0; // unread bytes across chunks
  private readonly maxMessageBytes: number;

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete envelope, or undefined until more bytes arrive. */
  next(): Envelope | undefined {
    if (this.buffered < 5) return undefined;
    const first = this.chunks[0] as Uint8Array;
    let flags: number;
    let length: number;
    if (first.length - this.offset >= 5) {
      const o = this.offset;
      flags = first[o] as number;
      length = (((first[o + 1] as number) << 24) | ((first[o + 2] as number) << 16) | ((first[o + 3] as number) << 8) | (first[o + 4] as number)) >>> 0;
    } else {
      const head = this.peek(5);
      flags = head[0] as number;
      length = (((head[1] as number) << 24) | ((head[2] as number) << 16) | ((head[3] as number) << 8) | (head[4] as number)) >>> 0;
    }
    if ((flags & ~envelopeFlagCompressed) !== 0) {
      throw new TripleError(Code.INTERNAL, `protocol error: invalid envelope flags ${flags}`);
    }
    if (length > this.maxMessageBytes) {
      throw new TripleError(
        Code.RESOURCE_EXHAUSTED,
        `message of ${length} bytes exceeds the maximum of ${this.maxMessageBytes} bytes`,
      );
    }
    if (this.buffered < 5 + length) return undefined;
    if (first.length - this.offset >= 5 + length) {
      const data = first.subarray(this.offset + 5, this.offset + 5 + length);
      this.consume(5 + length);
      return { flags, data };
    }
    this.consume(5);
    const data = this.peek(length);
    this.consume(length);
    return { flags, data };
  }

  /** Bytes received but not yet returned as an envelope (non-zero at the end of a body = truncation). */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Copies the next `n` buffered bytes into one array without consuming them. */
  private peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let offset = this.offset;
    for (const chunk of this.chunks) {
      const take = Math.min(n - filled, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0] as Uint8Array;
      const available = first.length - this.offset;
      if (n < available) {
        this.offset += n;
        return;
      }
      n -= available;
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

/**
 * Fails a body that ended inside an envelope: the peer sent a truncated message.
 */
export function envelopeTruncatedError(pendingBytes: number): TripleError {
  return new TripleError(Code.INVALID_ARGUMENT, `protocol error: incomplete envelope: ${pendingBytes} bytes left over`);
}

/**
 * Turns an envelope into message bytes: decompresses flagged payloads with the stream's encoding,
 * bounded by `maxMessageBytes`. A compressed flag without a `grpc-encoding` is INTERNAL, as grpc-go
 * and grpc-java answer it.
 */
export function envelopePayload(envelope: Envelope, encoding: string | undefined, maxMessageBytes: number): Uint8Array {
  if ((envelope.flags & envelopeFlagCompressed) === 0) return envelope.data;
  if (encoding === undefined) {
    throw new TripleError(Code.INTERNAL, "protocol error: compressed message without grpc-encoding");
  }
  return gzipDecompress(envelope.data, maxMessageBytes);
}

/**
 * Appends one message as an envelope to `writer`: the header is reserved, the message encoded straight
 * after it, then the length filled in — no intermediate buffer. With `compress`, the payload is
 * gzipped when it is at least `compressMinBytes` long. With `json`, the payload is proto3 JSON text
 * (`application/grpc+json`).
 */
export function envelopeWrite<T extends object>(
  writer: BinaryWriter,
  codec: MessageCodec<T>,
  message: T,
  compress: boolean,
  compressMinBytes: number,
  json: boolean,
): void {
  const start = writer.pos;
  writer.ensure(5);
  writer.pos += 5;
  if (json) writer.raw(envelopeTextEncoder.encode(codec.toJsonString(message)));
  else codec.write(message, writer);
  let length = writer.pos - start - 5;
  let flags = 0;
  if (compress && length >= compressMinBytes) {
    const compressed = gzipCompress(writer.buf.subarray(start + 5, writer.pos));
    writer.pos = start + 5;
    writer.raw(compressed);
    length = compressed.length;
    flags = envelopeFlagCompressed;
  }
  const buf = writer.buf;
  buf[start] = flags;
  buf[start + 1] = length >>> 24;
  buf[start + 2] = (length >>> 16) & 0xff;
  buf[start + 3] = (length >>> 8) & 0xff;
  buf[start + 4] = length & 0xff;
}
