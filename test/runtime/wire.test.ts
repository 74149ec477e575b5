import { describe, expect, it } from "vitest";
import { BinaryReader as RefReader, BinaryWriter as RefWriter } from "@bufbuild/protobuf/wire";
import { ProtobufError } from "../../runtime-template/protobuf/protobuf-error.js";
import { BinaryReader } from "../../runtime-template/protobuf/wire-reader.js";
import { wireUtf8Decode } from "../../runtime-template/protobuf/wire-utf8.js";
import { BinaryWriter } from "../../runtime-template/protobuf/wire-writer.js";

// ---------------------------------------------------------------------------
// helpers

/** mulberry32: a small seeded PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = rng(0x5eed);
const randU32 = (): number => Math.floor(rand() * 4294967296) >>> 0;
const randInt = (n: number): number => Math.floor(rand() * n);
/** A random unsigned value with a random bit length, so every varint length occurs. */
const randBits64 = (): bigint => {
  const bits = randInt(65);
  const v = (BigInt(randU32()) << 32n) | BigInt(randU32());
  return bits === 64 ? v : v & ((1n << BigInt(bits)) - 1n);
};
const randBits32 = (): number => {
  const bits = randInt(33);
  return bits === 32 ? randU32() : randU32() % 2 ** bits;
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

function ours(f: (w: BinaryWriter) => void, initialSize?: number): Uint8Array {
  const w = new BinaryWriter(initialSize);
  f(w);
  return w.finish();
}
function ref(f: (w: RefWriter) => void): Uint8Array {
  const w = new RefWriter();
  f(w);
  return w.finish();
}

/** Asserts that f throws a ProtobufError (optionally matching msg) and never returns. */
function expectPE(f: () => unknown, msg?: RegExp): ProtobufError {
  let err: unknown;
  let returned = false;
  try {
    f();
    returned = true;
  } catch (e) {
    err = e;
  }
  expect(returned, "expected a ProtobufError, but the call returned").toBe(false);
  expect(err).toBeInstanceOf(ProtobufError);
  if (msg) expect((err as Error).message).toMatch(msg);
  return err as ProtobufError;
}

// ---------------------------------------------------------------------------
// value sets

const U32 = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
const I32 = [0, 1, -1, 63, -64, 64, -65, 127, -128, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1, 2 ** 28, -(2 ** 28)];
const U64 = [0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 52n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n];
U64.push(2n ** 56n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n);
const I64 = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n), 2n ** 31n - 1n, -(2n ** 31n) - 1n, 2n ** 32n - 1n, 2n ** 32n];
I64.push(-(2n ** 32n), 2n ** 52n - 1n, 2n ** 52n, -(2n ** 52n), -(2n ** 52n) + 1n, 2n ** 53n - 1n, 2n ** 53n);
I64.push(-(2n ** 53n), -(2n ** 53n) + 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n));
for (let i = 0; i < 400; i++) {
  U32.push(randBits32());
  I32.push(randBits32() | 0);
  U64.push(randBits64());
  I64.push(BigInt.asIntN(64, randBits64()));
  I64.push(-BigInt.asIntN(63, randBits64()));
}
const F64 = [0, -0, 1, -1, 0.1, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53];
const FLOAT32_MAX = 3.4028234663852886e38;
const F32 = [0, -0, 1, -1, 0.1, NaN, Infinity, -Infinity, FLOAT32_MAX, -FLOAT32_MAX, 1.401298464324817e-45, 16777217];
{
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  for (let i = 0; i < 400; i++) {
    u32[0] = randU32();
    u32[1] = randU32();
    F64.push(f64[0]!);
    F32.push(Math.fround((rand() - 0.5) * 2 ** randInt(200) * (rand() < 0.1 ? 0 : 1)));
    F64.push((rand() - 0.5) * 1e6);
  }
}

const STRINGS = [
  "",
  "a",
  "hello world",
  "é",
  "€",
  "😀",
  "aé€😀",
  "\u007f\u0080\u07ff\u0800\uffff",
  "\ud800",
  "\udc00",
  "a\ud800b",
  "\udbff\udfff",
  "\udc00\ud800",
  "x\ud83d",
  "\ufeffbom",
  "€".repeat(24),
  "€".repeat(25),
  "€".repeat(43),
  "a".repeat(127),
  "a".repeat(126) + "é",
  "a".repeat(128),
  "😀".repeat(40),
  "a".repeat(70000),
  "é€😀\ud800".repeat(20000),
  "\ufeff" + "b".repeat(100),
];
{
  const pick = (): string => {
    const r = rand();
    if (r < 0.5) return String.fromCharCode(32 + randInt(95));
    if (r < 0.65) return String.fromCharCode(0x80 + randInt(0x780));
    if (r < 0.8) return String.fromCharCode(0x800 + randInt(0xd000));
    if (r < 0.9) return String.fromCodePoint(0x10000 + randInt(0x100000));
    return String.fromCharCode(0xd800 + randInt(0x800)); // lone surrogate (may pair by chance)
  };
  for (let i = 0; i < 400; i++) {
    let s = "";
    const len = i < 300 ? randInt(60) : randInt(3000);
    for (let k = 0; k < len; k++) s += pick();
    STRINGS.push(s);
  }
}
/** What a string reads back as: lone surrogates become U+FFFD, a leading U+FEFF stays. */
const wellFormed = (s: string): string => new TextDecoder("utf-8", { ignoreBOM: true }).decode(new TextEncoder().encode(s));

