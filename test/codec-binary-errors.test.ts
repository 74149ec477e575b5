// Hand-written bad-input and edge-case tests of the generated binary decoders: truncation at every byte,
// wrong and invalid wire types, field number 0, stray and unterminated groups, invalid UTF-8, lengths
// that overrun their enclosing value, nesting limits, huge declared lengths, closed-enum unknowns, and
// the merge rules (repeated singular messages merge, scalars: last one wins, packed ≡ unpacked).
// Every failure must be the concern's ProtobufError: never a hang, a RangeError or a garbage message.
import { BinaryReader as EsReader } from "@bufbuild/protobuf/wire";
import { describe, expect, test } from "vitest";
import { Delimited, Outer, Presence, Utf8 } from "../snapshots/editions/editions.js";
import { ProtobufError as EditionsError } from "../snapshots/editions/tristub-runtime.js";
import { MapCombinations, MapKeys, MapValues } from "../snapshots/maps/maps.js";
import { ProtobufError as MapsError } from "../snapshots/maps/tristub-runtime.js";
import { Expr, RecursiveOneof, ScalarOneof, TwoOneofs } from "../snapshots/oneofs/oneofs.js";
import { ProtobufError as OneofsError } from "../snapshots/oneofs/tristub-runtime.js";
import { Groups, Optionals, Repeateds, Tree } from "../snapshots/proto2/proto2.js";
import { ProtobufError as Proto2Error } from "../snapshots/proto2/tristub-runtime.js";
import { PackedScalars, RepeatedMixed, UnpackedScalars } from "../snapshots/repeated/repeated.js";
import { ProtobufError as RepeatedError } from "../snapshots/repeated/tristub-runtime.js";
import { ImplicitScalars, MixedScalars, OptionalScalars } from "../snapshots/scalars/scalars.js";
import { ProtobufError as ScalarsError } from "../snapshots/scalars/tristub-runtime.js";
import { ProtobufError as WktError } from "../snapshots/wkt/tristub-runtime.js";
import { WellKnownTypes, Wrappers } from "../snapshots/wkt/wkt.js";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface Decoder {
  readonly typeName: string;
  decode(bytes: Uint8Array, options?: { maxDepth?: number }): object;
  encode(message: never): Uint8Array;
}

type ErrorClass = new (...args: never[]) => Error;

const errorOf: [string, ErrorClass][] = [
  ["fixtures.scalars.", ScalarsError],
  ["fixtures.maps.", MapsError],
  ["fixtures.oneofs.", OneofsError],
  ["fixtures.proto2.", Proto2Error],
  ["fixtures.repeated.", RepeatedError],
  ["fixtures.wkt.", WktError],
  ["fixtures.editions.", EditionsError],
];

function errorClass(codec: Decoder): ErrorClass {
  const found = errorOf.find(([prefix]) => codec.typeName.startsWith(prefix));
  if (found === undefined) throw new Error(`no error class for ${codec.typeName}`);
  return found[1];
}

/** Decodes `bytes`, which must fail with the concern's ProtobufError (matching `message` if given). */
function rejects(codec: Decoder, bytes: Uint8Array | number[], message?: RegExp | string, options?: { maxDepth?: number }): Error {
  let result: object | undefined;
  let error: unknown;
  try {
    result = codec.decode(Uint8Array.from(bytes), options);
  } catch (e) {
    error = e;
  }
  if (result !== undefined) expect.fail(`${codec.typeName} decoded [${Array.from(bytes).join(",")}] to ${show(result)}`);
  expect(error).toBeInstanceOf(errorClass(codec));
  if (message !== undefined) expect((error as Error).message).toMatch(message);
  return error as Error;
}

function decodes(codec: Decoder, bytes: Uint8Array | number[], options?: { maxDepth?: number }): Record<string, unknown> {
  return codec.decode(Uint8Array.from(bytes), options) as Record<string, unknown>;
}

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v));
}

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v > 127n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function tag(field: number, wireType: number): number[] {
  return varint(field * 8 + wireType);
}

/** A length-delimited field: tag, length, payload. */
function ld(field: number, ...payload: (number | readonly number[])[]): number[] {
  const body = payload.flat();
  return [...tag(field, 2), ...varint(body.length), ...body];
}

function text(s: string): number[] {
  return Array.from(new TextEncoder().encode(s));
}

function cat(...parts: (number | number[] | Uint8Array)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : Array.from(p))));
}

/** Offsets at which the encoding can be cut into a valid message: the boundaries of top-level fields. */
function fieldBoundaries(bytes: Uint8Array): Set<number> {
  const reader = new EsReader(bytes);
  const offsets = new Set([0]);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    reader.skip(wireType, fieldNo);
    offsets.add(reader.pos);
  }
  return offsets;
}

/** Builds bytes back to front, so that each step can wrap everything built so far in a length prefix. */
class Backwards {
  private readonly reversed: number[] = [];
  get length(): number {
    return this.reversed.length;
  }
  prepend(bytes: readonly number[]): void {
    for (let i = bytes.length - 1; i >= 0; i--) this.reversed.push(bytes[i] as number);
  }
  /** Wraps everything so far as the payload of length-delimited field `field`. */
  wrap(field: number): void {
    this.prepend([...tag(field, 2), ...varint(this.length)]);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.reversed).reverse();
  }
}

/** A chain of `levels` length-delimited fields `field`, each wrapping the next, around `leaf`. */
function nestLengthDelimited(levels: number, field: number, leaf: number[]): Uint8Array {
  const out = new Backwards();
  out.prepend(leaf);
  for (let i = 0; i < levels; i++) out.wrap(field);
  return out.finish();
}

