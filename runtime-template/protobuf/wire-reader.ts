// Over 300 lines on purpose: BinaryReader is one hot class whose methods V8 inlines into the generated
// decoders; splitting it across modules would only scatter one type's methods.
import { protobufDefaultMaxDepth } from "./limits.js";
import { ProtobufError } from "./protobuf-error.js";
import { wireUtf8Decode } from "./wire-utf8.js";

/**
 * BinaryReader decodes protobuf binary wire format values from a byte array,
 * checking every read against `end`.
 *
 * Generated decoders call its methods directly, so it is a monomorphic class
 * whose common paths allocate nothing, and one instance can be reused through
 * reset(). Malformed input (truncation, overlong varints, lengths beyond the
 * end, bad groups, invalid UTF-8, excessive nesting) always throws
 * ProtobufError; a read never goes past `end`, never returns garbage, never
 * hangs and never recurses. `end` is public so a decoder may narrow it to the
 * end of a sub-message (and restore it afterwards) to bound reads exactly.
 */
export class BinaryReader {
  /** The input. */
  buf: Uint8Array;
  /** The read position. */
  pos: number;
  /** Reads never go beyond this offset; buf.length after construction or reset(). */
  end: number;
  /** The maximum nesting depth of messages and groups (checked by skip() and the decoders). */
  maxDepth: number;
  /** The DataView over `buf` for fixed-width values, created on first use (most messages need none). */
  private viewCache: DataView | undefined;
  /** Low 32 bits (unsigned) of the last varint read by varint64(). */
  private lo: number;
  /** High 32 bits (unsigned) of the last varint read by varint64(). */
  private hi: number;

  constructor(buf: Uint8Array, maxDepth = protobufDefaultMaxDepth) {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    this.maxDepth = maxDepth;
    this.viewCache = undefined;
    this.lo = 0;
    this.hi = 0;
  }

  /** Points the reader at new input so one instance can be reused; keeps maxDepth unless given. */
  reset(buf: Uint8Array, maxDepth?: number): void {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    if (maxDepth !== undefined) this.maxDepth = maxDepth;
    this.viewCache = undefined;
  }

