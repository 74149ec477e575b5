import { create, equals, fromBinary, toBinary, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURE_CONCERNS,
  bytesToUnknown,
  containsNaN,
  createRng,
  fromPlain,
  esLocalNamesCollide,
  listMessages,
  loadFixtureRegistry,
  plainDiff,
  randomMessage,
  randomUnknownFields,
  toPlain,
  unknownToBytes,
} from "./random-message.ts";

const SAMPLES = 200;

/** FNV-1a, to derive a stable seed per message type. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function getMessage(registry: FileRegistry, typeName: string): DescMessage {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`no message ${typeName}`);
  return desc;
}

describe("createRng", () => {
  it("is deterministic for a seed", () => {
    const a = createRng(1234);
    const b = createRng(1234);
    const seqA = Array.from({ length: 100 }, () => [a.uint32(), a.next(), a.int(-5, 5), a.int64(), a.uint64()]);
    const seqB = Array.from({ length: 100 }, () => [b.uint32(), b.next(), b.int(-5, 5), b.int64(), b.uint64()]);
    expect(seqA).toStrictEqual(seqB);
    const c = createRng(1235);
    expect(Array.from({ length: 10 }, () => c.uint32())).not.toStrictEqual(seqA.slice(0, 10).map((x) => x[0]));
  });

  it("stays within ranges", () => {
    const rng = createRng(7);
    for (let i = 0; i < 10_000; i++) {
      const n = rng.int(-3, 3);
      expect(n >= -3 && n <= 3 && Number.isInteger(n)).toBe(true);
      const f = rng.next();
      expect(f >= 0 && f < 1).toBe(true);
      const u = rng.uint64();
      expect(u >= 0n && u < 2n ** 64n).toBe(true);
      const s = rng.int64();
      expect(s >= -(2n ** 63n) && s < 2n ** 63n).toBe(true);
    }
  });
});

describe("randomMessage", () => {
  it("is deterministic for a seed", async () => {
    for (const concern of ["scalars", "proto2", "wkt", "maps"]) {
      const registry = await loadFixtureRegistry(concern);
      for (const desc of listMessages(registry, concern)) {
        for (let seed = 0; seed < 20; seed++) {
          const a = toBinary(desc, randomMessage(desc, createRng(seed)));
          const b = toBinary(desc, randomMessage(desc, createRng(seed)));
          expect(a).toStrictEqual(b);
        }
      }
    }
  });

  it("covers the interesting values", async () => {
    const registry = await loadFixtureRegistry("scalars");
    const desc = getMessage(registry, "fixtures.scalars.ImplicitScalars");
    const seen = new Set<string>();
    const rng = createRng(99);
    for (let i = 0; i < 2000; i++) {
      const m = toPlain(desc, randomMessage(desc, rng));
      const d = m["doubleField"] as number;
      const f = m["floatField"] as number;
      if (Number.isNaN(d)) seen.add("double NaN");
      if (Object.is(d, -0)) seen.add("double -0");
      if (d === Infinity) seen.add("double +inf");
      if (d === -Infinity) seen.add("double -inf");
      if (Number.isNaN(f)) seen.add("float NaN");
      if (!Object.is(f, Math.fround(f))) seen.add("float not float32");
      if ((m["int32Field"] as number) < 0) seen.add("int32 negative");
      if (m["int64Field"] === -(2n ** 63n)) seen.add("int64 min");
      if (m["uint64Field"] === 2n ** 64n - 1n) seen.add("uint64 max");
      if (m["sint64Field"] === 2n ** 32n) seen.add("sint64 2^32");
      if ((m["bytesField"] as Uint8Array).length === 0) seen.add("bytes empty");
      for (const ch of m["stringField"] as string) {
        seen.add(`utf8 ${Buffer.byteLength(ch)} bytes`);
        const cp = ch.codePointAt(0) ?? 0;
        if (cp >= 0xd800 && cp <= 0xdfff) seen.add("lone surrogate");
      }
    }
    expect([...seen].sort()).toStrictEqual(
      [
        "bytes empty",
        "double +inf",
        "double -0",
        "double -inf",
        "double NaN",
        "float NaN",
        "int32 negative",
        "int64 min",
        "sint64 2^32",
        "uint64 max",
        "utf8 1 bytes",
        "utf8 2 bytes",
        "utf8 3 bytes",
        "utf8 4 bytes",
      ].sort(),
    );
  });

  it("always sets required fields and leaves optional ones unset sometimes", async () => {
    const registry = await loadFixtureRegistry("proto2");
    const requireds = getMessage(registry, "fixtures.proto2.Requireds");
    const optionals = getMessage(registry, "fixtures.proto2.Optionals");
    const rng = createRng(5);
    let unsetOptionals = 0;
    for (let i = 0; i < 50; i++) {
      const r = reflect(requireds, randomMessage(requireds, rng));
      for (const f of requireds.fields) expect(r.isSet(f), f.name).toBe(true);
      const o = reflect(optionals, randomMessage(optionals, rng));
      unsetOptionals += optionals.fields.filter((f) => !o.isSet(f)).length;
    }
    expect(unsetOptionals).toBeGreaterThan(0);
  });

  it("uses only declared values for closed enums and sometimes unknown values for open enums", async () => {
    const proto2 = await loadFixtureRegistry("proto2");
    const closed = getMessage(proto2, "fixtures.proto2.Optionals");
    const enumField = closed.fields.find((f) => f.name === "enum_field");
    const declared = new Set(enumField?.enum?.values.map((v) => v.number));
    const enums = await loadFixtureRegistry("enums");
    const open = getMessage(enums, "fixtures.enums.EnumFields");
    const openDeclared = new Set(enums.getEnum("fixtures.enums.Planet")?.values.map((v) => v.number));
    const rng = createRng(11);
    let unknownOpen = 0;
    for (let i = 0; i < 300; i++) {
      const c = toPlain(closed, randomMessage(closed, rng));
      if ("enumField" in c) expect(declared.has(c["enumField"] as number)).toBe(true);
      const o = toPlain(open, randomMessage(open, rng));
      if (!openDeclared.has(o["planet"] as number)) unknownOpen++;
    }
    expect(unknownOpen).toBeGreaterThan(0);
  });
});

describe.each(FIXTURE_CONCERNS)("fixture %s", (concern) => {
  let registry: FileRegistry;
  let messages: DescMessage[];
  beforeAll(async () => {
    registry = await loadFixtureRegistry(concern);
    // protobuf-es cannot hold messages whose members share a localName (test/name-collisions.test.ts).
    messages = listMessages(registry, concern).filter((desc) => !esLocalNamesCollide(desc));
  });

  it("has messages (no map entries, no google.protobuf.*)", () => {
    expect(messages.length).toBeGreaterThan(0);
    for (const desc of messages) {
      expect(desc.typeName.startsWith("google.protobuf.")).toBe(false);
      expect(desc.proto.options?.mapEntry ?? false).toBe(false);
    }
    expect(new Set(messages.map((m) => m.typeName)).size).toBe(messages.length);
  });

  it(`round-trips ${SAMPLES} random messages per type through binary and the plain shape`, () => {
    // Checks collect failures instead of calling expect() per sample: expect() is slow.
    const failures: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && failures.length < 20) failures.push(what);
    };
    for (const desc of messages) {
      const rng = createRng(hash(desc.typeName));
      for (let i = 0; i < SAMPLES; i++) {
        const message = randomMessage(desc, rng);
        const context = `${desc.typeName} sample #${i}`;
        const bytes = toBinary(desc, message);
        const plain = toPlain(desc, message);
        const nan = containsNaN(plain);
        check(!("$typeName" in plain), `${context}: $typeName in plain`);

        // protobuf-es binary round trip.
        const decoded = fromBinary(desc, bytes);
        check(nan || equals(desc, message, decoded, { registry, unknown: true }), `${context}: equals after binary`);
        const decodedDiff = plainDiff(toPlain(desc, decoded), plain);
        check(decodedDiff === undefined, `${context}: after binary: ${decodedDiff}`);
        check(bytesEqual(toBinary(desc, decoded), bytes), `${context}: re-encoding differs`);

        // Plain shape round trip.
        const back = fromPlain(desc, plain);
        check(nan || equals(desc, message, back, { registry, unknown: true }), `${context}: equals after fromPlain`);
        const backDiff = plainDiff(toPlain(desc, back), plain);
        check(backDiff === undefined, `${context}: after fromPlain: ${backDiff}`);
        check(bytesEqual(toBinary(desc, back), bytes), `${context}: encoding after fromPlain differs`);
      }
    }
    expect(failures).toStrictEqual([]);
  });
});

describe("unknown fields", () => {
  /** Raw records for unused field numbers: one of every wire type, including a nested group. */
  function unknownRecords(): Uint8Array {
    const w = new BinaryWriter();
    w.tag(1000, WireType.Varint).int32(-1);
    w.tag(1001, WireType.Bit32).fixed32(0xdeadbeef);
    w.tag(1002, WireType.Bit64).fixed64(0x0123456789abcdefn);
    w.tag(1003, WireType.LengthDelimited).bytes(new Uint8Array([1, 2, 3, 0xff]));
    w.tag(1004, WireType.StartGroup);
    w.tag(1, WireType.Varint).uint32(7);
    w.tag(2, WireType.StartGroup).tag(3, WireType.LengthDelimited).string("héllo").tag(2, WireType.EndGroup);
    w.tag(1004, WireType.EndGroup);
    w.tag(536870911, WireType.Varint).uint64(2n ** 64n - 1n);
    w.tag(1000, WireType.Varint).int32(5); // repeated number, kept in order
    return w.finish();
  }

  function concat(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }

  it("protobuf-es stores everything after the tag in data (length prefix and end-group tag included)", () => {
    const list = bytesToUnknown(unknownRecords());
    expect(list.map((u) => [u.no, u.wireType])).toStrictEqual([
      [1000, WireType.Varint],
      [1001, WireType.Bit32],
      [1002, WireType.Bit64],
      [1003, WireType.LengthDelimited],
      [1004, WireType.StartGroup],
      [536870911, WireType.Varint],
      [1000, WireType.Varint],
    ]);
    expect(list[0]?.data.length).toBe(10); // -1 as a 10-byte varint
    expect(list[3]?.data).toStrictEqual(new Uint8Array([4, 1, 2, 3, 0xff])); // length prefix included
    const group = list[4]?.data ?? new Uint8Array();
    expect([...group.subarray(group.length - 2)]).toStrictEqual([0xe4, 0x3e]); // end tag 1004 included
    expect(unknownToBytes(list)).toStrictEqual(unknownRecords());
  });

  it.each([
    ["scalars", "fixtures.scalars.ImplicitScalars"],
    ["scalars", "fixtures.scalars.EmptyMessage"],
    ["proto2", "fixtures.proto2.Groups"],
    ["editions", "fixtures.editions.Delimited"],
    ["wkt", "fixtures.wkt.Wrappers"],
  ])("survive toPlain / fromPlain / toBinary byte-exactly (%s %s)", async (concern, typeName) => {
    const registry = await loadFixtureRegistry(concern);
    const desc = getMessage(registry, typeName);
    const rng = createRng(hash(typeName));
    for (let i = 0; i < 20; i++) {
      const valid = toBinary(desc, randomMessage(desc, rng));
      const extra = unknownRecords();
      const input = concat(valid, extra);
      const decoded = fromBinary(desc, input);
      expect(decoded.$unknown?.length).toBe(7);
      const plain = toPlain(desc, decoded);
      expect(plain["$unknown"]).toStrictEqual(extra);
      const back = fromPlain(desc, plain);
      expect(toBinary(desc, back)).toStrictEqual(input);
      expect(equals(desc, decoded, back, { registry, unknown: true }) || containsNaN(plain)).toBe(true);
    }
  });

  it("random unknown fields survive binary and the plain shape", async () => {
    for (const [concern, typeName] of [
      ["proto2", "fixtures.proto2.Groups"],
      ["maps", "fixtures.maps.MapCombinations"],
      ["editions", "fixtures.editions.Presence"],
    ] as const) {
      const registry = await loadFixtureRegistry(concern);
      const desc = getMessage(registry, typeName);
      const rng = createRng(hash(typeName) + 1);
      for (let i = 0; i < 100; i++) {
        const message = randomMessage(desc, rng);
        message.$unknown = randomUnknownFields(desc, rng);
        const bytes = toBinary(desc, message);
        const decoded = fromBinary(desc, bytes);
        expect(plainDiff(toPlain(desc, decoded), toPlain(desc, message))).toBeUndefined();
        expect(toBinary(desc, fromPlain(desc, toPlain(desc, decoded)))).toStrictEqual(bytes);
      }
    }
  });

  it("survive in nested messages", async () => {
    const registry = await loadFixtureRegistry("repeated");
    const desc = getMessage(registry, "fixtures.repeated.Item");
    const extra = unknownRecords();
    const child = concat(toBinary(desc, create(desc, { id: 2 })), extra);
    const w = new BinaryWriter();
    w.tag(1, WireType.Varint).int32(1);
    w.tag(3, WireType.LengthDelimited).bytes(child);
    const input = w.finish();
    const plain = toPlain(desc, fromBinary(desc, input));
    expect(plain).toStrictEqual({ id: 1, label: "", children: [{ id: 2, label: "", children: [], $unknown: extra }] });
    expect(toBinary(desc, fromPlain(desc, plain))).toStrictEqual(input);
  });
});