// ---------------------------------------------------------------------------

type Case<T> = {
  name: string;
  values: T[];
  write: (w: BinaryWriter, v: T) => void;
  refWrite: (w: RefWriter, v: T) => void;
  read: (r: BinaryReader) => T;
  expected?: (v: T) => T;
};
const same = <T>(a: T, b: T): boolean => Object.is(a, b);
const CASES: Case<unknown>[] = [
  { name: "uint32", values: U32, write: (w, v) => w.uint32(v), refWrite: (w, v) => w.uint32(v), read: (r) => r.uint32() },
  { name: "int32", values: I32, write: (w, v) => w.int32(v), refWrite: (w, v) => w.int32(v), read: (r) => r.int32() },
  { name: "sint32", values: I32, write: (w, v) => w.sint32(v), refWrite: (w, v) => w.sint32(v), read: (r) => r.sint32() },
  { name: "bool", values: [true, false], write: (w, v) => w.bool(v), refWrite: (w, v) => w.bool(v), read: (r) => r.bool() },
  { name: "uint64", values: U64, write: (w, v) => w.uint64(v), refWrite: (w, v) => w.uint64(v), read: (r) => r.uint64() },
  { name: "int64", values: I64, write: (w, v) => w.int64(v), refWrite: (w, v) => w.int64(v), read: (r) => r.int64() },
  { name: "sint64", values: I64, write: (w, v) => w.sint64(v), refWrite: (w, v) => w.sint64(v), read: (r) => r.sint64() },
  { name: "fixed32", values: U32, write: (w, v) => w.fixed32(v), refWrite: (w, v) => w.fixed32(v), read: (r) => r.fixed32() },
  { name: "sfixed32", values: I32, write: (w, v) => w.sfixed32(v), refWrite: (w, v) => w.sfixed32(v), read: (r) => r.sfixed32() },
  { name: "fixed64", values: U64, write: (w, v) => w.fixed64(v), refWrite: (w, v) => w.fixed64(v), read: (r) => r.fixed64() },
  { name: "sfixed64", values: I64, write: (w, v) => w.sfixed64(v), refWrite: (w, v) => w.sfixed64(v), read: (r) => r.sfixed64() },
  { name: "float", values: F32, write: (w, v) => w.float(v), refWrite: (w, v) => w.float(v), read: (r) => r.float() },
  { name: "double", values: F64, write: (w, v) => w.double(v), refWrite: (w, v) => w.double(v), read: (r) => r.double() },
  {
    name: "string",
    values: STRINGS,
    write: (w, v) => w.string(v),
    refWrite: (w, v) => w.string(v),
    read: (r) => r.string(),
    expected: wellFormed,
  },
  {
    name: "stringLossy",
    values: STRINGS,
    write: (w, v) => w.string(v),
    refWrite: (w, v) => w.string(v),
    read: (r) => r.stringLossy(),
    expected: wellFormed,
  },
  {
    name: "bytes",
    values: [0, 1, 127, 128, 300, 70000].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 255)),
    write: (w, v) => w.bytes(v),
    refWrite: (w, v) => w.bytes(v),
    read: (r) => r.bytes(),
  },
] as Case<any>[];