  /** A DataView over `buf`, used for fixed-width values. */
  get view(): DataView {
    if (this.viewCache === undefined) {
      this.viewCache = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    return this.viewCache;
  }

  /**
   * Reads a varint of up to 10 bytes and returns its low 32 bits as an
   * unsigned number (uint32, tags, enums), discarding higher bits as
   * protobuf requires.
   */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos + 10 > this.end) return this.uint32Slow();
    let b = buf[pos++]!;
    if (b < 128) {
      this.pos = pos;
      return b;
    }
    let v = b & 127;
    for (let shift = 7; shift < 35; shift += 7) {
      b = buf[pos++]!;
      v |= (b & 127) << shift; // at shift 28 only 4 bits survive
      if (b < 128) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    // Bytes 6..10 only carry bits above 32.
    for (let i = 0; i < 5; i++) {
      if (buf[pos++]! < 128) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    throw new ProtobufError("invalid varint: longer than 10 bytes");
  }

  /** uint32() near the end of input, where varint64() checks bounds per byte. */
  private uint32Slow(): number {
    this.varint64();
    return this.lo;
  }

  /** Reads an int32 varint: the low 32 bits as a signed number. */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Reads a sint32 varint (zigzag encoding). */
  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  /** Reads a bool varint; any non-zero value of up to 64 bits is true. */
  bool(): boolean {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos]!;
      if (b < 128) {
        this.pos = pos + 1;
        return b !== 0;
      }
    }
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  /**
   * Reads a varint of up to 10 bytes into the `lo`/`hi` fields; the 64-bit
   * readers build their bigint from these numbers without intermediate
   * objects.
   */
  private varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    // Bytes 1..4: bits 0..27.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new ProtobufError("premature end of input: varint truncated");
      b = buf[pos++]!;
      lo |= (b & 127) << shift;
      if (b < 128) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = pos;
        return;
      }
    }
    // Byte 5: bits 28..34 straddle the two halves.
    if (pos >= end) throw new ProtobufError("premature end of input: varint truncated");
    b = buf[pos++]!;
    lo |= b << 28;
    hi = (b & 127) >> 4;
    if (b >= 128) {
      // Bytes 6..10: bits 35..63.
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new ProtobufError("invalid varint: longer than 10 bytes");
        if (pos >= end) throw new ProtobufError("premature end of input: varint truncated");
        b = buf[pos++]!;
        hi |= (b & 127) << shift;
        if (b < 128) break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = pos;
  }

  /** Reads a uint64 varint. */
  uint64(): bigint {
    this.varint64();
    return wireReaderUnsigned(this.lo, this.hi);
  }

  /** Reads an int64 varint (two's complement). */
  int64(): bigint {
    this.varint64();
    return wireReaderSigned(this.lo, this.hi);
  }

  /** Reads a sint64 varint (zigzag encoding). */
  sint64(): bigint {
    this.varint64();
    const lo = this.lo;
    const hi = this.hi;
    const s = -(lo & 1);
    return wireReaderSigned(((lo >>> 1) | (hi << 31)) ^ s, (hi >>> 1) ^ s);
  }

  /** Advances over `n` fixed-width bytes of a `what` value and returns their offset; throws when truncated. */
  private take(n: number, what: string): number {
    const pos = this.pos;
    if (pos + n > this.end) throw new ProtobufError("premature end of input: " + what + " truncated");
    this.pos = pos + n;
    return pos;
  }

  /** Reads a fixed32 (4 bytes, little-endian). */
  fixed32(): number {
    return this.view.getUint32(this.take(4, "fixed32"), true);
  }

  /** Reads an sfixed32 (4 bytes, little-endian two's complement). */
  sfixed32(): number {
    return this.view.getInt32(this.take(4, "sfixed32"), true);
  }

  /** Reads a float (IEEE 754 binary32, little-endian). */
  float(): number {
    return this.view.getFloat32(this.take(4, "float"), true);
  }

  /** Reads a double (IEEE 754 binary64, little-endian). */
  double(): number {
    return this.view.getFloat64(this.take(8, "double"), true);
  }

  /** Reads a fixed64 (8 bytes, little-endian). */
  fixed64(): bigint {
    const pos = this.take(8, "fixed64");
    return wireReaderUnsigned(this.view.getUint32(pos, true), this.view.getUint32(pos + 4, true));
  }

  /** Reads an sfixed64 (8 bytes, little-endian two's complement). */
  sfixed64(): bigint {
    const pos = this.take(8, "sfixed64");
    return wireReaderSigned(this.view.getUint32(pos, true), this.view.getUint32(pos + 4, true));
  }

  /**
   * Reads a varint length, checks that that many bytes remain before `end`,
   * and returns the offset just after them (the end of a sub-message, packed
   * field, string or bytes value that starts at `pos`).
   */
  lengthEnd(): number {
    const pos = this.pos;
    let len: number;
    if (pos < this.end && this.buf[pos]! < 128) {
      len = this.buf[pos]!;
      this.pos = pos + 1;
    } else {
      this.varint64();
      len = this.hi * 4294967296 + this.lo;
    }
    const stop = this.pos + len;
    if (stop > this.end) {
      throw new ProtobufError(
        "premature end of input: length " + len + " exceeds remaining " + (this.end - this.pos) + " bytes",
      );
    }
    return stop;
  }

  /**
   * Reads a length-prefixed bytes value: a copy in a plain Uint8Array, never a view of the input and
   * never a Buffer (which slicing a Buffer input would give), whatever the input's class.
   */
  bytes(): Uint8Array {
    const stop = this.lengthEnd();
    const start = this.pos;
    this.pos = stop;
    const buf = this.buf;
    const out = new Uint8Array(stop - start);
    out.set(new Uint8Array(buf.buffer, buf.byteOffset + start, stop - start));
    return out;
  }

  /** Reads a length-prefixed string, throwing ProtobufError if it is not valid UTF-8 (proto3 / editions). */
  string(): string {
    const stop = this.lengthEnd();
    const start = this.pos;
    this.pos = stop;
    return wireUtf8Decode(this.buf, start, stop, true);
  }

  /** Reads a length-prefixed string, replacing invalid UTF-8 with U+FFFD like TextDecoder (proto2). */
  stringLossy(): string {
    const stop = this.lengthEnd();
    const start = this.pos;
    this.pos = stop;
    return wireUtf8Decode(this.buf, start, stop, false);
  }

  /**
   * Skips the payload of one field whose tag has just been read (unknown
   * fields). A start-group is skipped up to its matching end-group tag,
   * iteratively, counting each group as one level below `depth` against
   * maxDepth; field number 0, a lone end-group or wire type 6 or 7 is an error.
   */
  skip(wireType: number, fieldNo: number, depth: number): void {
    if (fieldNo === 0) throw new ProtobufError("invalid tag: field number 0");
    if (wireType === 3) {
      this.skipGroup(fieldNo, depth);
      return;
    }
    this.skipScalar(wireType, fieldNo);
  }

  /** Skips a value of wire type 0, 1, 2 or 5; anything else is an error. */
  private skipScalar(wireType: number, fieldNo: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.take(8, "fixed64");
        return;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.take(4, "fixed32");
        return;
      case 4:
        throw new ProtobufError("unexpected end-group tag for field " + fieldNo);
      default:
        throw new ProtobufError("invalid wire type " + wireType + " for field " + fieldNo);
    }
  }

  /** Skips a group body up to its matching end-group tag, without recursion. */
  private skipGroup(fieldNo: number, depth: number): void {
    const maxDepth = this.maxDepth;
    const open: number[] = [fieldNo];
    if (depth + 1 > maxDepth) throw new ProtobufError("maximum nesting depth " + maxDepth + " exceeded");
    for (;;) {
      if (this.pos >= this.end) {
        throw new ProtobufError("premature end of input: group for field " + open[open.length - 1] + " not terminated");
      }
      const tag = this.uint32();
      const fn = tag >>> 3;
      const wt = tag & 7;
      if (fn === 0) throw new ProtobufError("invalid tag: field number 0");
      if (wt === 3) {
        if (depth + open.length + 1 > maxDepth) {
          throw new ProtobufError("maximum nesting depth " + maxDepth + " exceeded");
        }
        open.push(fn);
      } else if (wt === 4) {
        const want = open.pop()!;
        if (fn !== want) {
          throw new ProtobufError("end-group tag for field " + fn + " does not match start-group for field " + want);
        }
        if (open.length === 0) return;
      } else {
        this.skipScalar(wt, fn);
      }
    }
  }
}

/** Builds an unsigned 64-bit bigint from two unsigned 32-bit halves, through a single number when exact. */
function wireReaderUnsigned(lo: number, hi: number): bigint {
  hi >>>= 0;
  lo >>>= 0;
  if (hi < 0x200000) return BigInt(hi * 4294967296 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Builds a signed (two's complement) 64-bit bigint from two 32-bit halves, through a single number when exact. */
function wireReaderSigned(lo: number, hi: number): bigint {
  hi |= 0;
  lo >>>= 0;
  if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + lo);
  return (BigInt(hi) << 32n) + BigInt(lo);
}
