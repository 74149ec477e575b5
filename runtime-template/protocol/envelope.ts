import type { Compressor } from "./compression.js";
import type { JsonWriteOptions, MessageCodec } from "../protobuf/message-type.js";
import { Code } from "./status-code.js";
import { TripleError } from "./triple-error.js";
import { BinaryWriter } from "../protobuf/wire-writer.js";

const envelopeTextEncoder = new TextEncoder();

/** Envelope flag: the payload is compressed with the stream's `grpc-encoding`. */
export const envelopeFlagCompressed = 0x01;

/**
 * Splits a gRPC body into envelopes (1 flags byte, 4-byte big-endian length, payload) as bytes arrive,
 * independent of how DATA frames cut them. A declared length above `maxMessageBytes` fails at once
 * with RESOURCE_EXHAUSTED, before any of the payload is buffered. Payloads are not copied unless they
 * span chunks; `nextRange()` returns them without even a view, for decoders that read a range.
 */
export class EnvelopeReader {
  /** The flags byte of the envelope returned last. */
  flags = 0;
  /** Where the payload `nextRange()` returned last starts in the bytes it returned. */
  payloadStart = 0;
  /** Where that payload ends (exclusive). */
  payloadEnd = 0;
  /**
   * The flag bits envelopes may carry (others are a protocol error): compressed, plus the end-of-body
   * bit of protocols that end in the body (Connect end-stream 0x02, gRPC-Web trailers 0x80).
   */
  allowedFlags = envelopeFlagCompressed;
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

  /** The payload of the next complete envelope (its flags in `flags`), or undefined until more bytes arrive. */
  next(): Uint8Array | undefined {
    const buf = this.nextRange();
    if (buf === undefined) return undefined;
    return this.payloadStart === 0 && this.payloadEnd === buf.length ? buf : buf.subarray(this.payloadStart, this.payloadEnd);
  }

  /**
   * Like `next()`, without making a view: returns the bytes that hold the next payload at
   * [`payloadStart`, `payloadEnd`) — a received chunk, or a copy when the payload spans chunks.
   */
  nextRange(): Uint8Array | undefined {
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
    if ((flags & ~this.allowedFlags) !== 0) {
      throw new TripleError(Code.INTERNAL, `protocol error: invalid envelope flags ${flags}`);
    }
    if (length > this.maxMessageBytes) {
      throw new TripleError(
        Code.RESOURCE_EXHAUSTED,
        `message of ${length} bytes exceeds the maximum of ${this.maxMessageBytes} bytes`,
      );
    }
    if (this.buffered < 5 + length) return undefined;
    this.flags = flags;
    if (first.length - this.offset >= 5 + length) {
      this.payloadStart = this.offset + 5;
      this.payloadEnd = this.payloadStart + length;
      this.consume(5 + length);
      return first;
    }
    this.consume(5);
    const data = this.peek(length);
    this.consume(length);
    this.payloadStart = 0;
    this.payloadEnd = length;
    return data;
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
export function envelopePayload(data: Uint8Array, flags: number, compression: Compressor | undefined, maxMessageBytes: number): Uint8Array {
  if ((flags & envelopeFlagCompressed) === 0) return data;
  if (compression === undefined) {
    throw new TripleError(Code.INTERNAL, "protocol error: compressed message without grpc-encoding");
  }
  return compression.decompress(data, maxMessageBytes);
}

/**
 * Appends one message as an envelope to `writer`: the header is reserved, the message encoded straight
 * after it, then the length filled in — no intermediate buffer. With a `compression`, the payload is
 * compressed when it is at least `compressMinBytes` long. With `json` (its write options), the
 * payload is proto3 JSON text (`application/grpc+json`). A message that fails to encode or compress
 * leaves `writer` as it was (envelopes queued before it stay whole); a compressor's failure is
 * INTERNAL, with the compressor's error as its cause.
 */
export function envelopeWrite<T extends object>(
  writer: BinaryWriter,
  codec: MessageCodec<T>,
  message: T,
  compression: Compressor | undefined,
  compressMinBytes: number,
  json: JsonWriteOptions | undefined,
): void {
  const start = writer.pos;
  writer.ensure(5);
  writer.pos += 5;
  let length: number;
  let flags = 0;
  try {
    if (json !== undefined) writer.raw(envelopeTextEncoder.encode(codec.toJsonString(message, json)));
    else codec.write(message, writer);
    length = writer.pos - start - 5;
    if (compression !== undefined && length >= compressMinBytes) {
      const compressed = envelopeCompress(compression, writer.buf.subarray(start + 5, writer.pos));
      writer.pos = start + 5;
      writer.raw(compressed);
      length = compressed.length;
      flags = envelopeFlagCompressed;
    }
  } catch (error) {
    writer.pos = start;
    throw error;
  }
  const buf = writer.buf;
  buf[start] = flags;
  buf[start + 1] = length >>> 24;
  buf[start + 2] = (length >>> 16) & 0xff;
  buf[start + 3] = (length >>> 8) & 0xff;
  buf[start + 4] = length & 0xff;
}

function envelopeCompress(compression: Compressor, payload: Uint8Array): Uint8Array {
  try {
    return compression.compress(payload);
  } catch (cause) {
    throw new TripleError(Code.INTERNAL, `could not compress the message (${compression.name})`, { cause });
  }
}