describe("plain shape", () => {
  it("omits unset explicit-presence fields, keeps required and implicit ones", async () => {
    const proto2 = await loadFixtureRegistry("proto2");
    const defaults = getMessage(proto2, "fixtures.proto2.Defaults");
    expect(toPlain(defaults, create(defaults))).toStrictEqual({ requiredWithDefault: 7, requiredStringWithDefault: "seven" });
    // Unset fields read as the default through the prototype, but are absent in the plain shape.
    expect((create(defaults) as unknown as Record<string, unknown>)["int32Field"]).toBe(-42);
    const requireds = getMessage(proto2, "fixtures.proto2.Requireds");
    const plainRequired = toPlain(requireds, create(requireds));
    expect(plainRequired["int64Field"]).toBe(0n);
    expect(plainRequired["enumField"]).toBe(1); // first value of the closed enum
    expect(plainRequired["bytesField"]).toStrictEqual(new Uint8Array());
    expect("messageField" in plainRequired).toBe(false);

    const scalars = await loadFixtureRegistry("scalars");
    const optional = getMessage(scalars, "fixtures.scalars.OptionalScalars");
    expect(toPlain(optional, create(optional))).toStrictEqual({});
    expect(toPlain(optional, create(optional, { int32Field: 0, stringField: "" }))).toStrictEqual({
      int32Field: 0,
      stringField: "",
    });
    const implicit = getMessage(scalars, "fixtures.scalars.ImplicitScalars");
    const plainImplicit = toPlain(implicit, create(implicit));
    expect(Object.keys(plainImplicit)).toHaveLength(15);
    expect(plainImplicit["uint64Field"]).toBe(0n);
  });

  it("keys maps by string and uses {case, value} for oneofs", async () => {
    const maps = await loadFixtureRegistry("maps");
    const keys = getMessage(maps, "fixtures.maps.MapKeys");
    const msg = create(keys);
    const r = reflect(keys, msg);
    const field = (name: string) => keys.fields.find((f) => f.name === name);
    const boolKey = field("bool_key");
    const int64Key = field("int64_key");
    const stringKey = field("string_key");
    if (boolKey?.fieldKind !== "map" || int64Key?.fieldKind !== "map" || stringKey?.fieldKind !== "map") {
      throw new Error("unexpected descriptor");
    }
    r.get(boolKey).set(true, "t");
    r.get(int64Key).set(-(2n ** 63n), "min");
    r.get(stringKey).set("__proto__", "p");
    const plain = toPlain(keys, msg);
    expect(plain["boolKey"]).toStrictEqual({ true: "t" });
    expect(plain["int64Key"]).toStrictEqual({ "-9223372036854775808": "min" });
    const protoMap = plain["stringKey"] as Record<string, unknown>;
    expect(Object.keys(protoMap)).toStrictEqual(["__proto__"]);
    expect(Object.getPrototypeOf(protoMap)).toBe(Object.prototype);
    expect(toBinary(keys, fromPlain(keys, plain))).toStrictEqual(toBinary(keys, msg));

    const oneofs = await loadFixtureRegistry("oneofs");
    const two = getMessage(oneofs, "fixtures.oneofs.TwoOneofs");
    const plainTwo = toPlain(two, create(two, { first: { case: "firstPayload", value: { text: "x" } } }));
    expect(plainTwo["first"]).toStrictEqual({ case: "firstPayload", value: { text: "x", number: 0 } });
    expect(plainTwo["second"]).toStrictEqual({ case: undefined });
  });

  it("mirrors protobuf-es for wrappers and Struct", async () => {
    const wkt = await loadFixtureRegistry("wkt");
    const wrappers = getMessage(wkt, "fixtures.wkt.Wrappers");
    expect(toPlain(wrappers, create(wrappers, { int64Value: 5n, stringValue: "" }))).toStrictEqual({
      int64Value: 5n,
      stringValue: "",
    });
    const types = getMessage(wkt, "fixtures.wkt.WellKnownTypes");
    const plain = toPlain(types, create(types, { struct: { a: [1, null, "x", { b: true }] } }));
    expect(plain["struct"]).toStrictEqual({ a: [1, null, "x", { b: true }] });
  });
});

