// Over 300 lines on purpose: BinaryWriter is one hot class whose methods V8 inlines into the generated
// encoders; splitting it across modules would only scatter one type's methods.
import { wireUtf8Encode } from "./wire-utf8.js";

/**
 * Shared UTF-8 encoder for long strings in BinaryWriter.string().
 *
 * Long strings go through the native encoder because it beats a JS loop once
 * the per-call overhead of encodeInto() is amortised.
 */
const wireWriterTextEncoder = new TextEncoder();

/**
 * Strings with at most this many UTF-16 code units are encoded by a manual
 * loop in BinaryWriter.string(); longer ones use TextEncoder.encodeInto(),
 * which wins above about 24-28 units on Node 20. Must stay <= 42 so that the
 * loop's output (3 bytes per unit at most) always has a 1-byte length prefix.
 */
const WIRE_WRITER_SHORT_STRING = 24;

/**
 * Buffers larger than this are dropped by BinaryWriter.finish(), so that a
 * long-lived shared writer does not pin the memory of one huge message.
 */
const WIRE_WRITER_MAX_RETAINED = 1024 * 1024;

/**
 * BinaryWriter encodes protobuf binary wire format values into a growable
 * byte buffer.
 *
 * Generated encoders call its methods directly (tags are precomputed and
 * written with uint32()), so every method is small, allocation-free on the
 * common path and keeps the class monomorphic. Values are not range-checked:
 * the generated code guarantees that numbers are integers in range for their
 * type, and out-of-range inputs are truncated like a C cast would. Lengths of
 * nested messages are written with fork()/join(), which reserves one byte and
 * only moves the payload when it turns out to be 128 bytes or longer.
 */
/** Results up to this size are carved out of a shared slab instead of getting an ArrayBuffer each. */
const WIRE_WRITER_POOLED_MAX = 2048;
const WIRE_WRITER_SLAB_SIZE = 32 * 1024;
let wireWriterSlab: Uint8Array | undefined;
let wireWriterSlabPos = 0;

/**
 * Copies `n` bytes into the shared slab and returns that view. Allocating a separate ArrayBuffer per
 * small result is the largest cost of encoding a mid-size message in V8; like Node's Buffer pool,
 * the trade-off is that small results share their `.buffer` with others.
 */
function wireWriterPooledCopy(buf: Uint8Array, n: number): Uint8Array {
  if (wireWriterSlab === undefined || wireWriterSlabPos + n > WIRE_WRITER_SLAB_SIZE) {
    wireWriterSlab = new Uint8Array(WIRE_WRITER_SLAB_SIZE);
    wireWriterSlabPos = 0;
  }
  const start = wireWriterSlabPos;
  wireWriterSlab.set(buf.subarray(0, n), start);
  wireWriterSlabPos = (start + n + 7) & ~7;
  return wireWriterSlab.subarray(start, start + n);
}