describe("BinaryWriter matches @bufbuild/protobuf byte for byte", () => {
  for (const c of CASES) {
    it(c.name, () => {
      for (const v of c.values) {
        const a = ours((w) => c.write(w, v), 1);
        const b = ref((w) => c.refWrite(w, v));
        if (hex(a) !== hex(b)) expect(`${c.name}(${String(v).slice(0, 40)}) = ${hex(a)}`).toBe(hex(b));
      }
      // Everything into one writer (growth from a tiny buffer, shared state).
      const a = ours((w) => c.values.forEach((v) => c.write(w, v)), 1);
      const b = ref((w) => c.values.forEach((v) => c.refWrite(w, v)));
      expect(a.length).toBe(b.length);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    });
  }

  it("raw writes bytes without a prefix", () => {
    for (const n of [0, 1, 15, 16, 17, 1000]) {
      const chunk = Uint8Array.from({ length: n }, (_, i) => i & 255);
      expect(hex(ours((w) => (w.uint32(1), w.raw(chunk), w.uint32(2)), 2))).toBe(
        hex(ref((w) => w.uint32(1).raw(chunk).uint32(2))),
      );
    }
  });

  it("bytes() returns a plain Uint8Array copy, also from a Buffer or an offset view", () => {
    const encoded = ours((w) => (w.uint32(7), w.bytes(Uint8Array.of(1, 2, 3)), w.uint32(9)), 3);
    const pooled = Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from(encoded)]).subarray(2);
    for (const input of [Uint8Array.from(encoded), Buffer.from(encoded), pooled]) {
      const reader = new BinaryReader(input);
      expect(reader.uint32()).toBe(7);
      const value = reader.bytes();
      expect(reader.uint32()).toBe(9);
      expect(value.constructor).toBe(Uint8Array);
      expect([...value]).toEqual([1, 2, 3]);
      value[0] = 42; // a copy: the input is untouched
      expect([...input.subarray(2, 5)]).toEqual([1, 2, 3]);
    }
  });

  it("int32 negative is a 10-byte sign-extended varint", () => {
    expect(hex(ours((w) => w.int32(-1)))).toBe("ffffffffffffffffff01");
    expect(hex(ours((w) => w.int32(-(2 ** 31))))).toBe("80808080f8ffffffff01");
  });

  it("64-bit values outside their range wrap modulo 2^64", () => {
    const cases: [bigint, bigint][] = [
      [-1n, 2n ** 64n - 1n],
      [2n ** 64n, 0n],
      [2n ** 64n + 5n, 5n],
      [-(2n ** 63n) - 1n, 2n ** 63n - 1n],
    ];
    for (const [v, wrapped] of cases) {
      expect(hex(ours((w) => w.uint64(v)))).toBe(hex(ref((w) => w.uint64(wrapped))));
      expect(hex(ours((w) => w.int64(v)))).toBe(hex(ref((w) => w.uint64(wrapped))));
      expect(hex(ours((w) => w.fixed64(v)))).toBe(hex(ref((w) => w.fixed64(wrapped))));
    }
  });

  it("32-bit values outside their range are cast like C", () => {
    expect(hex(ours((w) => w.int32(2 ** 31)))).toBe(hex(ref((w) => w.int32(-(2 ** 31)))));
    expect(hex(ours((w) => w.uint32(-1)))).toBe(hex(ref((w) => w.uint32(2 ** 32 - 1))));
    expect(hex(ours((w) => w.uint32(2 ** 32 + 3)))).toBe(hex(ref((w) => w.uint32(3))));
    expect(hex(ours((w) => w.fixed32(-1)))).toBe(hex(ref((w) => w.fixed32(2 ** 32 - 1))));
    expect(hex(ours((w) => w.sfixed32(2 ** 32 - 1)))).toBe(hex(ref((w) => w.sfixed32(-1))));
  });

  it("float rounds doubles and overflows to infinity like a C cast", () => {
    const r = new BinaryReader(ours((w) => (w.float(1e300), w.float(-1e300), w.float(0.1))));
    expect(r.float()).toBe(Infinity);
    expect(r.float()).toBe(-Infinity);
    expect(r.float()).toBe(Math.fround(0.1));
  });
});