/** A Struct nested `levels` deep: `{"a": {"a": … {}}}` as Struct fields (entry → Value.struct_value → Struct). */
function nestStruct(levels: number): Uint8Array {
  const out = new Backwards();
  for (let i = 0; i < levels; i++) {
    out.wrap(5); // Value.struct_value
    out.wrap(2); // entry value
    out.prepend(ld(1, 97)); // entry key "a"
    out.wrap(1); // Struct.fields entry
  }
  return out.finish();
}

// ---------------------------------------------------------------------------------------------
// Rich messages, truncated at every byte
// ---------------------------------------------------------------------------------------------

const richMessages: [string, Decoder, object][] = [
  ["scalars: every implicit scalar", ImplicitScalars, ImplicitScalars.create({
    doubleField: -1.5, floatField: 2.5, int32Field: -1, int64Field: -9223372036854775808n, uint32Field: 4294967295,
    uint64Field: 18446744073709551615n, sint32Field: -2147483648, sint64Field: 9223372036854775807n, fixed32Field: 7,
    fixed64Field: 8n, sfixed32Field: -9, sfixed64Field: -10n, boolField: true, stringField: "héllo 😀", bytesField: Uint8Array.from([0, 255, 128]),
  })],
  ["scalars: large field numbers", MixedScalars, MixedScalars.create({
    implicitInt32: 300, explicitInt32: 0, implicitString: "a", explicitString: "", implicitBytes: Uint8Array.from([1]),
    explicitBytes: new Uint8Array(0), implicitUint64: 1n << 40n, explicitSint64: -3n, maxFieldNumber: 5n, camelCaseName: 1,
  })],
  ["maps: every key kind", MapKeys, MapKeys.create({
    int32Key: { [-1]: "a", 2: "b" }, int64Key: { "-5": "c" }, uint32Key: { 4294967295: "" }, uint64Key: { "18446744073709551615": "d" },
    sint32Key: { [-7]: "e" }, sint64Key: { "7": "f" }, fixed32Key: { 1: "g" }, fixed64Key: { "2": "h" }, sfixed32Key: { [-3]: "i" },
    sfixed64Key: { "-4": "j" }, boolKey: { true: "k", false: "l" }, stringKey: { "": "m", ["__proto__"]: "n" },
  })],
  ["maps: nested values", MapCombinations, MapCombinations.create({
    int64ToMessage: { "1": { text: "x", count: 2n, children: { c: { text: "y", count: 0n, children: {} } } } },
    boolToEnum: { true: 2 }, uint32ToBytes: { 9: Uint8Array.from([1, 2]) }, sint64ToSint64: { "-1": -2n }, fixed64ToDouble: { "3": 0.5 },
    recursive: { 4: MapCombinations.create({ name: "inner", tags: ["t"] }) }, name: "outer", tags: ["a", "b"],
  })],
  ["oneofs: two oneofs", TwoOneofs, TwoOneofs.create({ before: "b", first: { case: "firstPayload", value: { text: "p", number: 3 } }, between: 4, second: { case: "secondSfixed32", value: -5 }, after: "a" })],
  ["oneofs: recursion", RecursiveOneof, RecursiveOneof.create({
    node: { case: "child", value: RecursiveOneof.create({ node: { case: "leaf", value: "l" } }) },
    siblings: [RecursiveOneof.create({ node: { case: "payload", value: { text: "", number: 1 } } }), RecursiveOneof.create({})],
  })],
  ["proto2: groups", Groups, Groups.create({
    singulargroup: { value: 1, text: "s" },
    repeatedgroup: [{ id: 2, tags: ["x", "y"], innergroup: { deep: -3n } }, { tags: [] }],
    requiredgroup: { must: 4 },
    choice: { case: "oneofgroup", value: { x: 5 } },
    regularMessage: { a: 6, b: "r" },
  })],
  ["proto2: repeated, packed and maps", Repeateds, Repeateds.create({
    unpackedInt32: [1, -1], packedInt32: [300, -2], packedSint64: [-1n, 1n << 50n], packedDouble: [0.5, -0], packedBool: [true, false],
    packedFixed32: [1, 4294967295], unpackedEnum: [1, -5], packedEnum: [3, 2], strings: ["s", ""], bytesList: [Uint8Array.from([7])],
    messages: [{ a: 1 }, {}], enumMap: { k: 2 }, messageMap: { [-1]: { b: "m" } },
  })],
  ["proto2: optionals", Optionals, Optionals.create({ doubleField: 1, int64Field: -1n, stringField: "s", bytesField: new Uint8Array(0), enumField: -5, messageField: { a: 1 } })],
  ["wkt: well-known types", WellKnownTypes, WellKnownTypes.create({
    timestamp: { seconds: 1n, nanos: 2 }, duration: { seconds: -3n, nanos: -4 }, any: { typeUrl: "type.googleapis.com/x.Y", value: Uint8Array.from([8, 1]) },
    struct: { a: [1, "s", true, null, { b: {} }] }, value: { kind: { case: "numberValue", value: 1 } }, listValue: { values: [] }, fieldMask: { paths: ["a.b"] }, empty: {},
  })],
  ["editions: delimited", Delimited, Delimited.create({
    delimitedChild: { id: 1, name: "c" }, delimitedChildren: [{ id: 2 }, { id: 3, name: "" }], lengthPrefixedChild: { id: 4 },
    recursive: Delimited.create({ choice: { case: "delimitedInOneof", value: { id: 5 } } }), childMap: { k: { id: 6 } },
  })],
];