describe("protobuf-es behaviour the oracle relies on", () => {
  it("moves unknown values of SINGULAR closed enums to $unknown, but keeps them in lists and maps", async () => {
    const registry = await loadFixtureRegistry("proto2");
    const optionals = getMessage(registry, "fixtures.proto2.Optionals");
    const singular = new BinaryWriter().tag(16, WireType.Varint).int32(99).finish();
    const decodedSingular = fromBinary(optionals, singular);
    expect(toPlain(optionals, decodedSingular)).toStrictEqual({ $unknown: singular });

    const repeateds = getMessage(registry, "fixtures.proto2.Repeateds");
    const w = new BinaryWriter();
    w.tag(7, WireType.Varint).int32(99); // unpacked_enum
    w.tag(8, WireType.LengthDelimited).fork().int32(1).int32(-7).join(); // packed_enum
    w.tag(12, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string("k").tag(2, WireType.Varint).int32(42).join(); // enum_map
    const plain = toPlain(repeateds, fromBinary(repeateds, w.finish()));
    expect(plain["unpackedEnum"]).toStrictEqual([99]);
    expect(plain["packedEnum"]).toStrictEqual([1, -7]);
    expect(plain["enumMap"]).toStrictEqual({ k: 42 });
    expect("$unknown" in plain).toBe(false);
  });

  it("equals() treats NaN as unequal and -0 as equal to +0 (except for implicit presence)", async () => {
    const registry = await loadFixtureRegistry("scalars");
    const optional = getMessage(registry, "fixtures.scalars.OptionalScalars");
    const nan = create(optional, { doubleField: NaN });
    expect(equals(optional, nan, create(optional, { doubleField: NaN }))).toBe(false);
    expect(equals(optional, create(optional, { doubleField: -0 }), create(optional, { doubleField: 0 }))).toBe(true);
    const implicit = getMessage(registry, "fixtures.scalars.ImplicitScalars");
    // -0 is "set" for implicit presence, +0 is not; so these differ.
    expect(equals(implicit, create(implicit, { doubleField: -0 }), create(implicit))).toBe(false);
    expect(toBinary(implicit, create(implicit, { doubleField: -0 })).length).toBe(9);
  });

  it("reads unset proto2 fields with defaults through the prototype chain", async () => {
    const registry = await loadFixtureRegistry("proto2");
    const defaults = getMessage(registry, "fixtures.proto2.Defaults");
    const message = create(defaults) as unknown as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(message, "doubleNan")).toBe(false);
    expect(message["doubleNan"]).toBeNaN();
    expect(message["stringField"]).toBe('h\u00e9llo "w\u00f6rld"\n\t\\ \u{1f600}');
    expect(message["bytesField"]).toStrictEqual(new Uint8Array([0, 1, 255, 127, 32, 97, 98, 99, 92]));
    // protobuf-es bug: escaped quotes in bytes defaults are dropped (buf stores a\"b\'c).
    const quotes = defaults.fields.find((f) => f.name === "bytes_with_quotes");
    expect(quotes?.proto.defaultValue).toBe("a\\\"b\\'c");
    expect(message["bytesWithQuotes"]).toStrictEqual(new TextEncoder().encode("abc"));
    expect(toBinary(defaults, create(defaults, { requiredWithDefault: 7, requiredStringWithDefault: "" })).length).toBe(6);
  });
});