describe("BinaryReader round trips", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const exp = c.expected ?? ((v: unknown) => v);
      // Encoded by the reference writer, read back by ours.
      const bytes = ref((w) => c.values.forEach((v) => c.refWrite(w, v)));
      const r = new BinaryReader(bytes);
      for (const v of c.values) {
        const got = c.read(r);
        const want = c.name === "float" ? Math.fround(v as number) : exp(v);
        if (got instanceof Uint8Array) expect(hex(got)).toBe(hex(want as Uint8Array));
        else if (!same(got, want)) expect(got).toBe(want);
      }
      expect(r.pos).toBe(r.end);
      // Our writer, our reader, in an input that is a view into a larger buffer.
      const mine = ours((w) => c.values.forEach((v) => c.write(w, v)));
      const big = new Uint8Array(mine.length + 11);
      big.set(mine, 7);
      const r2 = new BinaryReader(big.subarray(7, 7 + mine.length));
      for (const v of c.values) {
        const got = c.read(r2);
        const want = c.name === "float" ? Math.fround(v as number) : exp(v);
        if (got instanceof Uint8Array) expect(hex(got)).toBe(hex(want as Uint8Array));
        else if (!same(got, want)) expect(got).toBe(want);
      }
      expect(r2.pos).toBe(r2.end);
    });
  }

  it("uint32 returns the low 32 bits of a 64-bit varint; int32 reads negative int32", () => {
    const r = new BinaryReader(ours((w) => (w.int32(-5), w.uint64(2n ** 40n + 7n), w.int64(-2n))));
    expect(r.int32()).toBe(-5);
    expect(r.uint32()).toBe(7);
    expect(r.uint32()).toBe(0xfffffffe);
  });

  it("bool accepts any non-zero 64-bit varint", () => {
    const r = new BinaryReader(fromHex("00 01 02 8001 80808080808080808001 ffffffffffffffffff01 80808080808080808000"));
    expect([r.bool(), r.bool(), r.bool(), r.bool(), r.bool(), r.bool(), r.bool()]).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it("non-canonical (padded) varints decode", () => {
    const r = new BinaryReader(fromHex("8100 8180808000 81808080808080808000"));
    expect(r.uint32()).toBe(1);
    expect(r.uint64()).toBe(1n);
    expect(r.int64()).toBe(1n);
  });

  it("bytes() returns a copy, never a view of the input", () => {
    const input = fromHex("03 0a0b0c");
    const r = new BinaryReader(input);
    const b = r.bytes();
    expect(hex(b)).toBe("0a0b0c");
    expect(b.buffer).not.toBe(input.buffer);
    input[1] = 0xff;
    expect(b[0]).toBe(0x0a);
  });

  it("lengthEnd returns the end offset and leaves pos after the prefix", () => {
    const r = new BinaryReader(fromHex("02 aabb 00"));
    expect(r.lengthEnd()).toBe(3);
    expect(r.pos).toBe(1);
  });

  it("reset reuses the instance and keeps maxDepth unless given", () => {
    const r = new BinaryReader(fromHex("01"), 7);
    expect(r.uint32()).toBe(1);
    r.reset(fromHex("0203"));
    expect([r.pos, r.end, r.maxDepth, r.uint32(), r.uint32()]).toEqual([0, 2, 7, 2, 3]);
    r.reset(fromHex("8001"), 3);
    expect([r.maxDepth, r.uint32()]).toEqual([3, 128]);
  });

  it("a leading byte-order mark is kept as text", () => {
    for (const s of ["\ufeff", "\ufeffx", "\ufeff" + "y".repeat(200)]) {
      const bytes = ours((w) => (w.string(s), w.string(s)));
      const r = new BinaryReader(bytes);
      expect(r.string()).toBe(s);
      expect(r.stringLossy()).toBe(s);
    }
  });
});

describe("fork/join", () => {
  const LENGTHS = [0, 1, 127, 128, 129, 16383, 16384, 16385, 2097151, 2097152, 2 * 1024 * 1024 + 5];
  const content = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);

  it("backfills the length for every prefix size", () => {
    for (const n of LENGTHS) {
      const c = content(n);
      for (const initial of [1, 256]) {
        const a = ours((w) => {
          w.uint32(10);
          const s = w.fork();
          w.raw(c);
          w.join(s);
          w.uint32(16);
        }, initial);
        const b = ref((w) => w.uint32(10).fork().raw(c).join().uint32(16));
        expect(a.length).toBe(b.length);
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      }
    }
  });

  it("nests", () => {
    const combos: [number, number, number][] = [
      [0, 0, 0],
      [126, 0, 0],
      [127, 1, 0],
      [200, 16200, 3],
      [16383, 0, 1],
      [16384, 127, 2097000],
      [2097152, 3, 4],
    ];
    for (const [x, y, z] of combos) {
      const a = ours((w) => {
        const s1 = w.fork();
        w.raw(content(z));
        const s2 = w.fork();
        w.uint32(8);
        const s3 = w.fork();
        w.raw(content(x));
        w.join(s3);
        w.raw(content(y));
        w.join(s2);
        w.string("tail");
        w.join(s1);
      }, 1);
      const b = ref((w) =>
        w.fork().raw(content(z)).fork().uint32(8).fork().raw(content(x)).join().raw(content(y)).join().string("tail").join(),
      );
      expect(a.length).toBe(b.length);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    }
  });

  it("grows the buffer when widening the prefix does not fit", () => {
    const w = new BinaryWriter(129);
    const s = w.fork();
    w.raw(content(128));
    expect(w.pos).toBe(w.buf.length);
    w.join(s);
    expect(hex(w.finish())).toBe(hex(ref((r) => r.fork().raw(content(128)).join())));
  });
});

describe("BinaryWriter buffer management", () => {
  it("finish copies, resets, and drops buffers over 1 MiB", () => {
    const w = new BinaryWriter();
    w.uint32(5);
    const small = w.buf;
    const out = w.finish();
    expect(hex(out)).toBe("05");
    expect(w.pos).toBe(0);
    expect(w.buf).toBe(small);
    w.uint32(6);
    expect(out[0]).toBe(5);
    w.reset();
    w.raw(new Uint8Array(3 * 1024 * 1024).fill(9));
    const big = w.finish();
    expect(big.length).toBe(3 * 1024 * 1024);
    expect(w.buf.length).toBeLessThanOrEqual(1024 * 1024);
    w.string("again");
    w.double(1.5);
    expect(hex(w.finish())).toBe(hex(ref((r) => r.string("again").double(1.5))));
  });

  it("ensure makes room for n more bytes", () => {
    const w = new BinaryWriter(0);
    w.ensure(1000);
    expect(w.buf.length).toBeGreaterThanOrEqual(1000);
    const buf = w.buf;
    for (let i = 0; i < 1000; i++) w.buf[w.pos++] = i & 255;
    expect(w.buf).toBe(buf);
    expect(w.finish().length).toBe(1000);
  });
});