export class BinaryWriter {
  /** The backing buffer; bytes [0, pos) are the output so far. */
  buf: Uint8Array;
  /** The write position, i.e. the number of bytes written so far. */
  pos: number;
  /**
   * The DataView over `buf` for floating point values, created on first use: taking `buf.buffer` of a
   * small (on-heap) typed array would force V8 to move it off the heap.
   */
  private viewCache: DataView | undefined;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.pos = 0;
    this.viewCache = undefined;
  }

  /** A DataView over `buf`, used for floating point values; replaced on growth. */
  get view(): DataView {
    // grow() and finish() drop the cache whenever they replace `buf`.
    if (this.viewCache === undefined) {
      this.viewCache = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
    return this.viewCache;
  }

  /** Discards everything written so far, keeping the buffer for reuse. */
  reset(): void {
    this.pos = 0;
  }

  /**
   * Makes sure that `n` more bytes fit into `buf`, doubling its size as often
   * as needed; callers then write without further bounds checks.
   */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  /** Reallocates `buf` so that `n` more bytes fit; kept out of ensure() so ensure() inlines. */
  private grow(n: number): void {
    const need = this.pos + n;
    let size = this.buf.length * 2 || 256;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.viewCache = undefined;
  }

  /** Writes an unsigned varint of 0..2^32-1 (uint32, tags, lengths, non-negative enums). */
  uint32(v: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const buf = this.buf;
    let pos = this.pos;
    v = v >>> 0;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** Writes an int32 varint; negative values take 10 bytes (sign-extended to 64 bits) as protobuf requires. */
  int32(v: number): void {
    v |= 0;
    if (v >= 0) {
      this.uint32(v);
      return;
    }
    if (this.pos + 10 > this.buf.length) this.grow(10);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = (v & 127) | 128;
    buf[pos + 1] = ((v >>> 7) & 127) | 128;
    buf[pos + 2] = ((v >>> 14) & 127) | 128;
    buf[pos + 3] = ((v >>> 21) & 127) | 128;
    buf[pos + 4] = (v >>> 28) | 0xf0;
    buf[pos + 5] = 0xff;
    buf[pos + 6] = 0xff;
    buf[pos + 7] = 0xff;
    buf[pos + 8] = 0xff;
    buf[pos + 9] = 1;
    this.pos = pos + 10;
  }

  /** Writes a sint32 varint (zigzag encoding, so small negative numbers stay short). */
  sint32(v: number): void {
    this.uint32((v << 1) ^ (v >> 31));
  }

  /** Writes a bool as a one-byte varint. */
  bool(v: boolean): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** Writes a uint64 varint; values outside 0..2^64-1 wrap modulo 2^64. */
  uint64(v: bigint): void {
    // Both are the 64-bit two's complement pattern of v, so int64() serves.
    this.int64(v);
  }

  /** Writes an int64 varint (two's complement, so negative values take 10 bytes). */
  int64(v: bigint): void {
    if (v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn) {
      // Exact as a number: split it arithmetically instead of with bigint ops.
      const n = Number(v);
      if (n >= 0 && n <= 0xffffffff) this.uint32(n);
      else if (n < 0 && n >= -0x80000000) this.int32(n); // same bytes as int64
      else this.varint64(n >>> 0, Math.floor(n / 4294967296) >>> 0);
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** Writes a sint64 varint (zigzag encoding, so small negative numbers stay short). */
  sint64(v: bigint): void {
    if (v >= -0x80000000n && v <= 0x7fffffffn) {
      const n = Number(v);
      this.uint32((n << 1) ^ (n >> 31));
      return;
    }
    if (v >= -0xfffffffffffffn && v <= 0xfffffffffffffn) {
      // |v| < 2^52, so the zigzag value 2|v| or 2|v|-1 is an exact number.
      const n = Number(v);
      const z = n >= 0 ? n * 2 : -n * 2 - 1;
      this.varint64(z >>> 0, (z / 4294967296) >>> 0);
      return;
    }
    const u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** Writes a varint from its low and high 32-bit halves (both unsigned); shared by the 64-bit slow paths. */
  private varint64(lo: number, hi: number): void {
    if (this.pos + 10 > this.buf.length) this.grow(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi > 0) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** Writes a fixed32 (4 bytes, little-endian). */
  fixed32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = v;
    buf[pos + 1] = v >>> 8;
    buf[pos + 2] = v >>> 16;
    buf[pos + 3] = v >>> 24;
    this.pos = pos + 4;
  }

  /** Writes an sfixed32 (4 bytes, little-endian two's complement). */
  sfixed32(v: number): void {
    this.fixed32(v);
  }

  /** Writes a float (IEEE 754 binary32, little-endian); NaN, ±Infinity and -0 are preserved. */
  float(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  /** Writes a fixed64 (8 bytes, little-endian); values wrap modulo 2^64. */
  fixed64(v: bigint): void {
    if (v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn) {
      const n = Number(v);
      this.fixed32x2(n >>> 0, Math.floor(n / 4294967296) >>> 0);
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.fixed32x2(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** Writes an sfixed64 (8 bytes, little-endian two's complement): the same bytes as fixed64(). */
  sfixed64(v: bigint): void {
    this.fixed64(v);
  }

  /** Writes two 32-bit words little-endian; shared by fixed64() and sfixed64(). */
  private fixed32x2(lo: number, hi: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = lo;
    buf[pos + 1] = lo >>> 8;
    buf[pos + 2] = lo >>> 16;
    buf[pos + 3] = lo >>> 24;
    buf[pos + 4] = hi;
    buf[pos + 5] = hi >>> 8;
    buf[pos + 6] = hi >>> 16;
    buf[pos + 7] = hi >>> 24;
    this.pos = pos + 8;
  }

  /** Writes a double (IEEE 754 binary64, little-endian); NaN, ±Infinity and -0 are preserved. */
  double(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /**
   * Writes a length-prefixed UTF-8 string. Lone surrogates become U+FFFD,
   * exactly as TextEncoder does, so the output is always valid UTF-8.
   */
  string(s: string): void {
    const len = s.length;
    // A UTF-16 code unit takes at most 3 UTF-8 bytes, the prefix at most 5.
    if (this.pos + len * 3 + 5 > this.buf.length) this.grow(len * 3 + 5);
    const buf = this.buf;
    const start = this.pos;
    if (len <= WIRE_WRITER_SHORT_STRING) {
      // At most 3 * 24 = 72 bytes, so the length prefix is one byte.
      const p = wireUtf8Encode(s, buf, start + 1);
      buf[start] = p - start - 1;
      this.pos = p;
      return;
    }
    // Guess the prefix size from the UTF-16 length (exact for ASCII text).
    const guess = wireWriterVarintSize(len);
    const written = wireWriterTextEncoder.encodeInto(s, buf.subarray(start + guess)).written;
    const size = wireWriterVarintSize(written);
    if (size !== guess) buf.copyWithin(start + size, start + guess, start + guess + written);
    this.uint32(written);
    this.pos += written;
  }

  /** Writes a length-prefixed byte string. */
  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.raw(b);
  }

  /** Writes bytes verbatim, without a length prefix (pre-encoded fields, unknown fields). */
  raw(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    if (n < 16) {
      const buf = this.buf;
      const pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos + i] = b[i]!;
    } else {
      this.buf.set(b, this.pos);
    }
    this.pos += n;
  }

  /**
   * Starts a length-delimited value whose length is not known yet: reserves
   * one byte for the length prefix and returns the offset where the content
   * starts, to be passed to join() once the content is written.
   */
  fork(): number {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos] = 0;
    return ++this.pos;
  }

  /**
   * Ends a length-delimited value started by fork(): backfills the varint
   * length of everything written since, moving the content right when the
   * length needs more than the one reserved byte. Forks nest; join the inner
   * one first.
   */
  join(start: number): void {
    const len = this.pos - start;
    if (len < 128) {
      this.buf[start - 1] = len;
      return;
    }
    const extra = wireWriterVarintSize(len) - 1;
    if (this.pos + extra > this.buf.length) this.grow(extra);
    const buf = this.buf;
    buf.copyWithin(start + extra, start, this.pos);
    this.pos += extra;
    let p = start - 1;
    let v = len;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p] = v;
  }

  /**
   * Returns a copy of the bytes written so far and resets the writer for
   * reuse; a buffer that grew beyond 1 MiB is dropped (replaced by an empty
   * one that grows again on demand) so a shared writer does not pin memory.
   * Copies of up to 2 KiB are views into a shared slab (their `.buffer` is
   * shared), the rest own their ArrayBuffer.
   */
  finish(): Uint8Array {
    const n = this.pos;
    const out = n <= WIRE_WRITER_POOLED_MAX ? wireWriterPooledCopy(this.buf, n) : this.buf.slice(0, n);
    this.pos = 0;
    if (this.buf.length > WIRE_WRITER_MAX_RETAINED) {
      // The next write allocates a fresh small buffer; a one-shot writer never does.
      this.buf = new Uint8Array(0);
      this.viewCache = undefined;
    }
    return out;
  }
}

/** Returns the number of bytes of the varint encoding of v (0..2^32-1). */
function wireWriterVarintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