describe("truncation at every byte offset", () => {
  for (const [name, codec, message] of richMessages) {
    test(name, () => {
      const bytes = codec.encode(message as never);
      const boundaries = fieldBoundaries(bytes);
      expect(boundaries.size).toBeGreaterThan(3);
      expect(codec.decode(bytes)).toEqual(message);
      for (let cut = 0; cut < bytes.length; cut++) {
        const prefix = bytes.slice(0, cut);
        if (boundaries.has(cut)) {
          expect(() => codec.decode(prefix), `cut at ${cut} is a field boundary`).not.toThrow();
        } else {
          rejects(codec, prefix);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Tags and wire types
// ---------------------------------------------------------------------------------------------

describe("wrong wire type for a known field", () => {
  const cases: [string, Decoder, number[], RegExp][] = [
    ["int32 as length-delimited", ImplicitScalars, [...tag(3, 2), 0], /^fixtures\.scalars\.ImplicitScalars: field 3 has unexpected wire type 2/],
    ["string as varint", ImplicitScalars, [...tag(14, 0), 1], /^fixtures\.scalars\.ImplicitScalars: field 14 has unexpected wire type 0/],
    ["double as fixed32", ImplicitScalars, [...tag(1, 5), 0, 0, 0, 0], /field 1 has unexpected wire type 5/],
    ["fixed32 as fixed64", ImplicitScalars, [...tag(9, 1), 0, 0, 0, 0, 0, 0, 0, 0], /field 9 has unexpected wire type 1/],
    ["bool as a group", ImplicitScalars, [...tag(13, 3), ...tag(13, 4)], /field 13 has unexpected wire type 3/],
    ["proto3 optional as fixed64", OptionalScalars, [...tag(3, 1), 0, 0, 0, 0, 0, 0, 0, 0], /field 3 has unexpected wire type 1/],
    ["message as varint", Optionals, [...tag(17, 0), 0], /^fixtures\.proto2\.Optionals: field 17 has unexpected wire type 0/],
    ["message as a group", Optionals, [...tag(17, 3), ...tag(17, 4)], /field 17 has unexpected wire type 3/],
    ["group as length-delimited", Groups, [...tag(1, 2), 0], /^fixtures\.proto2\.Groups: field 1 has unexpected wire type 2/],
    ["delimited message as length-delimited", Delimited, ld(1), /^fixtures\.editions\.Delimited: field 1 has unexpected wire type 2/],
    ["packed int32 as fixed32", PackedScalars, [...tag(3, 5), 0, 0, 0, 0], /field 3 has unexpected wire type 5/],
    ["repeated string as varint", Repeateds, [...tag(9, 0), 0], /field 9 has unexpected wire type 0/],
    ["repeated message as fixed32", Repeateds, [...tag(11, 5), 0, 0, 0, 0], /field 11 has unexpected wire type 5/],
    ["map as varint", MapKeys, [...tag(1, 0), 1], /^fixtures\.maps\.MapKeys: field 1 has unexpected wire type 0/],
    ["oneof string as varint", ScalarOneof, [...tag(9, 0), 1], /^fixtures\.oneofs\.ScalarOneof: field 9 has unexpected wire type 0/],
    ["oneof message as fixed64", ScalarOneof, [...tag(12, 1), 0, 0, 0, 0, 0, 0, 0, 0], /field 12 has unexpected wire type 1/],
    ["wrapper as varint", Wrappers, [...tag(5, 0), 1], /^fixtures\.wkt\.Wrappers: field 5 has unexpected wire type 0/],
    ["Struct as varint", WellKnownTypes, [...tag(4, 0), 1], /^fixtures\.wkt\.WellKnownTypes: field 4 has unexpected wire type 0/],
    ["map key with the wrong wire type", MapKeys, ld(12, tag(1, 0), 1), /field 1 has unexpected wire type 0/],
    ["map value with the wrong wire type", MapKeys, ld(12, tag(2, 5), 0, 0, 0, 0), /field 2 has unexpected wire type 5/],
    ["message map value as varint", MapValues, ld(17, tag(2, 0), 1), /field 2 has unexpected wire type 0/],
    ["Struct entry as varint", WellKnownTypes, ld(4, tag(1, 0), 1), /field 1 has unexpected wire type 0/],
    ["Struct key as varint", WellKnownTypes, ld(4, ld(1, tag(1, 0), 1)), /field 1 has unexpected wire type 0/],
    ["Struct value string as varint", WellKnownTypes, ld(4, ld(1, ld(1, 97), ld(2, tag(3, 0), 1))), /field 3 has unexpected wire type 0/],
    ["Value number as varint", WellKnownTypes, ld(5, tag(2, 0), 1), /field 2 has unexpected wire type 0/],
    ["nested message field", Optionals, ld(17, tag(1, 2), 0), /^fixtures\.proto2\.Sub: field 1 has unexpected wire type 2/],
  ];
  for (const [name, codec, bytes, message] of cases) {
    test(name, () => {
      rejects(codec, bytes, message);
    });
  }
});

describe("field number 0", () => {
  const cases: [string, Decoder, number[]][] = [
    ["varint", ImplicitScalars, [0, 1]],
    ["fixed64", ImplicitScalars, [1, 0, 0, 0, 0, 0, 0, 0, 0]],
    ["length-delimited", ImplicitScalars, [2, 0]],
    ["start-group", ImplicitScalars, [3, 4]],
    ["end-group", ImplicitScalars, [4]],
    ["fixed32", ImplicitScalars, [5, 0, 0, 0, 0]],
    ["after valid fields", ImplicitScalars, [...tag(3, 0), 1, 0, 0]],
    ["in a nested message", Optionals, ld(17, 0, 0)],
    ["in an unknown group", ImplicitScalars, [...tag(100, 3), 0, 0, ...tag(100, 4)]],
    ["in a known group", Groups, [...tag(1, 3), 0, 0, ...tag(1, 4)]],
    ["in a map entry", MapKeys, ld(12, 0, 0)],
    ["in a Struct", WellKnownTypes, ld(4, 0, 0)],
    ["in a Struct entry", WellKnownTypes, ld(4, ld(1, 0, 0))],
    ["in a Value", WellKnownTypes, ld(5, 0, 0)],
    ["in a ListValue", WellKnownTypes, ld(6, 0, 0)],
    ["in a message without fields", WellKnownTypes, ld(8, 0, 0)],
  ];
  for (const [name, codec, bytes] of cases) {
    test(name, () => {
      rejects(codec, bytes, /field (number )?0/);
    });
  }
});

describe("invalid wire types 6 and 7", () => {
  const cases: [string, Decoder, number[]][] = [
    ["6, unknown field", ImplicitScalars, [...tag(16, 6), 0]],
    ["7, unknown field", ImplicitScalars, [...tag(16, 7), 0]],
    ["6, known field", ImplicitScalars, [...tag(3, 6), 0]],
    ["7, known field", ImplicitScalars, [...tag(3, 7), 0]],
    ["6, inside an unknown group", ImplicitScalars, [...tag(100, 3), ...tag(1, 6), ...tag(100, 4)]],
    ["7, inside a nested message", Optionals, ld(17, tag(5, 7), 0)],
    ["6, inside a map entry", MapKeys, ld(12, tag(3, 6), 0)],
    ["7, inside a Struct", WellKnownTypes, ld(4, tag(2, 7), 0)],
    ["6, inside a Value", WellKnownTypes, ld(5, tag(9, 6), 0)],
    ["7, field number 0", ImplicitScalars, [7]],
  ];
  for (const [name, codec, bytes] of cases) {
    test(name, () => {
      rejects(codec, bytes, /wire type|field (number )?0/);
    });
  }
});

describe("groups", () => {
  test("a stray end-group tag", () => {
    rejects(ImplicitScalars, tag(1, 4), /end-group/);
    rejects(ImplicitScalars, tag(16, 4), /end-group/);
    rejects(ImplicitScalars, [...tag(3, 0), 1, ...tag(200, 4)], /end-group/);
    rejects(Optionals, ld(17, tag(17, 4)), /end-group/);
    rejects(MapKeys, ld(12, tag(12, 4)), /end-group/);
    rejects(WellKnownTypes, ld(4, tag(4, 4)), /end-group/);
    rejects(WellKnownTypes, ld(5, tag(5, 4)), /end-group/);
  });
  test("an end-group tag that does not match its start-group", () => {
    rejects(ImplicitScalars, [...tag(16, 3), ...tag(17, 4)], /end-group/);
    rejects(ImplicitScalars, [...tag(16, 3), ...tag(17, 3), ...tag(16, 4), ...tag(17, 4)], /end-group/);
    rejects(Groups, [...tag(1, 3), ...tag(2, 0), 1, ...tag(4, 4)], /end-group/);
    rejects(Delimited, [...tag(1, 3), ...tag(2, 4)], /end-group/);
  });
  test("an end-group tag inside a length-delimited message does not end an enclosing group", () => {
    rejects(Delimited, [...tag(4, 3), ...ld(3, tag(4, 4)), ...tag(4, 4)], /end-group/);
  });
  test("an unterminated group", () => {
    rejects(ImplicitScalars, [...tag(16, 3), ...tag(1, 0), 1], /group|end/);
    rejects(ImplicitScalars, [...tag(16, 3), ...tag(17, 3), ...tag(17, 4)], /group|end/);
    rejects(ImplicitScalars, tag(16, 3), /group|end/);
    rejects(Groups, [...tag(1, 3), ...tag(2, 0), 1], /end-group/);
    rejects(Groups, [...tag(4, 3), ...tag(5, 0), 1, ...tag(7, 3), ...tag(7, 4)], /end-group/);
    rejects(Delimited, [...tag(4, 3), ...tag(4, 3), ...tag(4, 4)], /end-group/);
  });
  test("a group may not run past the end of the message that holds it", () => {
    // Sub (length 3) holds an unknown group whose end-group tag lies outside Sub.
    rejects(Optionals, [...ld(17, tag(3, 3), ...tag(1, 0), 1), ...tag(3, 4)]);
    // A known (delimited) group inside a length-prefixed message, its end-group tag outside that message.
    rejects(Outer, [...ld(1, tag(2, 3), ...tag(1, 0), 1), ...tag(2, 4)], /end-group/);
  });
  test("well-formed groups decode and unknown groups are kept verbatim", () => {
    const unknown = [...tag(100, 3), ...tag(1, 0), 1, ...tag(2, 3), ...tag(2, 4), ...tag(100, 4)];
    const m = decodes(ImplicitScalars, [...tag(3, 0), 5, ...unknown]);
    expect(m["int32Field"]).toBe(5);
    expect(m["$unknown"]).toEqual(Uint8Array.from(unknown));
    expect(ImplicitScalars.encode(m as never)).toEqual(cat(tag(3, 0), 5, unknown));
  });
});

// ---------------------------------------------------------------------------------------------
// UTF-8
// ---------------------------------------------------------------------------------------------

describe("invalid UTF-8", () => {
  const invalid: [string, number[]][] = [
    ["bad continuation", [0xc3, 0x28]],
    ["lone continuation", [0x80]],
    ["overlong", [0xc0, 0x80]],
    ["overlong 3-byte", [0xe0, 0x80, 0x80]],
    ["surrogate", [0xed, 0xa0, 0x80]],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["truncated", [0x61, 0xe2, 0x82]],
    ["0xff", [0xff]],
  ];
  for (const [name, raw] of invalid) {
    for (const [size, bytes] of [["short", raw], ["long", [...text("x".repeat(40)), ...raw, ...text("y".repeat(40))]]] as const) {
      test(`${name} (${size}): rejected in proto3, replaced in proto2`, () => {
        const expected = new TextDecoder().decode(Uint8Array.from(bytes));
        expect(expected).toContain("\ufffd");
        rejects(ImplicitScalars, ld(14, bytes), /utf-8/i);
        rejects(OptionalScalars, ld(14, bytes), /utf-8/i);
        rejects(MapKeys, ld(12, ld(1, bytes)), /utf-8/i);
        rejects(MapKeys, ld(12, ld(2, bytes)), /utf-8/i);
        rejects(MapCombinations, ld(8, bytes), /utf-8/i);
        rejects(ScalarOneof, ld(9, bytes), /utf-8/i);
        rejects(WellKnownTypes, ld(4, ld(1, ld(1, bytes))), /utf-8/i);
        rejects(Utf8, ld(1, bytes), /utf-8/i);
        expect(decodes(Optionals, ld(14, bytes))["stringField"]).toBe(expected);
        expect(decodes(Repeateds, [...ld(9, bytes), ...ld(9, bytes)])["strings"]).toEqual([expected, expected]);
        expect(decodes(Repeateds, ld(12, ld(1, bytes), tag(2, 0), 1))["enumMap"]).toEqual({ [expected]: 1 });
        expect(decodes(Utf8, ld(2, bytes))["unvalidated"]).toBe(expected);
        expect(decodes(Utf8, ld(3, bytes))["unvalidatedList"]).toEqual([expected]);
        expect(decodes(Utf8, ld(4, ld(1, bytes), ld(2, bytes)))["unvalidatedMap"]).toEqual({ [expected]: expected });
      });
    }
  }
  test("valid UTF-8 edge cases decode exactly", () => {
    const s = "\u0000\u007f\u0080\u07ff\u0800\ufeff\uffff\u{10000}\u{10ffff}";
    expect(decodes(ImplicitScalars, ld(14, text(s)))["stringField"]).toBe(s);
    expect(decodes(ImplicitScalars, ld(14, text(s.repeat(8))))["stringField"]).toBe(s.repeat(8));
  });
});

// ---------------------------------------------------------------------------------------------
// Lengths
// ---------------------------------------------------------------------------------------------

describe("lengths that overrun", () => {
  test("a packed field whose length overruns the input", () => {
    rejects(Repeateds, [...tag(2, 2), 5, 1, 2], /length|end/);
    rejects(PackedScalars, [...tag(1, 2), 16, 0, 0, 0, 0, 0, 0, 0, 0], /length|end/);
  });
  test("a packed field whose last element straddles its end", () => {
    rejects(Repeateds, [...tag(6, 2), 3, 1, 2, 3, 4]);
    rejects(PackedScalars, [...tag(1, 2), 7, 0, 0, 0, 0, 0, 0, 0, 0]);
    rejects(Repeateds, [...tag(2, 2), 2, 1, 0x80, 0x01]);
    rejects(Repeateds, [...tag(8, 2), 1, 0x81, 0x01]);
  });
  test("a nested message whose length overruns its parent", () => {
    // Tree.left (length 3) holds Tree.left (length 5): the inner message ends beyond the outer one.
    rejects(Tree, [...tag(2, 2), 3, ...tag(2, 2), 5, ...tag(1, 2), 1, 97, ...tag(1, 2), 0], /past the end/);
    // A string that ends beyond its message.
    rejects(Tree, [...tag(2, 2), 2, ...tag(1, 2), 5, 97, 97, 97, 97, 97], /past the end/);
    // A packed list that ends beyond its message.
    rejects(RepeatedMixed, [...tag(7, 2), 2, ...tag(1, 2), 4, 1, 2, 3, 4], /past the end/);
    // A map entry that ends beyond its map field's message.
    rejects(MapCombinations, [...tag(6, 2), 4, ...tag(2, 2), 4, ...tag(7, 2), 2, 97, 98], /past the end/);
    // A value that ends beyond its map entry.
    rejects(MapKeys, [...tag(12, 2), 3, ...tag(1, 2), 3, 97, 98, 99], /past the end/);
    // A Struct value beyond its entry.
    rejects(WellKnownTypes, [...tag(4, 2), 4, ...tag(1, 2), 2, ...tag(2, 2), 2, 8, 0], /past the end/);
  });
  test("a huge declared length fails fast without allocating", () => {
    const huge: number[][] = [
      [0x80, 0x80, 0x80, 0x80, 0x08], // 2^31
      [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1
      [0x81, 0x80, 0x80, 0x80, 0x10], // 2^32 + 1: must not be read as 1
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 2^64 - 1
    ];
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    for (const length of huge) {
      const payload = [...length, 1, 2, 3];
      rejects(ImplicitScalars, [...tag(15, 2), ...payload], /length|end/);
      rejects(ImplicitScalars, [...tag(14, 2), ...payload], /length|end/);
      rejects(ImplicitScalars, [...tag(100, 2), ...payload], /length|end/);
      rejects(Optionals, [...tag(17, 2), ...payload], /length|end/);
      rejects(Repeateds, [...tag(2, 2), ...payload], /length|end/);
      rejects(MapKeys, [...tag(12, 2), ...payload], /length|end/);
      rejects(MapKeys, [...tag(12, 2), 9, ...tag(1, 2), ...payload], /length|end/);
      rejects(WellKnownTypes, [...tag(4, 2), ...payload], /length|end/);
      rejects(WellKnownTypes, [...tag(4, 2), 9, ...tag(1, 2), ...payload], /length|end/);
    }
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });
  test("varints longer than 10 bytes", () => {
    const eleven = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    rejects(ImplicitScalars, [...tag(3, 0), ...eleven], /varint/);
    rejects(ImplicitScalars, [...tag(4, 0), ...eleven], /varint/);
    rejects(ImplicitScalars, [...tag(13, 0), ...eleven], /varint/);
    rejects(ImplicitScalars, [...tag(15, 2), ...eleven], /varint/);
    rejects(ImplicitScalars, [...tag(100, 0), ...eleven], /varint/);
    rejects(ImplicitScalars, eleven, /varint/);
  });
  test("10-byte varints keep their low bits", () => {
    // int32 -1 as a 10-byte varint; a bool with only its 64th bit set.
    const m = decodes(ImplicitScalars, [...tag(3, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, ...tag(13, 0), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(m["int32Field"]).toBe(-1);
    expect(m["boolField"]).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Nesting depth
// ---------------------------------------------------------------------------------------------

describe("nesting depth", () => {
  test("100 nested messages decode, 101 do not (default limit)", () => {
    expect(() => Tree.decode(nestLengthDelimited(100, 2, []))).not.toThrow();
    rejects(Tree, nestLengthDelimited(101, 2, []), /depth/);
    expect(() => RecursiveOneof.decode(nestLengthDelimited(100, 1, []))).not.toThrow();
    rejects(RecursiveOneof, nestLengthDelimited(101, 1, []), /depth/);
    expect(() => Expr.decode(nestLengthDelimited(100, 3, []))).not.toThrow();
    rejects(Expr, nestLengthDelimited(101, 3, []), /depth/);
  });
  test("the maxDepth option", () => {
    expect(() => Tree.decode(nestLengthDelimited(5, 2, []), { maxDepth: 5 })).not.toThrow();
    rejects(Tree, nestLengthDelimited(6, 2, []), /depth/, { maxDepth: 5 });
    expect(() => Tree.decode(nestLengthDelimited(101, 2, []), { maxDepth: 101 })).not.toThrow();
    rejects(Tree, nestLengthDelimited(1, 2, []), /depth/, { maxDepth: 0 });
    expect(() => Tree.decode(new Uint8Array(0), { maxDepth: 0 })).not.toThrow();
  });
  test("groups count as nesting", () => {
    const groups = (levels: number): number[] => [...Array<number[]>(levels).fill(tag(4, 3)).flat(), ...Array<number[]>(levels).fill(tag(4, 4)).flat()];
    expect(() => Delimited.decode(Uint8Array.from(groups(100)))).not.toThrow();
    rejects(Delimited, groups(101), /depth/);
    const unknownGroups = (levels: number): number[] => [...Array<number[]>(levels).fill(tag(100, 3)).flat(), ...Array<number[]>(levels).fill(tag(100, 4)).flat()];
    expect(() => ImplicitScalars.decode(Uint8Array.from(unknownGroups(100)))).not.toThrow();
    rejects(ImplicitScalars, unknownGroups(101), /depth/);
    rejects(ImplicitScalars, unknownGroups(10), /depth/, { maxDepth: 9 });
  });
  test("map values and Structs count as nesting", () => {
    // MapCombinations.recursive: entry → value message, 101 levels of messages.
    let bytes: number[] = [];
    for (let i = 0; i < 101; i++) bytes = ld(6, ld(2, bytes));
    rejects(MapCombinations, bytes, /depth/);
    rejects(WellKnownTypes, cat(tag(4, 2), varint(nestStruct(60).length), nestStruct(60)), /depth/);
    expect(() => WellKnownTypes.decode(cat(tag(4, 2), varint(nestStruct(49).length), nestStruct(49)))).not.toThrow();
    let list: number[] = [];
    for (let i = 0; i < 60; i++) list = ld(6, ld(1, list));
    rejects(WellKnownTypes, ld(5, list), /depth/);
  });
  test("very deep input fails with ProtobufError, not a stack overflow, even with a huge maxDepth", () => {
    const deep = nestLengthDelimited(200_000, 2, []);
    rejects(Tree, deep, /depth/);
    rejects(Tree, deep, undefined, { maxDepth: 1e9 });
    const struct = nestStruct(100_000);
    rejects(WellKnownTypes, cat(tag(4, 2), varint(struct.length), struct), undefined, { maxDepth: 1e9 });
  });
});

// ---------------------------------------------------------------------------------------------
// Closed enums
// ---------------------------------------------------------------------------------------------

describe("closed enums: undeclared values go to $unknown", () => {
  test("singular", () => {
    const bytes = [...tag(16, 0), 9];
    const m = decodes(Optionals, bytes);
    expect(m["enumField"]).toBeUndefined();
    expect(m["$unknown"]).toEqual(Uint8Array.from(bytes));
    expect(Optionals.encode(m as never)).toEqual(Uint8Array.from(bytes));
  });
  test("singular, negative (10-byte varint), next to known fields", () => {
    const bytes = [...tag(3, 0), 1, ...tag(16, 0), ...varint(-7), ...tag(14, 2), 1, 97];
    const m = decodes(Optionals, bytes);
    expect(m).toEqual(Optionals.create({ int32Field: 1, stringField: "a", $unknown: cat(tag(16, 0), varint(-7)) }));
    expect(Optionals.encode(m as never)).toEqual(cat(tag(3, 0), 1, tag(14, 2), 1, 97, tag(16, 0), varint(-7)));
  });
  test("a declared value after an undeclared one is kept as the field", () => {
    const m = decodes(Optionals, [...tag(16, 0), 9, ...tag(16, 0), 2]);
    expect(m["enumField"]).toBe(2);
    expect(m["$unknown"]).toEqual(cat(tag(16, 0), 9));
  });
  test("repeated, unpacked", () => {
    const m = decodes(Repeateds, [...tag(7, 0), 1, ...tag(7, 0), 9, ...tag(7, 0), ...varint(-5), ...tag(7, 0), 0]);
    expect(m["unpackedEnum"]).toEqual([1, -5]);
    expect(m["$unknown"]).toEqual(cat(tag(7, 0), 9, tag(7, 0), 0));
    const again = Repeateds.encode(m as never);
    expect(again).toEqual(cat(tag(7, 0), 1, tag(7, 0), varint(-5), tag(7, 0), 9, tag(7, 0), 0));
    expect(decodes(Repeateds, again)).toEqual(m);
  });
  test("repeated, packed", () => {
    const m = decodes(Repeateds, [...tag(8, 2), 4, 1, 9, 2, 4]);
    expect(m["packedEnum"]).toEqual([1, 2]);
    expect(m["$unknown"]).toEqual(cat(tag(8, 0), 9, tag(8, 0), 4));
    const again = Repeateds.encode(m as never);
    expect(again).toEqual(cat(tag(8, 2), 2, 1, 2, tag(8, 0), 9, tag(8, 0), 4));
    expect(decodes(Repeateds, again)).toEqual(m);
  });
  test("repeated, packed encoding of an unpacked field and vice versa", () => {
    const m = decodes(Repeateds, [...tag(7, 2), 2, 3, 7, ...tag(8, 0), 6, ...tag(8, 0), 3]);
    expect(m["unpackedEnum"]).toEqual([3]);
    expect(m["packedEnum"]).toEqual([3]);
    expect(m["$unknown"]).toEqual(cat(tag(7, 0), 7, tag(8, 0), 6));
  });
  test("map value: the whole entry is kept", () => {
    const entry = ld(12, ld(1, 97), tag(2, 0), 9);
    const m = decodes(Repeateds, [...entry, ...ld(12, ld(1, 98), tag(2, 0), 3)]);
    expect(m["enumMap"]).toEqual({ b: 3 });
    expect(m["$unknown"]).toEqual(Uint8Array.from(entry));
    expect(Repeateds.encode(m as never)).toEqual(cat(ld(12, ld(1, 98), tag(2, 0), 3), entry));
  });
  test("map value missing: the closed enum's default, which is declared", () => {
    expect(decodes(Repeateds, ld(12, ld(1, 97)))["enumMap"]).toEqual({ a: 1 });
  });
  test("editions closed enums", () => {
    const bytes = [...tag(9, 0), 3, ...tag(13, 0), 4];
    const m = decodes(Presence, bytes);
    expect(m["explicitClosedEnum"]).toBeUndefined();
    expect(m["$unknown"]).toEqual(Uint8Array.from(bytes));
  });
});

// ---------------------------------------------------------------------------------------------
// Merging and last-one-wins
// ---------------------------------------------------------------------------------------------

describe("merging", () => {
  test("a repeated occurrence of a singular message field merges", () => {
    const m = decodes(Optionals, [...ld(17, tag(1, 0), 1), ...ld(17, ld(2, 120))]);
    expect(m["messageField"]).toEqual({ a: 1, b: "x" });
    const overwrite = decodes(Optionals, [...ld(17, tag(1, 0), 1, ld(2, 120)), ...ld(17, tag(1, 0), 2)]);
    expect(overwrite["messageField"]).toEqual({ a: 2, b: "x" });
  });
  test("merging recurses into nested messages", () => {
    const m = decodes(Tree, [...ld(2, ld(1, 97), ld(2, ld(1, 98))), ...ld(2, ld(3, ld(1, 99)), ld(2, tag(5, 0), 3))]);
    expect(m).toEqual(Tree.create({ left: Tree.create({ label: "a", left: Tree.create({ label: "b", level: 3 }), right: Tree.create({ label: "c" }) }) }));
  });
  test("a oneof message member merges; switching members in between does not", () => {
    const merged = decodes(ScalarOneof, [...ld(12, ld(1, 116)), ...ld(12, tag(2, 0), 5)]);
    expect(merged["value"]).toEqual({ case: "messageValue", value: { text: "t", number: 5 } });
    const switched = decodes(ScalarOneof, [...ld(12, ld(1, 116)), ...ld(9, 115), ...ld(12, tag(2, 0), 5)]);
    expect(switched["value"]).toEqual({ case: "messageValue", value: { text: "", number: 5 } });
  });
  test("a repeated group occurrence merges", () => {
    const m = decodes(Groups, [...tag(1, 3), ...tag(2, 0), 1, ...tag(1, 4), ...tag(1, 3), ...ld(3, 120), ...tag(1, 4)]);
    expect(m["singulargroup"]).toEqual({ value: 1, text: "x" });
  });
  test("a repeated delimited (editions) occurrence merges", () => {
    const m = decodes(Delimited, [...tag(1, 3), ...tag(1, 0), 1, ...tag(1, 4), ...tag(1, 3), ...ld(2, 110), ...tag(1, 4)]);
    expect(m["delimitedChild"]).toEqual({ id: 1, name: "n" });
  });
  test("wrappers: a repeated occurrence merges (its value: last one wins)", () => {
    const m = decodes(Wrappers, [...ld(5, tag(1, 0), 1), ...ld(5), ...ld(8, ld(1, 97)), ...ld(8, ld(1, 98))]);
    expect(m["int32Value"]).toBe(1);
    expect(m["stringValue"]).toBe("b");
  });
  test("a Struct field: a repeated occurrence merges its entries", () => {
    const entry = (key: string, value: number[]): number[] => ld(1, ld(1, text(key)), ld(2, value));
    const m = decodes(WellKnownTypes, [...ld(4, entry("a", [8, 0]), entry("b", [32, 1])), ...ld(4, entry("c", ld(3, 120)), entry("b", [32, 0]))]);
    expect(m["struct"]).toEqual({ a: null, b: false, c: "x" });
  });
  test("map entries: the last entry for a key replaces the earlier one", () => {
    const m = decodes(MapValues, [...ld(17, ld(1, 97), ld(2, ld(1, 116))), ...ld(17, ld(1, 97), ld(2, tag(2, 0), 1))]);
    expect(m["messageValue"]).toEqual({ a: { text: "", count: 1n, children: {} } });
  });
  test("map entries: last key and value win inside an entry; missing ones default", () => {
    const m = decodes(MapKeys, [...ld(12, ld(1, 97), ld(2, 120), ld(1, 98), ld(2, 121)), ...ld(12, ld(2, 122)), ...ld(1, tag(2, 2), 0, ld(2, 97))]);
    expect(m["stringKey"]).toEqual({ b: "y", "": "z" });
    expect(m["int32Key"]).toEqual({ 0: "a" });
    const values = decodes(MapValues, [...ld(17, ld(1, 107)), ...ld(16, ld(1, 107))]);
    expect(values["messageValue"]).toEqual({ k: { text: "", count: 0n, children: {} } });
    expect(values["enumValue"]).toEqual({ k: 0 });
  });
  test("repeated message occurrences append", () => {
    const m = decodes(Repeateds, [...ld(11, tag(1, 0), 1), ...ld(11, tag(1, 0), 2)]);
    expect(m["messages"]).toEqual([{ a: 1 }, { a: 2 }]);
  });
  test("scalars: last one wins", () => {
    const m = decodes(ImplicitScalars, [...tag(3, 0), 1, ...tag(14, 2), 1, 97, ...tag(3, 0), 2, ...tag(14, 2), 1, 98, ...tag(15, 2), 1, 1, ...tag(15, 2), 0, ...tag(1, 1), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, ...tag(1, 1), 0, 0, 0, 0, 0, 0, 0, 0x40]);
    expect(m).toEqual(ImplicitScalars.create({ int32Field: 2, stringField: "b", bytesField: new Uint8Array(0), doubleField: 2 }));
    const optional = decodes(Optionals, [...tag(3, 0), 1, ...tag(3, 0), 0]);
    expect(optional["int32Field"]).toBe(0);
  });
  test("oneof scalars: the last member wins", () => {
    expect(decodes(ScalarOneof, [...tag(1, 0), 1, ...ld(9, 97)])["value"]).toEqual({ case: "stringValue", value: "a" });
    expect(decodes(ScalarOneof, [...ld(9, 97), ...tag(1, 0), 0])["value"]).toEqual({ case: "int32Value", value: 0 });
    expect(decodes(TwoOneofs, [...ld(2, 97), ...tag(5, 0), 1, ...ld(3)])["first"]).toEqual({ case: "firstPayload", value: { text: "", number: 0 } });
  });
});

describe("packed and unpacked are both accepted for every repeated scalar", () => {
  const values = PackedScalars.create({
    doubleList: [0, -0, 1.5, NaN, Infinity],
    floatList: [0, -2.5, Math.fround(0.1), -Infinity],
    int32List: [0, -1, 2147483647, -2147483648, 300],
    int64List: [0n, -1n, 9223372036854775807n, -9223372036854775808n],
    uint32List: [0, 4294967295, 128],
    uint64List: [0n, 18446744073709551615n, 1n << 35n],
    sint32List: [0, -1, 2147483647, -2147483648],
    sint64List: [0n, -1n, 9223372036854775807n, -9223372036854775808n],
    fixed32List: [0, 4294967295],
    fixed64List: [0n, 18446744073709551615n],
    sfixed32List: [-1, 2147483647],
    sfixed64List: [-1n, 9223372036854775807n],
    boolList: [true, false, true],
    enumList: [0, 1, -1, 99 as never],
  });
  const packed = PackedScalars.encode(values);
  const unpacked = UnpackedScalars.encode(UnpackedScalars.create(values));
  const wireTypes = (bytes: Uint8Array): Set<number> => {
    const reader = new EsReader(bytes);
    const seen = new Set<number>();
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      seen.add(wireType);
      reader.skip(wireType, fieldNo);
    }
    return seen;
  };
  test("the two encodings differ", () => {
    expect(wireTypes(packed)).toEqual(new Set([2]));
    expect(wireTypes(unpacked)).toEqual(new Set([0, 1, 5]));
  });
  test("either codec reads either encoding", () => {
    for (const codec of [PackedScalars, UnpackedScalars]) {
      expect(codec.decode(packed)).toEqual(values);
      expect(codec.decode(unpacked)).toEqual(values);
    }
  });
  test("packed and unpacked runs of one field concatenate in order", () => {
    const m = decodes(PackedScalars, [...tag(3, 0), 1, ...tag(3, 2), 2, 2, 3, ...tag(3, 0), 4, ...tag(3, 2), 0, ...tag(13, 0), 1, ...tag(13, 2), 1, 0]);
    expect(m["int32List"]).toEqual([1, 2, 3, 4]);
    expect(m["boolList"]).toEqual([true, false]);
    expect(decodes(Repeateds, [...tag(1, 2), 2, 5, 6, ...tag(2, 0), 7, ...tag(4, 1), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])).toEqual(Repeateds.create({ unpackedInt32: [5, 6], packedInt32: [7], packedDouble: [1] }));
  });
});