describe("UTF-8 decoding", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
  /** Checks both modes of our decoder (and the reader methods) against TextDecoder on `bytes`. */
  function check(bytes: Uint8Array): void {
    expect(wireUtf8Decode(bytes, 0, bytes.length, false)).toBe(lossy.decode(bytes));
    const prefixed = ours((w) => w.bytes(bytes));
    expect(new BinaryReader(prefixed).stringLossy()).toBe(lossy.decode(bytes));
    let want: string | undefined;
    try {
      want = fatal.decode(bytes);
    } catch {
      want = undefined;
    }
    if (want === undefined) {
      expectPE(() => wireUtf8Decode(bytes, 0, bytes.length, true), /^invalid utf-8/);
      expectPE(() => new BinaryReader(prefixed).string(), /^invalid utf-8/);
    } else {
      expect(wireUtf8Decode(bytes, 0, bytes.length, true)).toBe(want);
      expect(new BinaryReader(prefixed).string()).toBe(want);
    }
  }

  const INVALID = ["c0 80", "ed a0 80", "f4 90 80 80", "e2 82", "80", "c1 bf", "e0 80 80", "e0 9f bf", "f0 80 80 80"];
  INVALID.push("f0 8f bf bf", "f5 80 80 80", "ff", "fe", "ed bf bf", "f8 88 80 80 80", "f0 9f 98", "e2 28 a1", "c3");
  it.each(INVALID)("rejects %s (short and long path, at start, middle, end)", (h) => {
    const bad = fromHex(h);
    const pad = new TextEncoder().encode("a".repeat(40));
    for (const bytes of [bad, Buffer.concat([pad, bad]), Buffer.concat([bad, pad]), Buffer.concat([fromHex("61"), bad, fromHex("62")])]) {
      const u8 = new Uint8Array(bytes);
      expectPE(() => new BinaryReader(ours((w) => w.bytes(u8))).string(), /^invalid utf-8/);
      check(u8);
    }
  });

  it("decodes 1-8 byte strings (the all-ASCII fast path) like TextDecoder, at any offset, falling back on any non-ASCII byte", () => {
    const next = rng(8);
    for (let n = 1; n <= 9; n++) {
      for (let round = 0; round < 200; round++) {
        const bytes = Uint8Array.from({ length: n }, () => Math.floor(next() * 128));
        check(bytes);
        // The same bytes inside a larger buffer, as the reader sees them.
        const framed = Uint8Array.from([0xc3, ...bytes, 0xa9]);
        expect(wireUtf8Decode(framed, 1, n + 1, true)).toBe(fatal.decode(bytes));
        // One non-ASCII byte (a lead, a continuation or invalid) at each position.
        for (let at = 0; at < n; at++) {
          const mixed = Uint8Array.from(bytes);
          mixed[at] = 0x80 + Math.floor(next() * 128);
          check(mixed);
        }
      }
    }
  });

  it("accepts the boundaries of every sequence length", () => {
    for (const cp of [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff]) {
      const bytes = new TextEncoder().encode(String.fromCodePoint(cp));
      expect(wireUtf8Decode(bytes, 0, bytes.length, true)).toBe(String.fromCodePoint(cp));
      check(bytes);
    }
  });

  /** Checks the decoder alone, cheaply: valid UTF-8 is exactly what survives a lossy decode/encode round trip. */
  function quick(bytes: Uint8Array): void {
    const want = lossy.decode(bytes);
    expect(wireUtf8Decode(bytes, 0, bytes.length, false)).toBe(want);
    const valid = hex(new TextEncoder().encode(want)) === hex(bytes);
    let got: string | undefined;
    try {
      got = wireUtf8Decode(bytes, 0, bytes.length, true);
    } catch (e) {
      expect(e).toBeInstanceOf(ProtobufError);
    }
    if (got !== (valid ? want : undefined)) expect([hex(bytes), got]).toEqual([hex(bytes), valid ? want : undefined]);
  }

  it("matches TextDecoder on every 1- and 2-byte sequence", () => {
    for (let a = 0; a < 256; a++) {
      quick(Uint8Array.of(a));
      for (let b = 0; b < 256; b++) quick(Uint8Array.of(a, b));
    }
  });

  it("matches TextDecoder on 3- and 4-byte sequences around every boundary", () => {
    const tails = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xe0, 0xff];
    const seconds = [0x00, 0x7f, 0x80, 0x81, 0x8e, 0x8f, 0x90, 0x91, 0x9e, 0x9f, 0xa0, 0xa1, 0xbe, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff];
    const all = Array.from({ length: 256 }, (_, i) => i);
    for (let a = 0xc0; a < 0x100; a++) {
      // Every second byte after 3-byte leads (E0 and ED restrict it), boundaries otherwise.
      for (const b of a >= 0xe0 && a <= 0xef ? all : seconds) {
        for (const c of tails) {
          quick(Uint8Array.of(a, b, c));
          if (a >= 0xf0) for (const d of tails) quick(Uint8Array.of(a, b, c, d));
        }
      }
    }
  });

  it("matches TextDecoder on random byte soup (manual and native paths)", () => {
    const alphabet = [0x00, 0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let i = 0; i < 5000; i++) {
      const n = randInt(80);
      const bytes = Uint8Array.from({ length: n }, () => (rand() < 0.7 ? alphabet[randInt(alphabet.length)]! : randInt(256)));
      check(bytes);
    }
  });
});

describe("malformed input throws ProtobufError", () => {
  const readers: [string, (r: BinaryReader) => unknown][] = [
    ["uint32", (r) => r.uint32()],
    ["int32", (r) => r.int32()],
    ["sint32", (r) => r.sint32()],
    ["bool", (r) => r.bool()],
    ["uint64", (r) => r.uint64()],
    ["int64", (r) => r.int64()],
    ["sint64", (r) => r.sint64()],
    ["fixed32", (r) => r.fixed32()],
    ["sfixed32", (r) => r.sfixed32()],
    ["float", (r) => r.float()],
    ["fixed64", (r) => r.fixed64()],
    ["sfixed64", (r) => r.sfixed64()],
    ["double", (r) => r.double()],
    ["bytes", (r) => r.bytes()],
    ["string", (r) => r.string()],
    ["stringLossy", (r) => r.stringLossy()],
    ["lengthEnd", (r) => r.lengthEnd()],
    ["skip varint", (r) => r.skip(0, 1, 0)],
    ["skip fixed64", (r) => r.skip(1, 1, 0)],
    ["skip length-delimited", (r) => r.skip(2, 1, 0)],
    ["skip fixed32", (r) => r.skip(5, 1, 0)],
  ];
  const varintReaders = readers.slice(0, 7).concat(readers.slice(13, 18), [readers[19]!]);
  const lengthReaders = readers.slice(13, 17).concat([readers[19]!]);

  it("truncated at every byte offset of a valid encoding", () => {
    for (const c of CASES) {
      // The longest encodings of each type (and a few others).
      const vals = c.values.filter((_, i) => i < 40 || i % 50 === 0);
      for (const v of vals) {
        const full = ours((w) => c.write(w, v));
        // A view into a larger buffer, so a missing bounds check would read real bytes.
        const padded = new Uint8Array(full.length + 16).fill(0x01);
        padded.set(full);
        const offsets = Array.from({ length: full.length }, (_, k) => k);
        // For long values: every offset near both ends plus a random sample.
        const some = full.length <= 300 ? offsets : offsets.filter((k) => k < 64 || k >= full.length - 64 || rand() < 0.002);
        for (const k of some) {
          const r = new BinaryReader(padded.subarray(0, k));
          expectPE(() => c.read(r), /^premature end of input/);
        }
        expect(c.read(new BinaryReader(padded.subarray(0, full.length)))).toBeDefined();
      }
    }
  });

  it("empty input", () => {
    for (const [, read] of readers) expectPE(() => read(new BinaryReader(new Uint8Array(0))), /^premature end of input/);
  });

  it("varint truncated", () => {
    for (const h of ["80", "ffff", "8080808080", "ffffffffffffffffff"]) {
      for (const [, read] of varintReaders) {
        expectPE(() => read(new BinaryReader(fromHex(h))), /^premature end of input: varint truncated$/);
      }
    }
  });

  it("varint longer than 10 bytes (near the end and with input following)", () => {
    for (const h of ["8080808080808080808000", "ffffffffffffffffffff01", "ffffffffffffffffffff", "ff".repeat(30) + "00"]) {
      for (const [name, read] of varintReaders) {
        const e = expectPE(() => read(new BinaryReader(fromHex(h))));
        expect(e.message, name).toBe("invalid varint: longer than 10 bytes");
      }
    }
  });

  it("length beyond the end", () => {
    const inputs = ["05 0102", "80 01", "7f", "ffffffff0f 00", "ffffffffffffffff7f 00", "80808080808080808001"];
    for (const h of inputs) {
      for (const [name, read] of lengthReaders) {
        const e = expectPE(() => read(new BinaryReader(fromHex(h))));
        expect(e.message, name).toMatch(/^premature end of input: length \d+ exceeds remaining \d+ bytes$/);
      }
    }
    // A narrowed `end` bounds reads too.
    const r = new BinaryReader(fromHex("03 616263"));
    r.end = 3;
    expectPE(() => r.string(), /exceeds remaining 2 bytes/);
  });

  it("invalid wire types", () => {
    const r = new BinaryReader(fromHex("00000000"));
    expectPE(() => r.skip(4, 3, 0), /^unexpected end-group tag for field 3$/);
    expectPE(() => r.skip(6, 3, 0), /^invalid wire type 6 for field 3$/);
    expectPE(() => r.skip(7, 3, 0), /^invalid wire type 7 for field 3$/);
    expect(r.pos).toBe(0);
  });
});

describe("skip", () => {
  const tag = (fn: number, wt: number): number => ((fn << 3) | wt) >>> 0;
  /** Writes `depth` nested groups of field 1 around a few fields. */
  function nested(depth: number, inner: (w: BinaryWriter) => void = () => {}): Uint8Array {
    return ours((w) => {
      for (let i = 0; i < depth; i++) w.uint32(tag(i + 1, 3));
      inner(w);
      for (let i = depth - 1; i >= 0; i--) w.uint32(tag(i + 1, 4));
    });
  }

  it("skips every wire type and matches @bufbuild/protobuf", () => {
    const payloads: [number, Uint8Array][] = [
      [0, ours((w) => w.int64(-1n))],
      [0, ours((w) => w.uint32(0))],
      [1, ours((w) => w.double(1))],
      [2, ours((w) => w.string("x".repeat(300)))],
      [5, ours((w) => w.float(1))],
      [3, ours((w) => (w.uint32(tag(2, 0)), w.uint32(150), w.uint32(tag(3, 3)), w.uint32(tag(3, 4)), w.uint32(tag(7, 4))))],
    ];
    for (const [wt, p] of payloads) {
      const bytes = new Uint8Array([...p, 0x08, 0x01]);
      const r = new BinaryReader(bytes);
      r.skip(wt, 7, 0);
      const rr = new RefReader(bytes);
      rr.skip(wt, 7);
      expect(r.pos).toBe(rr.pos);
      expect(r.pos).toBe(p.length);
      // Truncated at every offset: never returns.
      for (let k = 0; k < p.length; k++) {
        expectPE(() => new BinaryReader(bytes.subarray(0, k)).skip(wt, 7, 0), /^premature end of input/);
      }
    }
  });

  it("group end mismatch", () => {
    const bytes = ours((w) => (w.uint32(tag(2, 0)), w.uint32(1), w.uint32(tag(5, 4))));
    expectPE(() => new BinaryReader(bytes).skip(3, 1, 0), /^end-group tag for field 5 does not match start-group for field 1$/);
    const inner = ours((w) => (w.uint32(tag(2, 3)), w.uint32(tag(1, 4)), w.uint32(tag(1, 4))));
    expectPE(() => new BinaryReader(inner).skip(3, 1, 0), /does not match start-group for field 2/);
  });

  it("group not terminated", () => {
    const bytes = ours((w) => (w.uint32(tag(2, 0)), w.uint32(1)));
    expectPE(() => new BinaryReader(bytes).skip(3, 1, 0), /^premature end of input: group for field 1 not terminated$/);
  });

  it("invalid tags inside a group", () => {
    expectPE(() => new BinaryReader(fromHex("0e")).skip(3, 9, 0), /^invalid wire type 6 for field 1$/);
    expectPE(() => new BinaryReader(fromHex("0f")).skip(3, 9, 0), /^invalid wire type 7 for field 1$/);
    expectPE(() => new BinaryReader(fromHex("00")).skip(3, 9, 0), /^invalid tag: field number 0$/);
    expectPE(() => new BinaryReader(fromHex("8080808080808080808001")).skip(3, 9, 0), /longer than 10 bytes/);
  });

  it("depth limit", () => {
    // skip(3, ...) is called after reading the outer start-group tag.
    const body = (n: number): Uint8Array => nested(n + 1).subarray(1);
    const ok = new BinaryReader(body(99));
    ok.skip(3, 1, 0); // 100 levels
    expect(ok.pos).toBe(ok.end);
    expectPE(() => new BinaryReader(body(100)).skip(3, 1, 0), /^maximum nesting depth 100 exceeded$/);
    expectPE(() => new BinaryReader(body(0)).skip(3, 1, 100), /^maximum nesting depth 100 exceeded$/);
    const r = new BinaryReader(body(0));
    r.skip(3, 1, 99);
    expect(r.pos).toBe(r.end);
    expectPE(() => new BinaryReader(body(5), 5).skip(3, 1, 0), /maximum nesting depth 5 exceeded/);
  });

  it("deep nesting never overflows the stack", () => {
    const deep = nested(200000, (w) => (w.uint32(tag(1, 0)), w.uint32(5))).subarray(1);
    const r = new BinaryReader(deep, 1e9);
    r.skip(3, 1, 0);
    expect(r.pos).toBe(deep.length);
    expectPE(() => new BinaryReader(deep.subarray(0, deep.length - 1), 1e9).skip(3, 1, 0), /not terminated/);
    expectPE(() => new BinaryReader(deep).skip(3, 1, 0), /maximum nesting depth 100 exceeded/);
  });

  it("a message truncated anywhere throws unless cut at a field boundary", () => {
    const boundaries = new Set<number>([0]);
    const w = new BinaryWriter();
    const mark = (): void => void boundaries.add(w.pos);
    w.uint32(tag(1, 0)), w.int32(-7), mark();
    w.uint32(tag(2, 1)), w.fixed64(2n ** 64n - 1n), mark();
    w.uint32(tag(3, 2)), w.string("héllo wörld ".repeat(20)), mark();
    w.uint32(tag(4, 5)), w.float(1.5), mark();
    w.uint32(tag(5, 3)), w.uint32(tag(6, 0)), w.uint32(300), w.uint32(tag(7, 3)), w.uint32(tag(7, 4)), w.uint32(tag(5, 4)), mark();
    w.uint32(tag(8, 2));
    const s = w.fork();
    w.uint32(tag(1, 0)), w.uint64(2n ** 63n), w.join(s), mark();
    w.uint32(tag(9, 0)), w.sint64(-(2n ** 63n)), mark();
    const msg = w.finish();
    const parse = (bytes: Uint8Array): void => {
      const r = new BinaryReader(bytes);
      while (r.pos < r.end) {
        const t = r.uint32();
        r.skip(t & 7, t >>> 3, 0);
      }
    };
    parse(msg);
    for (let k = 0; k < msg.length; k++) {
      if (boundaries.has(k)) parse(msg.subarray(0, k));
      else expectPE(() => parse(msg.subarray(0, k)), /^premature end of input/);
    }
  });
});

describe("random input never escapes as anything but ProtobufError", () => {
  type Op = [string, (r: BinaryReader) => unknown, ((r: RefReader) => unknown) | undefined];
  const ops: Op[] = [
    ["uint32", (r) => r.uint32(), (r) => r.uint32()],
    ["int32", (r) => r.int32(), (r) => r.int32()],
    ["sint32", (r) => r.sint32(), (r) => r.sint32()],
    ["bool", (r) => r.bool(), (r) => r.bool()],
    ["uint64", (r) => r.uint64(), (r) => r.uint64()],
    ["int64", (r) => r.int64(), (r) => r.int64()],
    ["sint64", (r) => r.sint64(), (r) => r.sint64()],
    ["fixed32", (r) => r.fixed32(), (r) => r.fixed32()],
    ["sfixed32", (r) => r.sfixed32(), (r) => r.sfixed32()],
    ["float", (r) => r.float(), (r) => r.float()],
    ["fixed64", (r) => r.fixed64(), (r) => r.fixed64()],
    ["sfixed64", (r) => r.sfixed64(), (r) => r.sfixed64()],
    ["double", (r) => r.double(), (r) => r.double()],
    ["bytes", (r) => hex(r.bytes()), (r) => hex(r.bytes())],
    ["string", (r) => r.string(), (r) => r.string(true)],
    ["stringLossy", (r) => r.stringLossy(), (r) => r.string(false)],
    ["skip", (r) => r.skip(r.uint32() & 7, 1, 0), undefined],
    ["group", (r) => r.skip(3, 1, 0), undefined],
  ];
  it("fuzz", () => {
    const alphabet = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x08, 0x0b, 0x0c, 0x0f, 0x10, 0x7f, 0x80, 0xbf, 0xc3, 0xff];
    for (let i = 0; i < 3000; i++) {
      const n = randInt(48);
      const bytes = Uint8Array.from({ length: n }, () => (rand() < 0.6 ? alphabet[randInt(alphabet.length)]! : randInt(256)));
      for (const [name, read, refRead] of ops) {
        const r = new BinaryReader(bytes);
        let got: unknown;
        let ok = true;
        try {
          while (r.pos < r.end) got = read(r);
        } catch (e) {
          ok = false;
          if (!(e instanceof ProtobufError)) throw new Error(`${name} on ${hex(bytes)} threw ${String(e)}`);
        }
        expect(r.pos).toBeLessThanOrEqual(r.end);
        if (ok && refRead && n > 0) {
          // Whatever we accept, the reference accepts identically.
          const rr = new RefReader(bytes);
          let want: unknown;
          while (rr.pos < rr.len) want = refRead(rr);
          if (!same(got, want)) expect([name, hex(bytes), got]).toEqual([name, hex(bytes), want]);
        }
      }
    }
  });
});
