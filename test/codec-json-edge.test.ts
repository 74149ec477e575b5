// Hand-written edge cases of the generated proto3 JSON codecs: a table of inputs with exact expected
// results (written out here, never computed by the code under test), covering the special JSON forms of
// the well-known types, numeric and base64 corner cases, map keys, enums, unknown keys, write options,
// nulls, oneofs and malformed input. Every rejection must be the concern's ProtobufError, with a message
// that starts with the path of the offending field (or message), and must not return anything.
import { describe, expect, test } from "vitest";
import type { AnyCodec } from "./support/generated.js";
import * as enumsModule from "../snapshots/enums/enums.js";
import { EnumFields, JsNames } from "../snapshots/enums/enums.js";
import { ProtobufError as EnumsError } from "../snapshots/enums/tristub-runtime.js";
import * as mapsModule from "../snapshots/maps/maps.js";
import { MapCombinations, MapKeys, MapValues } from "../snapshots/maps/maps.js";
import { ProtobufError as MapsError } from "../snapshots/maps/tristub-runtime.js";
import { SpecialFieldKinds, SpecialFields } from "../snapshots/name-clashes/fields.js";
import * as oneofsModule from "../snapshots/oneofs/oneofs.js";
import { RecursiveOneof, ScalarOneof, TwoOneofs } from "../snapshots/oneofs/oneofs.js";
import { ProtobufError as OneofsError } from "../snapshots/oneofs/tristub-runtime.js";
import * as proto2Module from "../snapshots/proto2/proto2.js";
import { Optionals, Repeateds, Requireds } from "../snapshots/proto2/proto2.js";
import { ProtobufError as Proto2Error } from "../snapshots/proto2/tristub-runtime.js";
import * as scalarsModule from "../snapshots/scalars/scalars.js";
import { EmptyMessage, ImplicitScalars, MixedScalars, OptionalScalars } from "../snapshots/scalars/scalars.js";
import { ProtobufError as ScalarsError } from "../snapshots/scalars/tristub-runtime.js";
import * as anyModule from "../snapshots/wkt/google/protobuf/any.js";
import { Any } from "../snapshots/wkt/google/protobuf/any.js";
import * as durationModule from "../snapshots/wkt/google/protobuf/duration.js";
import { Duration } from "../snapshots/wkt/google/protobuf/duration.js";
import * as emptyModule from "../snapshots/wkt/google/protobuf/empty.js";
import * as fieldMaskModule from "../snapshots/wkt/google/protobuf/field_mask.js";
import * as structModule from "../snapshots/wkt/google/protobuf/struct.js";
import { ListValue, Struct, Value } from "../snapshots/wkt/google/protobuf/struct.js";
import * as timestampModule from "../snapshots/wkt/google/protobuf/timestamp.js";
import { Timestamp } from "../snapshots/wkt/google/protobuf/timestamp.js";
import * as wrappersModule from "../snapshots/wkt/google/protobuf/wrappers.js";
import { BytesValue, Int32Value, Int64Value, StringValue } from "../snapshots/wkt/google/protobuf/wrappers.js";
import { typeRegistry as wktRegistry } from "../snapshots/wkt/tristub-registry.js";
import { createTypeRegistry, type JsonValue, type MessageCodec, ProtobufError as WktError } from "../snapshots/wkt/tristub-runtime.js";
import * as wktModule from "../snapshots/wkt/wkt.js";
import { MapWellKnownTypes, OneofWellKnownTypes, RepeatedWellKnownTypes, WellKnownTypes, Wrappers } from "../snapshots/wkt/wkt.js";

// ---------------------------------------------------------------------------------------------
// Table machinery
// ---------------------------------------------------------------------------------------------

type ErrorClass = new (...args: never[]) => Error;

/** Each concern's output has its own runtime, hence its own ProtobufError class. */
const errorClassOf = new Map<unknown, ErrorClass>();
for (const [error, modules] of [
  [ScalarsError, [scalarsModule]],
  [MapsError, [mapsModule]],
  [OneofsError, [oneofsModule]],
  [EnumsError, [enumsModule]],
  [Proto2Error, [proto2Module]],
  [WktError, [wktModule, anyModule, durationModule, emptyModule, fieldMaskModule, structModule, timestampModule, wrappersModule]],
] as const) {
  for (const module of modules) {
    for (const value of Object.values(module)) {
      if (typeof value === "object" && value !== null && "typeName" in value) errorClassOf.set(value, error);
    }
  }
}

function loose(codec: object): AnyCodec {
  return codec as unknown as AnyCodec;
}

interface ReadCase {
  readonly name: string;
  readonly codec: AnyCodec;
  /** A JSON value for `fromJson`, or `{ text }` for `fromJsonString`. */
  readonly input: unknown;
  readonly text: boolean;
  readonly options: object | undefined;
  readonly expected?: unknown;
  /** Expected error: the message must start with this. */
  readonly reject?: string;
  /** And must contain this. */
  readonly mentions?: string;
}

interface WriteCase {
  readonly name: string;
  readonly codec: AnyCodec;
  readonly message: object;
  readonly options: object | undefined;
  readonly expected?: unknown;
  readonly reject?: string;
  readonly mentions?: string;
}

/** A JSON value that must decode to exactly `expected`. */
function ok(name: string, codec: object, input: unknown, expected: object, options?: object): ReadCase {
  return { name, codec: loose(codec), input, text: false, options, expected };
}

/** A JSON value that must be rejected with an error starting with `reject` (and mentioning `mentions`). */
function bad(name: string, codec: object, input: unknown, reject: string, mentions?: string, options?: object): ReadCase {
  return { name, codec: loose(codec), input, text: false, options, reject, ...(mentions === undefined ? {} : { mentions }) };
}

/** JSON text that must be rejected by `fromJsonString`. */
function badText(name: string, codec: object, text: string, reject: string, mentions?: string): ReadCase {
  return { name, codec: loose(codec), input: text, text: true, options: undefined, reject, ...(mentions === undefined ? {} : { mentions }) };
}

/** JSON text that `fromJsonString` must decode to exactly `expected`. */
function okText(name: string, codec: object, text: string, expected: object, options?: object): ReadCase {
  return { name, codec: loose(codec), input: text, text: true, options, expected };
}

/** A message whose `toJson` must be exactly `expected`. */
function out(name: string, codec: object, message: object, expected: unknown, options?: object): WriteCase {
  return { name, codec: loose(codec), message, options, expected };
}

/** A message that `toJson` must refuse. */
function outBad(name: string, codec: object, message: object, reject: string, mentions?: string, options?: object): WriteCase {
  return { name, codec: loose(codec), message, options, reject, ...(mentions === undefined ? {} : { mentions }) };
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function concatBytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  const all = parts.flatMap((p) => Array.from(p));
  return Uint8Array.from(all);
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Asserts that `run` throws the concern's ProtobufError (never returns), with the expected message. */
function expectRejection(codec: AnyCodec, run: () => unknown, reject: string, mentions: string | undefined): void {
  let result: unknown;
  let error: unknown;
  try {
    result = run();
  } catch (e) {
    error = e;
  }
  expect(result, "a rejected input must not produce a message").toBeUndefined();
  const errorClass = errorClassOf.get(codec);
  expect(errorClass, `no error class registered for ${codec.typeName}`).toBeDefined();
  expect(error).toBeInstanceOf(errorClass as ErrorClass);
  const message = (error as Error).message;
  expect(message.startsWith(reject), `"${message}" should start with "${reject}"`).toBe(true);
  if (mentions !== undefined) expect(message).toContain(mentions);
}

function runReads(cases: readonly ReadCase[]): void {
  for (const c of cases) {
    test(c.name, () => {
      const run = (): unknown =>
        c.text ? c.codec.fromJsonString(c.input as string, c.options) : c.codec.fromJson(c.input, c.options);
      if (c.reject !== undefined) {
        expectRejection(c.codec, run, c.reject, c.mentions);
      } else {
        expect(run()).toEqual(c.expected);
      }
    });
  }
}

function runWrites(cases: readonly WriteCase[]): void {
  for (const c of cases) {
    test(c.name, () => {
      if (c.reject !== undefined) {
        expectRejection(c.codec, () => c.codec.toJson(c.message, c.options), c.reject, c.mentions);
      } else {
        expect(c.codec.toJson(c.message, c.options)).toEqual(c.expected);
      }
    });
  }
}

const registry = { registry: wktRegistry };
const wkt = (init: Partial<WellKnownTypes>): WellKnownTypes => WellKnownTypes.create(init);
const ts = (seconds: bigint, nanos = 0): Timestamp => ({ seconds, nanos });
const dur = (seconds: bigint, nanos = 0): Duration => ({ seconds, nanos });
const num = (value: number): Value => ({ kind: { case: "numberValue", value } });
const str = (value: string): Value => ({ kind: { case: "stringValue", value } });
const bool = (value: boolean): Value => ({ kind: { case: "boolValue", value } });
const nul: Value = { kind: { case: "nullValue", value: 0 } };
const list = (...values: Value[]): Value => ({ kind: { case: "listValue", value: { values } } });
const obj = (fields: { [key: string]: Value }): Value => ({ kind: { case: "structValue", value: { fields } } });

const TS = "fixtures.wkt.WellKnownTypes.timestamp: ";
const DUR = "fixtures.wkt.WellKnownTypes.duration: ";
const ANY = "fixtures.wkt.WellKnownTypes.any: ";
const SC = "fixtures.scalars.ImplicitScalars";

// ---------------------------------------------------------------------------------------------
// google.protobuf.Timestamp
// ---------------------------------------------------------------------------------------------

describe("Timestamp", () => {
  runReads([
    ok("epoch, Z", WellKnownTypes, { timestamp: "1970-01-01T00:00:00Z" }, wkt({ timestamp: ts(0n) })),
    ok("3 fraction digits", WellKnownTypes, { timestamp: "1972-01-01T10:00:20.021Z" }, wkt({ timestamp: ts(63108020n, 21000000) })),
    ok("1 fraction digit", WellKnownTypes, { timestamp: "1970-01-01T00:00:00.1Z" }, wkt({ timestamp: ts(0n, 100000000) })),
    ok("6 fraction digits", WellKnownTypes, { timestamp: "1970-01-01T00:00:00.123456Z" }, wkt({ timestamp: ts(0n, 123456000) })),
    ok("9 fraction digits", WellKnownTypes, { timestamp: "1970-01-01T00:00:00.000000001Z" }, wkt({ timestamp: ts(0n, 1) })),
    ok("offset +01:00", WellKnownTypes, { timestamp: "1970-01-01T01:00:00+01:00" }, wkt({ timestamp: ts(0n) })),
    ok("offset -01:30", WellKnownTypes, { timestamp: "1970-01-01T00:00:00-01:30" }, wkt({ timestamp: ts(5400n) })),
    ok("offset with fraction", WellKnownTypes, { timestamp: "1970-01-01T02:00:00.5+02:00" }, wkt({ timestamp: ts(0n, 500000000) })),
    ok("before the epoch keeps nanos positive", WellKnownTypes, { timestamp: "1969-12-31T23:59:59.5Z" }, wkt({ timestamp: ts(-1n, 500000000) })),
    ok("leap day", WellKnownTypes, { timestamp: "2000-02-29T00:00:00Z" }, wkt({ timestamp: ts(951782400n) })),
    ok("minimum 0001-01-01", WellKnownTypes, { timestamp: "0001-01-01T00:00:00Z" }, wkt({ timestamp: ts(-62135596800n) })),
    ok("minimum through an offset", WellKnownTypes, { timestamp: "0001-01-01T01:00:00+01:00" }, wkt({ timestamp: ts(-62135596800n) })),
    ok("maximum 9999-12-31", WellKnownTypes, { timestamp: "9999-12-31T23:59:59.999999999Z" }, wkt({ timestamp: ts(253402300799n, 999999999) })),
    ok("maximum through an offset", WellKnownTypes, { timestamp: "9999-12-31T22:59:59-01:00" }, wkt({ timestamp: ts(253402300799n) })),
    ok("null leaves it unset", WellKnownTypes, { timestamp: null }, wkt({})),
    ok("top-level Timestamp", Timestamp, "2001-09-09T01:46:40Z", ts(1000000000n)),
    bad("before 0001-01-01", WellKnownTypes, { timestamp: "0000-12-31T23:59:59Z" }, TS, "out of range"),
    bad("before 0001-01-01 through an offset", WellKnownTypes, { timestamp: "0001-01-01T00:30:00+01:00" }, TS, "out of range"),
    bad("after 9999-12-31 through an offset", WellKnownTypes, { timestamp: "9999-12-31T23:59:59-00:01" }, TS, "out of range"),
    bad("five-digit year", WellKnownTypes, { timestamp: "10000-01-01T00:00:00Z" }, TS),
    bad("no offset", WellKnownTypes, { timestamp: "1970-01-01T00:00:00" }, TS),
    bad("space instead of T", WellKnownTypes, { timestamp: "1970-01-01 00:00:00Z" }, TS),
    bad("lowercase t", WellKnownTypes, { timestamp: "1970-01-01t00:00:00Z" }, TS, "invalid RFC 3339"),
    bad("lowercase z", WellKnownTypes, { timestamp: "1970-01-01T00:00:00z" }, TS, "invalid RFC 3339"),
    bad("10 fraction digits", WellKnownTypes, { timestamp: "1970-01-01T00:00:00.1234567890Z" }, TS),
    bad("empty fraction", WellKnownTypes, { timestamp: "1970-01-01T00:00:00.Z" }, TS),
    bad("February 30", WellKnownTypes, { timestamp: "2021-02-30T00:00:00Z" }, TS),
    bad("February 29 of a common year", WellKnownTypes, { timestamp: "2021-02-29T00:00:00Z" }, TS),
    bad("month 13", WellKnownTypes, { timestamp: "2021-13-01T00:00:00Z" }, TS),
    bad("hour 24", WellKnownTypes, { timestamp: "2020-01-01T24:00:00Z" }, TS),
    bad("leap second", WellKnownTypes, { timestamp: "2016-12-31T23:59:60Z" }, TS),
    bad("offset hour 24", WellKnownTypes, { timestamp: "1970-01-01T00:00:00+24:00" }, TS),
    bad("offset minute 60", WellKnownTypes, { timestamp: "1970-01-01T00:00:00+01:60" }, TS),
    bad("offset without colon", WellKnownTypes, { timestamp: "1970-01-01T00:00:00+0100" }, TS),
    bad("a number", WellKnownTypes, { timestamp: 0 }, TS),
    bad("an object", WellKnownTypes, { timestamp: { seconds: "0" } }, TS),
    bad("in a list", RepeatedWellKnownTypes, { timestamps: ["1970-01-01T00:00:00Z", "yesterday"] }, "fixtures.wkt.RepeatedWellKnownTypes.timestamps: "),
    bad("in a map", MapWellKnownTypes, { timestamps: { a: "1970-01-01T25:00:00Z" } }, "fixtures.wkt.MapWellKnownTypes.timestamps: "),
    bad("in a oneof", OneofWellKnownTypes, { timestamp: "x" }, "fixtures.wkt.OneofWellKnownTypes.timestamp: "),
    bad("top-level Timestamp", Timestamp, "1970-01-01", "google.protobuf.Timestamp: "),
  ]);
  runWrites([
    out("epoch", WellKnownTypes, wkt({ timestamp: ts(0n) }), { timestamp: "1970-01-01T00:00:00Z" }),
    out("3 digits", WellKnownTypes, wkt({ timestamp: ts(63108020n, 21000000) }), { timestamp: "1972-01-01T10:00:20.021Z" }),
    out("100ms as 3 digits", WellKnownTypes, wkt({ timestamp: ts(0n, 100000000) }), { timestamp: "1970-01-01T00:00:00.100Z" }),
    out("6 digits", WellKnownTypes, wkt({ timestamp: ts(0n, 123456000) }), { timestamp: "1970-01-01T00:00:00.123456Z" }),
    out("9 digits", WellKnownTypes, wkt({ timestamp: ts(0n, 1) }), { timestamp: "1970-01-01T00:00:00.000000001Z" }),
    out("before the epoch", WellKnownTypes, wkt({ timestamp: ts(-1n, 500000000) }), { timestamp: "1969-12-31T23:59:59.500Z" }),
    out("minimum", WellKnownTypes, wkt({ timestamp: ts(-62135596800n) }), { timestamp: "0001-01-01T00:00:00Z" }),
    out("maximum", WellKnownTypes, wkt({ timestamp: ts(253402300799n, 999999999) }), { timestamp: "9999-12-31T23:59:59.999999999Z" }),
    outBad("below the minimum", WellKnownTypes, wkt({ timestamp: ts(-62135596801n) }), TS, "out of range"),
    outBad("above the maximum", WellKnownTypes, wkt({ timestamp: ts(253402300800n) }), TS, "out of range"),
    outBad("negative nanos", WellKnownTypes, wkt({ timestamp: ts(0n, -1) }), TS, "nanos"),
    outBad("nanos of a whole second", WellKnownTypes, wkt({ timestamp: ts(0n, 1000000000) }), TS, "nanos"),
  ]);
});

// ---------------------------------------------------------------------------------------------
// google.protobuf.Duration
// ---------------------------------------------------------------------------------------------

describe("Duration", () => {
  runReads([
    ok("1.5s", WellKnownTypes, { duration: "1.5s" }, wkt({ duration: dur(1n, 500000000) })),
    ok("-0.5s", WellKnownTypes, { duration: "-0.5s" }, wkt({ duration: dur(0n, -500000000) })),
    ok("0s", WellKnownTypes, { duration: "0s" }, wkt({ duration: dur(0n) })),
    ok("-1.000000001s", WellKnownTypes, { duration: "-1.000000001s" }, wkt({ duration: dur(-1n, -1) })),
    ok("6 digits", WellKnownTypes, { duration: "123.000450s" }, wkt({ duration: dur(123n, 450000) })),
    ok("maximum", WellKnownTypes, { duration: "315576000000s" }, wkt({ duration: dur(315576000000n) })),
    ok("minimum", WellKnownTypes, { duration: "-315576000000s" }, wkt({ duration: dur(-315576000000n) })),
    bad("above the maximum", WellKnownTypes, { duration: "315576000001s" }, DUR, "out of range"),
    bad("below the minimum", WellKnownTypes, { duration: "-315576000001s" }, DUR, "out of range"),
    bad("no unit", WellKnownTypes, { duration: "1.5" }, DUR),
    bad("other unit", WellKnownTypes, { duration: "1.5ms" }, DUR),
    bad("plus sign", WellKnownTypes, { duration: "+1s" }, DUR),
    bad("10 fraction digits", WellKnownTypes, { duration: "1.0000000001s" }, DUR),
    bad("exponent", WellKnownTypes, { duration: "1e3s" }, DUR),
    bad("trailing space", WellKnownTypes, { duration: "1s " }, DUR),
    bad("sign only", WellKnownTypes, { duration: "-s" }, DUR),
    bad("a number", WellKnownTypes, { duration: 1 }, DUR),
  ]);
  runWrites([
    out("1.5s", WellKnownTypes, wkt({ duration: dur(1n, 500000000) }), { duration: "1.500s" }),
    out("-0.5s", WellKnownTypes, wkt({ duration: dur(0n, -500000000) }), { duration: "-0.500s" }),
    out("0s", WellKnownTypes, wkt({ duration: dur(0n) }), { duration: "0s" }),
    out("9 digits", WellKnownTypes, wkt({ duration: dur(-1n, -1) }), { duration: "-1.000000001s" }),
    out("6 digits", WellKnownTypes, wkt({ duration: dur(123n, 450000) }), { duration: "123.000450s" }),
    out("maximum", WellKnownTypes, wkt({ duration: dur(315576000000n) }), { duration: "315576000000s" }),
    out("minimum", WellKnownTypes, wkt({ duration: dur(-315576000000n) }), { duration: "-315576000000s" }),
    outBad("above the maximum", WellKnownTypes, wkt({ duration: dur(315576000001n) }), DUR, "out of range"),
    outBad("below the minimum", WellKnownTypes, wkt({ duration: dur(-315576000001n) }), DUR, "out of range"),
    outBad("positive seconds, negative nanos", WellKnownTypes, wkt({ duration: dur(1n, -1) }), DUR, "sign"),
    outBad("negative seconds, positive nanos", WellKnownTypes, wkt({ duration: dur(-1n, 1) }), DUR, "sign"),
    outBad("nanos of a whole second", WellKnownTypes, wkt({ duration: dur(0n, 1000000000) }), DUR, "nanos"),
  ]);
});

// ---------------------------------------------------------------------------------------------
// google.protobuf.FieldMask
// ---------------------------------------------------------------------------------------------

describe("FieldMask", () => {
  const FM = "fixtures.wkt.WellKnownTypes.field_mask: ";
  runReads([
    ok("camelCase paths become snake_case", WellKnownTypes, { fieldMask: "fooBar,baz.quxQuux,a" }, wkt({ fieldMask: { paths: ["foo_bar", "baz.qux_quux", "a"] } })),
    ok("empty string", WellKnownTypes, { fieldMask: "" }, wkt({ fieldMask: { paths: [] } })),
    ok("proto field name as key", WellKnownTypes, { field_mask: "x" }, wkt({ fieldMask: { paths: ["x"] } })),
    bad("snake_case path", WellKnownTypes, { fieldMask: "foo_bar" }, FM, "lowerCamelCase"),
    bad("not a string", WellKnownTypes, { fieldMask: ["fooBar"] }, FM),
  ]);
  runWrites([
    out("snake_case paths become camelCase", WellKnownTypes, wkt({ fieldMask: { paths: ["foo_bar", "baz.qux_quux"] } }), { fieldMask: "fooBar,baz.quxQuux" }),
    out("no paths", WellKnownTypes, wkt({ fieldMask: { paths: [] } }), { fieldMask: "" }),
    outBad("a path with a capital cannot round-trip", WellKnownTypes, wkt({ fieldMask: { paths: ["fooBar"] } }), FM),
    outBad("a path with _digit cannot round-trip", WellKnownTypes, wkt({ fieldMask: { paths: ["foo_1"] } }), FM),
  ]);
});

// ---------------------------------------------------------------------------------------------
// google.protobuf.Struct, Value, ListValue, NullValue
// ---------------------------------------------------------------------------------------------

describe("Struct, Value and ListValue", () => {
  const nested = { a: 1, b: [true, null, { c: "x" }], d: {}, e: [] };
  runReads([
    ok("Struct field holds the object", WellKnownTypes, { struct: nested }, wkt({ struct: nested })),
    ok("empty Struct", WellKnownTypes, { struct: {} }, wkt({ struct: {} })),
    ok("Struct with a __proto__ key", WellKnownTypes, JSON.parse('{"struct":{"__proto__":{"x":1}}}'), wkt({ struct: { ["__proto__"]: { x: 1 } } })),
    ok("Struct null leaves it unset", WellKnownTypes, { struct: null }, wkt({})),
    ok("Value null is the null value", WellKnownTypes, { value: null }, wkt({ value: nul })),
    ok("Value number", WellKnownTypes, { value: 1.5 }, wkt({ value: num(1.5) })),
    ok("Value string", WellKnownTypes, { value: "s" }, wkt({ value: str("s") })),
    ok("Value bool", WellKnownTypes, { value: false }, wkt({ value: bool(false) })),
    ok("Value list", WellKnownTypes, { value: [1, "a", null, [true]] }, wkt({ value: list(num(1), str("a"), nul, list(bool(true))) })),
    ok("Value object", WellKnownTypes, { value: { k: null, o: { p: [] } } }, wkt({ value: obj({ k: nul, o: obj({ p: list() }) }) })),
    ok("ListValue", WellKnownTypes, { listValue: [1, null, [2], {}] }, wkt({ listValue: { values: [num(1), nul, list(num(2)), obj({})] } })),
    ok("ListValue null leaves it unset", WellKnownTypes, { listValue: null }, wkt({})),
    ok("NullValue from null", WellKnownTypes, { nullValue: null }, wkt({ nullValue: 0 })),
    ok("NullValue by name", WellKnownTypes, { nullValue: "NULL_VALUE" }, wkt({ nullValue: 0 })),
    ok("NullValue by number", WellKnownTypes, { nullValue: 0 }, wkt({ nullValue: 0 })),
    ok("null items of a Value list", RepeatedWellKnownTypes, { values: [null, 1] }, RepeatedWellKnownTypes.create({ values: [nul, num(1)] })),
    ok("null items of a NullValue list", RepeatedWellKnownTypes, { nullValues: [null, "NULL_VALUE"] }, RepeatedWellKnownTypes.create({ nullValues: [0, 0] })),
    ok("null values of a Value map", MapWellKnownTypes, { values: { a: null } }, MapWellKnownTypes.create({ values: { a: nul } })),
    ok("Structs in a list", RepeatedWellKnownTypes, { structs: [{ a: [] }, {}] }, RepeatedWellKnownTypes.create({ structs: [{ a: [] }, {}] })),
    ok("Struct in a oneof", OneofWellKnownTypes, { struct: { a: null } }, OneofWellKnownTypes.create({ kind: { case: "struct", value: { a: null } } })),
    ok("Value null in a oneof", OneofWellKnownTypes, { value: null }, OneofWellKnownTypes.create({ kind: { case: "value", value: nul } })),
    ok("top-level Struct", Struct, { a: { b: 1 } }, { fields: { a: obj({ b: num(1) }) } }),
    ok("top-level ListValue", ListValue, [null], { values: [nul] }),
    ok("top-level Value", Value, "x", str("x")),
    bad("Struct from an array", WellKnownTypes, { struct: [] }, "fixtures.wkt.WellKnownTypes.struct: "),
    bad("Struct from a string", WellKnownTypes, { struct: "{}" }, "fixtures.wkt.WellKnownTypes.struct: "),
    bad("ListValue from an object", WellKnownTypes, { listValue: {} }, "fixtures.wkt.WellKnownTypes.list_value: "),
    bad("NullValue from an unknown name", WellKnownTypes, { nullValue: "NULL" }, "fixtures.wkt.WellKnownTypes.null_value: "),
    bad("null Struct in a list", RepeatedWellKnownTypes, { structs: [null] }, "fixtures.wkt.RepeatedWellKnownTypes.structs: "),
    bad("top-level Struct from an array", Struct, [], "google.protobuf.Struct: "),
  ]);
  runWrites([
    out("Struct", WellKnownTypes, wkt({ struct: nested }), { struct: nested }),
    out("Value null", WellKnownTypes, wkt({ value: nul }), { value: null }),
    out("Value nested", WellKnownTypes, wkt({ value: obj({ k: list(num(1), str("s"), bool(true), nul) }) }), { value: { k: [1, "s", true, null] } }),
    out("ListValue", WellKnownTypes, wkt({ listValue: { values: [nul, obj({})] } }), { listValue: [null, {}] }),
    out("NullValue", WellKnownTypes, wkt({ nullValue: 0 }), { nullValue: null }, { emitDefaultValues: true }),
    outBad("Value NaN", WellKnownTypes, wkt({ value: num(NaN) }), "fixtures.wkt.WellKnownTypes.value: "),
    outBad("Value Infinity in a list", WellKnownTypes, wkt({ listValue: { values: [num(Infinity)] } }), "fixtures.wkt.WellKnownTypes.list_value: "),
    outBad("Value with no kind", WellKnownTypes, wkt({ value: { kind: { case: undefined } } }), "fixtures.wkt.WellKnownTypes.value: "),
    outBad("Struct holding NaN", WellKnownTypes, wkt({ struct: { a: [NaN] } }), "fixtures.wkt.WellKnownTypes.struct: "),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Wrappers and Empty
// ---------------------------------------------------------------------------------------------

describe("wrappers and Empty", () => {
  const W = "fixtures.wkt.Wrappers.";
  runReads([
    ok("every wrapper", Wrappers, {
      doubleValue: "-Infinity",
      floatValue: 1.5,
      int64Value: "-9223372036854775808",
      uint64Value: "18446744073709551615",
      int32Value: -2147483648,
      uint32Value: 4294967295,
      boolValue: false,
      stringValue: "",
      bytesValue: "AQID",
    }, Wrappers.create({ doubleValue: -Infinity, floatValue: 1.5, int64Value: -9223372036854775808n, uint64Value: 18446744073709551615n, int32Value: -2147483648, uint32Value: 4294967295, boolValue: false, stringValue: "", bytesValue: bytes(1, 2, 3) })),
    ok("Int64Value from a number", Wrappers, { int64Value: 123, uint64Value: 0 }, Wrappers.create({ int64Value: 123n, uint64Value: 0n })),
    ok("DoubleValue NaN", Wrappers, { doubleValue: "NaN" }, Wrappers.create({ doubleValue: NaN })),
    ok("empty BytesValue", Wrappers, { bytesValue: "" }, Wrappers.create({ bytesValue: bytes() })),
    ok("null leaves wrappers unset", Wrappers, { int32Value: null, stringValue: null, bytesValue: null }, Wrappers.create({})),
    ok("wrappers in a list", RepeatedWellKnownTypes, { int32Values: [1, "2"], stringValues: ["a", ""] }, RepeatedWellKnownTypes.create({ int32Values: [{ value: 1 }, { value: 2 }], stringValues: [{ value: "a" }, { value: "" }] })),
    ok("wrapper in a oneof", OneofWellKnownTypes, { int64Value: "5" }, OneofWellKnownTypes.create({ kind: { case: "int64Value", value: { value: 5n } } })),
    ok("wrapper in a map", MapWellKnownTypes, { bytesValues: { "1": "AQ==", "-2": "" } }, MapWellKnownTypes.create({ bytesValues: { 1: { value: bytes(1) }, [-2]: { value: bytes() } } })),
    ok("top-level wrapper", Int64Value, "-1", { value: -1n }),
    ok("top-level wrapper from null", StringValue, null, { value: "" }),
    ok("Empty", WellKnownTypes, { empty: {} }, wkt({ empty: {} })),
    ok("Empty ignoring unknown keys", WellKnownTypes, { empty: { x: 1 } }, wkt({ empty: {} }), { ignoreUnknownFields: true }),
    ok("Empties in a list", RepeatedWellKnownTypes, { empties: [{}, {}] }, RepeatedWellKnownTypes.create({ empties: [{}, {}] })),
    bad("Int32Value out of range", Wrappers, { int32Value: 2147483648 }, W + "int32_value: ", "out of range"),
    bad("Int64Value out of range", Wrappers, { int64Value: "9223372036854775808" }, W + "int64_value: ", "out of range"),
    bad("BoolValue from a string", Wrappers, { boolValue: "true" }, W + "bool_value: "),
    bad("BytesValue invalid", Wrappers, { bytesValue: "A" }, W + "bytes_value: ", "base64"),
    bad("wrapper object form", Wrappers, { int32Value: { value: 1 } }, W + "int32_value: "),
    bad("bad wrapper in a list", RepeatedWellKnownTypes, { int32Values: [1.5] }, "fixtures.wkt.RepeatedWellKnownTypes.int32_values: "),
    bad("null wrapper in a list", RepeatedWellKnownTypes, { stringValues: [null] }, "fixtures.wkt.RepeatedWellKnownTypes.string_values: "),
    bad("bad wrapper in a oneof", OneofWellKnownTypes, { stringValue: 1 }, "fixtures.wkt.OneofWellKnownTypes.string_value: "),
    bad("bad wrapper in a map", MapWellKnownTypes, { bytesValues: { "1": "!" } }, "fixtures.wkt.MapWellKnownTypes.bytes_values: "),
    bad("Empty with a key", WellKnownTypes, { empty: { x: 1 } }, "fixtures.wkt.WellKnownTypes.empty: ", 'unknown field "x"'),
    bad("Empty from an array", WellKnownTypes, { empty: [] }, "fixtures.wkt.WellKnownTypes.empty: "),
    bad("top-level wrapper", Int32Value, "x", "google.protobuf.Int32Value.value: "),
  ]);
  runWrites([
    out("every wrapper", Wrappers, Wrappers.create({ doubleValue: NaN, floatValue: -Infinity, int64Value: -9223372036854775808n, uint64Value: 18446744073709551615n, int32Value: 0, uint32Value: 7, boolValue: false, stringValue: "", bytesValue: bytes(0xfb, 0xff) }), {
      doubleValue: "NaN",
      floatValue: "-Infinity",
      int64Value: "-9223372036854775808",
      uint64Value: "18446744073709551615",
      int32Value: 0,
      uint32Value: 7,
      boolValue: false,
      stringValue: "",
      bytesValue: "+/8=",
    }),
    out("unset wrappers are omitted even with emitDefaultValues", Wrappers, Wrappers.create({}), {}, { emitDefaultValues: true }),
    out("wrappers in a list", RepeatedWellKnownTypes, RepeatedWellKnownTypes.create({ int32Values: [{ value: 0 }], stringValues: [{ value: "x" }] }), { int32Values: [0], stringValues: ["x"] }),
    out("wrapper in a oneof", OneofWellKnownTypes, OneofWellKnownTypes.create({ kind: { case: "int64Value", value: { value: -5n } } }), { int64Value: "-5" }),
    out("wrapper in a map", MapWellKnownTypes, MapWellKnownTypes.create({ bytesValues: { 3: { value: bytes(1, 2) } } }), { bytesValues: { "3": "AQI=" } }),
    out("top-level BytesValue", BytesValue, { value: bytes(0xff) }, "/w=="),
    out("Empty", WellKnownTypes, wkt({ empty: {} }), { empty: {} }),
  ]);
});

// ---------------------------------------------------------------------------------------------
// google.protobuf.Any
// ---------------------------------------------------------------------------------------------

describe("Any", () => {
  const url = (name: string): string => `type.googleapis.com/${name}`;
  const any = (typeName: string, value: Uint8Array): Any => ({ typeUrl: url(typeName), value });
  const durationUrl = url("google.protobuf.Duration");
  const nestedAnyBytes = concatBytes([10, durationUrl.length], utf8(durationUrl), [18, 2, 8, 1]);
  runReads([
    ok("registered message", WellKnownTypes, { any: { "@type": url("fixtures.wkt.Wrappers"), int32Value: 5 } }, wkt({ any: any("fixtures.wkt.Wrappers", bytes(42, 2, 8, 5)) }), registry),
    ok("registered message, proto field names", WellKnownTypes, { any: { "@type": url("fixtures.wkt.Wrappers"), int32_value: 5 } }, wkt({ any: any("fixtures.wkt.Wrappers", bytes(42, 2, 8, 5)) }), registry),
    ok("@type need not come first", WellKnownTypes, { any: { stringValue: "hi", "@type": url("fixtures.wkt.Wrappers") } }, wkt({ any: any("fixtures.wkt.Wrappers", bytes(66, 4, 10, 2, 104, 105)) }), registry),
    ok("Duration under value", WellKnownTypes, { any: { "@type": durationUrl, value: "1.5s" } }, wkt({ any: any("google.protobuf.Duration", bytes(8, 1, 16, 0x80, 0xca, 0xb5, 0xee, 0x01)) }), registry),
    ok("Timestamp under value", WellKnownTypes, { any: { "@type": url("google.protobuf.Timestamp"), value: "1970-01-01T00:00:01Z" } }, wkt({ any: any("google.protobuf.Timestamp", bytes(8, 1)) }), registry),
    ok("Int64Value under value", WellKnownTypes, { any: { "@type": url("google.protobuf.Int64Value"), value: "-1" } }, wkt({ any: any("google.protobuf.Int64Value", bytes(8, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1)) }), registry),
    ok("FieldMask under value", WellKnownTypes, { any: { "@type": url("google.protobuf.FieldMask"), value: "a,bC" } }, wkt({ any: any("google.protobuf.FieldMask", concatBytes([10, 1], utf8("a"), [10, 3], utf8("b_c"))) }), registry),
    ok("Struct under value", WellKnownTypes, { any: { "@type": url("google.protobuf.Struct"), value: { a: 1 } } }, wkt({ any: any("google.protobuf.Struct", bytes(10, 14, 10, 1, 97, 18, 9, 17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f)) }), registry),
    ok("Value null under value", WellKnownTypes, { any: { "@type": url("google.protobuf.Value"), value: null } }, wkt({ any: any("google.protobuf.Value", bytes(8, 0)) }), registry),
    ok("Empty is an object form", WellKnownTypes, { any: { "@type": url("google.protobuf.Empty") } }, wkt({ any: any("google.protobuf.Empty", bytes()) }), registry),
    ok("Any in an Any", WellKnownTypes, { any: { "@type": url("google.protobuf.Any"), value: { "@type": durationUrl, value: "1s" } } }, wkt({ any: any("google.protobuf.Any", nestedAnyBytes) }), registry),
    ok("empty object is the empty Any", WellKnownTypes, { any: {} }, wkt({ any: { typeUrl: "", value: bytes() } })),
    ok("unknown keys ignored when asked", WellKnownTypes, { any: { "@type": durationUrl, value: "1s", extra: 1 } }, wkt({ any: any("google.protobuf.Duration", bytes(8, 1)) }), { ...registry, ignoreUnknownFields: true }),
    bad("unknown type URL", WellKnownTypes, { any: { "@type": url("nowhere.Missing"), x: 1 } }, ANY, '"type.googleapis.com/nowhere.Missing" is not in the type registry', registry),
    bad("a registry option without the type", WellKnownTypes, { any: { "@type": durationUrl, value: "1s" } }, ANY, "not in the type registry", { registry: createTypeRegistry([]) }),
    ok("no registry option: the output's own registry", WellKnownTypes, { any: { "@type": durationUrl, value: "1s" } }, wkt({ any: any("google.protobuf.Duration", bytes(8, 1)) })),
    bad("missing @type", WellKnownTypes, { any: { value: "1s" } }, ANY, "@type", registry),
    bad("empty @type", WellKnownTypes, { any: { "@type": "" } }, ANY, "@type", registry),
    bad("@type not a string", WellKnownTypes, { any: { "@type": 1 } }, ANY, "@type", registry),
    bad("type URL ending in a slash", WellKnownTypes, { any: { "@type": "type.googleapis.com/" } }, ANY, "registry", registry),
    bad("not an object", WellKnownTypes, { any: "x" }, ANY, undefined, registry),
    bad("WKT without value", WellKnownTypes, { any: { "@type": durationUrl } }, ANY, '"value"', registry),
    bad("WKT with an extra key", WellKnownTypes, { any: { "@type": durationUrl, value: "1s", extra: 1 } }, ANY, '"extra"', registry),
    bad("WKT with a bad value", WellKnownTypes, { any: { "@type": durationUrl, value: 1 } }, ANY, "google.protobuf.Duration", registry),
    bad("message with an unknown key", WellKnownTypes, { any: { "@type": url("fixtures.wkt.Wrappers"), nope: 1 } }, ANY, 'unknown field "nope"', registry),
    bad("message with a bad field", WellKnownTypes, { any: { "@type": url("fixtures.wkt.Wrappers"), int32Value: "x" } }, ANY, "fixtures.wkt.Wrappers.int32_value", registry),
    bad("in a list", RepeatedWellKnownTypes, { anys: [{ "@type": "x.Y" }] }, "fixtures.wkt.RepeatedWellKnownTypes.anys: ", "not in the type registry", registry),
    bad("in a map", MapWellKnownTypes, { anys: { k: { "@type": "x.Y" } } }, "fixtures.wkt.MapWellKnownTypes.anys: ", "not in the type registry", registry),
    bad("top-level Any", Any, { "@type": "x.Y" }, "google.protobuf.Any: ", "not in the type registry", registry),
  ]);
  runWrites([
    out("registered message", WellKnownTypes, wkt({ any: any("fixtures.wkt.Wrappers", bytes(42, 2, 8, 5)) }), { any: { "@type": url("fixtures.wkt.Wrappers"), int32Value: 5 } }, registry),
    out("registered message, proto names", WellKnownTypes, wkt({ any: any("fixtures.wkt.Wrappers", bytes(42, 2, 8, 5)) }), { any: { "@type": url("fixtures.wkt.Wrappers"), int32_value: 5 } }, { ...registry, useProtoFieldName: true }),
    out("Duration under value", WellKnownTypes, wkt({ any: any("google.protobuf.Duration", bytes(8, 1, 16, 0x80, 0xca, 0xb5, 0xee, 0x01)) }), { any: { "@type": durationUrl, value: "1.500s" } }, registry),
    out("Struct under value", WellKnownTypes, wkt({ any: any("google.protobuf.Struct", bytes(10, 14, 10, 1, 97, 18, 9, 17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f)) }), { any: { "@type": url("google.protobuf.Struct"), value: { a: 1 } } }, registry),
    out("Empty as an object", WellKnownTypes, wkt({ any: any("google.protobuf.Empty", bytes()) }), { any: { "@type": url("google.protobuf.Empty") } }, registry),
    out("Any in an Any", WellKnownTypes, wkt({ any: any("google.protobuf.Any", nestedAnyBytes) }), { any: { "@type": url("google.protobuf.Any"), value: { "@type": durationUrl, value: "1s" } } }, registry),
    out("empty Any", WellKnownTypes, wkt({ any: { typeUrl: "", value: bytes() } }), { any: {} }),
    outBad("unregistered type", WellKnownTypes, wkt({ any: any("nowhere.Missing", bytes()) }), ANY, "not in the type registry", registry),
    outBad("a registry option without the type", WellKnownTypes, wkt({ any: any("google.protobuf.Duration", bytes(8, 1)) }), ANY, "not in the type registry", { registry: createTypeRegistry([]) }),
    out("no registry option: the output's own registry", WellKnownTypes, wkt({ any: any("google.protobuf.Duration", bytes(8, 1)) }), { any: { "@type": durationUrl, value: "1s" } }),
    outBad("malformed packed bytes", WellKnownTypes, wkt({ any: any("google.protobuf.Duration", bytes(8)) }), ANY, undefined, registry),
  ]);
});

describe("Any holding fields named __proto__", () => {
  // Codecs of another output's runtime resolve fine: MessageCodec is structural.
  const options = { registry: createTypeRegistry([SpecialFields, SpecialFieldKinds] as unknown as MessageCodec<object>[]), useProtoFieldName: true };
  const url = (name: string): string => `type.googleapis.com/fixtures.name_clashes.${name}`;
  test("a string field stays an own key", () => {
    const any: Any = { typeUrl: url("SpecialFields"), value: SpecialFields.encode(SpecialFields.create({ Proto: "x" } as Partial<SpecialFields>)) };
    const json = Any.toJson(any, options) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json)).toEqual(["@type", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(json, "__proto__")?.value).toBe("x");
    expect(Any.fromJson(json as JsonValue, options)).toEqual(any);
  });
  test("a map field neither replaces the prototype nor disappears", () => {
    const any: Any = { typeUrl: url("SpecialFieldKinds"), value: SpecialFieldKinds.encode(SpecialFieldKinds.create({ Proto: { k: "v" } } as unknown as Partial<SpecialFieldKinds>)) };
    const json = Any.toJson(any, options) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(json, "__proto__")?.value).toEqual({ k: "v" });
    expect(Any.fromJson(JSON.parse(JSON.stringify(json)), options)).toEqual(any);
  });
});

// ---------------------------------------------------------------------------------------------
// Scalars: integers, floats, bytes, strings
// ---------------------------------------------------------------------------------------------

describe("scalar values", () => {
  const sc = (init: Partial<ImplicitScalars>): ImplicitScalars => ImplicitScalars.create(init);
  const f = (name: string): string => `${SC}.${name}: `;
  runReads([
    ok("int64 extremes as strings", ImplicitScalars, { int64Field: "9223372036854775807", sint64Field: "-9223372036854775808", sfixed64Field: "-1" }, sc({ int64Field: 9223372036854775807n, sint64Field: -9223372036854775808n, sfixed64Field: -1n })),
    ok("uint64 extremes as strings", ImplicitScalars, { uint64Field: "18446744073709551615", fixed64Field: "0" }, sc({ uint64Field: 18446744073709551615n })),
    ok("64-bit integers as numbers", ImplicitScalars, { int64Field: -9223372036854775808, uint64Field: 9007199254740991, fixed64Field: 1e3 }, sc({ int64Field: -9223372036854775808n, uint64Field: 9007199254740991n, fixed64Field: 1000n })),
    ok("int64 with leading zeros", ImplicitScalars, { int64Field: "-007" }, sc({ int64Field: -7n })),
    ok("64-bit integers in exponent and fraction forms", ImplicitScalars, { int64Field: "1e2", uint64Field: "1.0", sfixed64Field: "-5.10e1", fixed64Field: "18446744073709551615.000", sint64Field: "-0.0" }, sc({ int64Field: 100n, uint64Field: 1n, sfixed64Field: -51n, fixed64Field: 18446744073709551615n })),
    ok("int32 extremes", ImplicitScalars, { int32Field: -2147483648, sint32Field: 2147483647, sfixed32Field: "-2147483648" }, sc({ int32Field: -2147483648, sint32Field: 2147483647, sfixed32Field: -2147483648 })),
    ok("uint32 extremes", ImplicitScalars, { uint32Field: 4294967295, fixed32Field: "4294967295" }, sc({ uint32Field: 4294967295, fixed32Field: 4294967295 })),
    ok("integral float and exponent forms", ImplicitScalars, { int32Field: 1.0, uint32Field: 1e2, sint32Field: "1e2", fixed32Field: "5.0" }, sc({ int32Field: 1, uint32Field: 100, sint32Field: 100, fixed32Field: 5 })),
    ok("int32 from a string", ImplicitScalars, { int32Field: "-12" }, sc({ int32Field: -12 })),
    ok("double NaN, Infinity", ImplicitScalars, { doubleField: "NaN", floatField: "Infinity" }, sc({ doubleField: NaN, floatField: Infinity })),
    ok("double -Infinity", ImplicitScalars, { doubleField: "-Infinity" }, sc({ doubleField: -Infinity })),
    ok("double from a numeric string", ImplicitScalars, { doubleField: "-1.5e-3" }, sc({ doubleField: -0.0015 })),
    ok("double extremes", ImplicitScalars, { doubleField: 1.7976931348623157e308, floatField: 3.4028234663852886e38 }, sc({ doubleField: 1.7976931348623157e308, floatField: 3.4028234663852886e38 })),
    ok("float below the smallest subnormal", ImplicitScalars, { floatField: 1e-50 }, sc({ floatField: 1e-50 })),
    ok("bool", ImplicitScalars, { boolField: true }, sc({ boolField: true })),
    ok("empty bytes", ImplicitScalars, { bytesField: "" }, sc({ bytesField: bytes() })),
    ok("standard base64", ImplicitScalars, { bytesField: "+/8=" }, sc({ bytesField: bytes(0xfb, 0xff) })),
    ok("URL-safe base64", ImplicitScalars, { bytesField: "-_8=" }, sc({ bytesField: bytes(0xfb, 0xff) })),
    ok("unpadded base64", ImplicitScalars, { bytesField: "-_8" }, sc({ bytesField: bytes(0xfb, 0xff) })),
    ok("one byte, padded", ImplicitScalars, { bytesField: "AQ==" }, sc({ bytesField: bytes(1) })),
    ok("one byte, unpadded", ImplicitScalars, { bytesField: "AQ" }, sc({ bytesField: bytes(1) })),
    ok("string with escapes and astral", ImplicitScalars, { stringField: "a\u0000\n\"😀" }, sc({ stringField: "a\u0000\n\"😀" })),
    ok("explicit empty bytes is present", OptionalScalars, { bytesField: "" }, OptionalScalars.create({ bytesField: bytes() })),
    ok("explicit zero is present", OptionalScalars, { int32Field: 0, stringField: "" }, OptionalScalars.create({ int32Field: 0, stringField: "" })),
    bad("int32 above the range", ImplicitScalars, { int32Field: 2147483648 }, f("int32_field"), "out of range"),
    bad("int32 below the range", ImplicitScalars, { int32Field: "-2147483649" }, f("int32_field"), "out of range"),
    bad("uint32 negative", ImplicitScalars, { uint32Field: -1 }, f("uint32_field"), "out of range"),
    bad("uint32 above the range", ImplicitScalars, { fixed32Field: 4294967296 }, f("fixed32_field"), "out of range"),
    bad("int32 non-integral", ImplicitScalars, { int32Field: 1.5 }, f("int32_field")),
    bad("int32 non-integral string", ImplicitScalars, { sfixed32Field: "1.5" }, f("sfixed32_field")),
    bad("int64 non-integral", ImplicitScalars, { int64Field: 0.5 }, f("int64_field")),
    bad("int64 non-integral string", ImplicitScalars, { int64Field: "0.5" }, f("int64_field")),
    bad("int64 above the range", ImplicitScalars, { int64Field: "9223372036854775808" }, f("int64_field"), "out of range"),
    bad("int64 below the range", ImplicitScalars, { sint64Field: "-9223372036854775809" }, f("sint64_field"), "out of range"),
    bad("int64 non-integral exponent form", ImplicitScalars, { int64Field: "15e-1" }, f("int64_field")),
    bad("int64 with a huge exponent", ImplicitScalars, { int64Field: "1e999999999" }, f("int64_field"), "out of range"),
    bad("uint64 one past the range in exponent form", ImplicitScalars, { uint64Field: "1.8446744073709551616e19" }, f("uint64_field"), "out of range"),
    bad("int64 max as a number rounds out of range", ImplicitScalars, { int64Field: 9223372036854775807 }, f("int64_field"), "out of range"),
    bad("uint64 negative", ImplicitScalars, { uint64Field: "-1" }, f("uint64_field"), "out of range"),
    bad("uint64 above the range", ImplicitScalars, { fixed64Field: "18446744073709551616" }, f("fixed64_field"), "out of range"),
    bad("hex string", ImplicitScalars, { int32Field: "0x10" }, f("int32_field")),
    bad("hex string for a double", ImplicitScalars, { doubleField: "0x10" }, f("double_field")),
    bad("binary string for uint32", ImplicitScalars, { uint32Field: "0b1" }, f("uint32_field")),
    bad("leading space", ImplicitScalars, { int32Field: " 1" }, f("int32_field")),
    bad("trailing space", ImplicitScalars, { int64Field: "1 " }, f("int64_field")),
    bad("empty string for int32", ImplicitScalars, { int32Field: "" }, f("int32_field")),
    bad("empty string for double", ImplicitScalars, { doubleField: "" }, f("double_field")),
    bad("bool for int32", ImplicitScalars, { int32Field: true }, f("int32_field")),
    bad("array for int64", ImplicitScalars, { int64Field: [1] }, f("int64_field")),
    bad("object for uint64", ImplicitScalars, { uint64Field: {} }, f("uint64_field")),
    bad("lowercase nan", ImplicitScalars, { doubleField: "nan" }, f("double_field")),
    bad("inf", ImplicitScalars, { doubleField: "inf" }, f("double_field")),
    bad("double overflowing to Infinity", ImplicitScalars, { doubleField: "1e400" }, f("double_field")),
    bad("float above the range", ImplicitScalars, { floatField: 3.5e38 }, f("float_field"), "out of range"),
    bad("float below the range", ImplicitScalars, { floatField: "-3.5e38" }, f("float_field"), "out of range"),
    bad("bool from a string", ImplicitScalars, { boolField: "true" }, f("bool_field")),
    bad("bool from a number", ImplicitScalars, { boolField: 1 }, f("bool_field")),
    bad("string from a number", ImplicitScalars, { stringField: 1 }, f("string_field")),
    bad("string with a lone surrogate", ImplicitScalars, { stringField: "a\ud800b" }, f("string_field"), "surrogate"),
    bad("base64 with one char too many", ImplicitScalars, { bytesField: "AQIDB" }, f("bytes_field"), "base64"),
    bad("base64 with bad padding", ImplicitScalars, { bytesField: "AQ=" }, f("bytes_field"), "base64"),
    bad("base64 with too much padding", ImplicitScalars, { bytesField: "A===" }, f("bytes_field"), "base64"),
    bad("base64 with padding inside", ImplicitScalars, { bytesField: "AQ==AQ==" }, f("bytes_field"), "base64"),
    bad("base64 with a space", ImplicitScalars, { bytesField: "AQ ID" }, f("bytes_field"), "base64"),
    bad("base64 with a non-ASCII char", ImplicitScalars, { bytesField: "AQé=" }, f("bytes_field"), "base64"),
    bad("bytes from a number", ImplicitScalars, { bytesField: 1 }, f("bytes_field")),
    bad("bytes from an array", ImplicitScalars, { bytesField: [1, 2] }, f("bytes_field")),
  ]);

  test("-0 reads as -0 for floating point and as 0 for integers", () => {
    const m = ImplicitScalars.fromJsonString('{"doubleField":-0,"floatField":"-0","int32Field":-0,"uint32Field":"-0","sint32Field":-0.0,"int64Field":"-0","uint64Field":-0}');
    expect(Object.is(m.doubleField, -0)).toBe(true);
    expect(Object.is(m.floatField, -0)).toBe(true);
    expect(Object.is(m.int32Field, 0)).toBe(true);
    expect(Object.is(m.uint32Field, 0)).toBe(true);
    expect(Object.is(m.sint32Field, 0)).toBe(true);
    expect(m.int64Field).toBe(0n);
    expect(m.uint64Field).toBe(0n);
    // -0 is not a zero value for floating point: it is written.
    expect(ImplicitScalars.toJson(m)).toEqual({ doubleField: -0, floatField: -0 });
    expect(Object.is((ImplicitScalars.toJson(m) as { doubleField: number }).doubleField, -0)).toBe(true);
  });

  runWrites([
    out("int64 and uint64 extremes as strings", ImplicitScalars, sc({ int64Field: -9223372036854775808n, uint64Field: 18446744073709551615n, sint64Field: 9223372036854775807n, fixed64Field: 1n, sfixed64Field: -1n }), {
      int64Field: "-9223372036854775808",
      uint64Field: "18446744073709551615",
      sint64Field: "9223372036854775807",
      fixed64Field: "1",
      sfixed64Field: "-1",
    }),
    out("32-bit integers as numbers", ImplicitScalars, sc({ int32Field: -2147483648, uint32Field: 4294967295, fixed32Field: 1 }), { int32Field: -2147483648, uint32Field: 4294967295, fixed32Field: 1 }),
    out("non-finite floats as strings", ImplicitScalars, sc({ doubleField: NaN, floatField: -Infinity }), { doubleField: "NaN", floatField: "-Infinity" }),
    out("Infinity", ImplicitScalars, sc({ doubleField: Infinity }), { doubleField: "Infinity" }),
    out("bytes as standard padded base64", ImplicitScalars, sc({ bytesField: bytes(0xfb, 0xff) }), { bytesField: "+/8=" }),
    out("explicit empty bytes", OptionalScalars, OptionalScalars.create({ bytesField: bytes() }), { bytesField: "" }),
    out("explicit zero", OptionalScalars, OptionalScalars.create({ int32Field: 0, boolField: false }), { int32Field: 0, boolField: false }),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Map keys and values
// ---------------------------------------------------------------------------------------------

describe("maps", () => {
  const mk = (init: Partial<MapKeys>): MapKeys => MapKeys.create(init);
  const K = "fixtures.maps.MapKeys.";
  test("a __proto__ key is an own entry and leaves the prototype alone", () => {
    const m = MapKeys.fromJsonString('{"stringKey":{"__proto__":"p","":"e"}}');
    expect(Object.getPrototypeOf(m.stringKey)).toBe(Object.prototype);
    expect(Object.keys(m.stringKey).sort()).toEqual(["", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(m.stringKey, "__proto__")?.value).toBe("p");
    const text = MapKeys.toJsonString(m);
    expect(JSON.parse(text)).toEqual(JSON.parse('{"stringKey":{"__proto__":"p","":"e"}}'));
    expect(Object.keys((JSON.parse(text) as { stringKey: object }).stringKey).sort()).toEqual(["", "__proto__"]);
  });
  runReads([
    ok("bool keys", MapKeys, { boolKey: { true: "t", false: "f" } }, mk({ boolKey: { true: "t", false: "f" } })),
    ok("int32 keys, canonicalised", MapKeys, { int32Key: { "-2147483648": "a", "01": "b", "2147483647": "c" } }, mk({ int32Key: { [-2147483648]: "a", 1: "b", 2147483647: "c" } })),
    ok("sint32, sfixed32 keys", MapKeys, { sint32Key: { "-1": "a" }, sfixed32Key: { "-0": "z" } }, mk({ sint32Key: { [-1]: "a" }, sfixed32Key: { 0: "z" } })),
    ok("uint32, fixed32 keys", MapKeys, { uint32Key: { "4294967295": "a" }, fixed32Key: { "0": "z" } }, mk({ uint32Key: { 4294967295: "a" }, fixed32Key: { 0: "z" } })),
    ok("int64 keys, canonicalised", MapKeys, { int64Key: { "01": "x", "-9223372036854775808": "y", "9223372036854775807": "z" } }, mk({ int64Key: { "1": "x", "-9223372036854775808": "y", "9223372036854775807": "z" } })),
    ok("sint64, sfixed64 keys", MapKeys, { sint64Key: { "-00": "a" }, sfixed64Key: { "-5": "b" } }, mk({ sint64Key: { "0": "a" }, sfixed64Key: { "-5": "b" } })),
    ok("uint64, fixed64 keys", MapKeys, { uint64Key: { "18446744073709551615": "m" }, fixed64Key: { "007": "b" } }, mk({ uint64Key: { "18446744073709551615": "m" }, fixed64Key: { "7": "b" } })),
    ok("string keys", MapKeys, { stringKey: { "": "e", "a b": "s", "😀": "x" } }, mk({ stringKey: { "": "e", "a b": "s", "😀": "x" } })),
    ok("null map is empty", MapKeys, { stringKey: null, int32_key: null }, mk({})),
    ok("enum values by name and number", MapValues, { enumValue: { a: "STATUS_ACTIVE", b: 2, c: 7 } }, MapValues.create({ enumValue: { a: 1, b: 2, c: 7 as never } })),
    ok("int64 values as strings and numbers", MapValues, { int64Value: { a: "5", b: -6 } }, MapValues.create({ int64Value: { a: 5n, b: -6n } })),
    ok("bytes values", MapValues, { bytesValue: { a: "", b: "AQ" } }, MapValues.create({ bytesValue: { a: bytes(), b: bytes(1) } })),
    ok("message values", MapValues, { messageValue: { a: { text: "t" }, b: {} } }, MapValues.create({ messageValue: { a: { text: "t", count: 0n, children: {} }, b: { text: "", count: 0n, children: {} } } })),
    ok("float values", MapValues, { doubleValue: { n: "NaN" }, floatValue: { i: "-Infinity" } }, MapValues.create({ doubleValue: { n: NaN }, floatValue: { i: -Infinity } })),
    bad("bool key 1", MapKeys, { boolKey: { "1": "x" } }, K + "bool_key: "),
    bad("bool key True", MapKeys, { boolKey: { True: "x" } }, K + "bool_key: "),
    bad("int32 key out of range", MapKeys, { int32Key: { "2147483648": "x" } }, K + "int32_key: ", "out of range"),
    bad("int32 key non-integral", MapKeys, { int32Key: { "1.5": "x" } }, K + "int32_key: "),
    bad("int32 key not a number", MapKeys, { sfixed32Key: { a: "x" } }, K + "sfixed32_key: "),
    bad("int32 key empty", MapKeys, { sint32Key: { "": "x" } }, K + "sint32_key: "),
    bad("uint32 key negative", MapKeys, { uint32Key: { "-1": "x" } }, K + "uint32_key: "),
    bad("int64 key out of range", MapKeys, { int64Key: { "9223372036854775808": "x" } }, K + "int64_key: ", "out of range"),
    bad("int64 key with a space", MapKeys, { sint64Key: { " 1": "x" } }, K + "sint64_key: "),
    bad("uint64 key negative", MapKeys, { uint64Key: { "-1": "x" } }, K + "uint64_key: "),
    bad("uint64 key out of range", MapKeys, { fixed64Key: { "18446744073709551616": "x" } }, K + "fixed64_key: "),
    bad("string key with a lone surrogate", MapKeys, { stringKey: { "\udc00": "x" } }, K + "string_key: "),
    bad("null map value", MapKeys, { stringKey: { a: null } }, K + "string_key: ", "null"),
    bad("wrong value type", MapKeys, { stringKey: { a: 1 } }, K + "string_key: "),
    bad("map from an array", MapKeys, { stringKey: [] }, K + "string_key: "),
    bad("unknown enum name in a map", MapValues, { enumValue: { a: "STATUS_GONE" } }, "fixtures.maps.MapValues.enum_value: ", "unknown enum value"),
    bad("bad nested message in a map", MapValues, { messageValue: { a: { count: "x" } } }, "fixtures.maps.Value.count: "),
  ]);
  runWrites([
    out("every key kind", MapKeys, mk({
      int32Key: { [-1]: "a" },
      int64Key: { "-9223372036854775808": "b" },
      uint32Key: { 4294967295: "c" },
      uint64Key: { "18446744073709551615": "d" },
      boolKey: { true: "e", false: "f" },
      stringKey: { "": "g" },
    }), {
      int32Key: { "-1": "a" },
      int64Key: { "-9223372036854775808": "b" },
      uint32Key: { "4294967295": "c" },
      uint64Key: { "18446744073709551615": "d" },
      boolKey: { true: "e", false: "f" },
      stringKey: { "": "g" },
    }),
    out("enum values by name (numbers when undeclared)", MapValues, MapValues.create({ enumValue: { a: 1, b: 9 as never } }), { enumValue: { a: "STATUS_ACTIVE", b: 9 } }),
    out("64-bit values as strings", MapValues, MapValues.create({ uint64Value: { a: 18446744073709551615n } }), { uint64Value: { a: "18446744073709551615" } }),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

describe("enums", () => {
  const ef = (init: Partial<EnumFields>): EnumFields => EnumFields.create(init);
  const E = "fixtures.enums.EnumFields.";
  const ignore = { ignoreUnknownFields: true };
  runReads([
    ok("by name", EnumFields, { planet: "PLANET_EARTH", signed: "SIGNED_MIN" }, ef({ planet: 3, signed: -2147483648 })),
    ok("by number", EnumFields, { planet: 2, signed: -1 }, ef({ planet: 2, signed: -1 })),
    ok("undeclared number of an open enum", EnumFields, { planet: 99 }, ef({ planet: 99 as never })),
    ok("alias name", EnumFields, { alias: "ALIAS_RUNNING" }, ef({ alias: 1 })),
    ok("null is the default", EnumFields, { planet: null, optionalPlanet: null }, ef({})),
    ok("explicit zero is present", EnumFields, { optionalPlanet: "PLANET_UNSPECIFIED" }, ef({ optionalPlanet: 0 })),
    ok("lists and maps by name and number", EnumFields, { planets: ["PLANET_VENUS", 1], planetByName: { x: "PLANET_EARTH" }, signedById: { "-1": "SIGNED_MAX" } }, ef({ planets: [2, 1], planetByName: { x: 3 }, signedById: { [-1]: 2147483647 } })),
    ok("oneof member", EnumFields, { choicePlanet: "PLANET_MERCURY" }, ef({ choice: { case: "choicePlanet", value: 1 } })),
    ok("names that are Object.prototype members", JsNames, { special: "__proto__", specials: ["toString", "constructor", "hasOwnProperty", "valueOf"] }, JsNames.create({ special: 1, specials: [2, 0, 4, 3] })),
    ok("unknown name ignored: singular stays default", EnumFields, { planet: "PLANET_PLUTO", alias: "ALIAS_DONE" }, ef({ alias: 2 }), ignore),
    ok("unknown name ignored: explicit stays unset", EnumFields, { optionalPlanet: "PLANET_PLUTO" }, ef({}), ignore),
    ok("unknown name ignored: list item dropped", EnumFields, { planets: ["PLANET_EARTH", "PLANET_PLUTO", 1] }, ef({ planets: [3, 1] }), ignore),
    ok("unknown name ignored: map entry dropped", EnumFields, { planetByName: { a: "PLANET_PLUTO", b: "PLANET_VENUS" } }, ef({ planetByName: { b: 2 } }), ignore),
    ok("unknown name ignored: oneof stays unset", EnumFields, { choicePlanet: "PLANET_PLUTO" }, ef({}), ignore),
    ok("closed enum by name", Optionals, { enumField: "LEVEL_NEGATIVE" }, Optionals.create({ enumField: -5 })),
    ok("closed enum by declared number", Optionals, { enumField: 3 }, Optionals.create({ enumField: 3 })),
    ok("closed enum undeclared number ignored", Optionals, { enumField: 9 }, Optionals.create({}), ignore),
    ok("closed enum map entry with undeclared number ignored", Repeateds, { enumMap: { a: 9, b: 1 } }, Repeateds.create({ enumMap: { b: 1 } }), ignore),
    bad("unknown name", EnumFields, { planet: "PLANET_PLUTO" }, E + "planet: ", "unknown enum value"),
    bad("unknown name in a list", EnumFields, { planets: ["PLANET_PLUTO"] }, E + "planets: ", "unknown enum value"),
    bad("unknown name in a oneof", EnumFields, { choiceSigned: "nope" }, E + "choice_signed: "),
    bad("prototype member that is no value name", JsNames, { special: "isPrototypeOf" }, "fixtures.enums.JsNames.special: "),
    bad("Object.prototype name of an enum without it: constructor", EnumFields, { planet: "constructor" }, E + "planet: ", "unknown enum value"),
    bad("Object.prototype name of an enum without it: __proto__", EnumFields, { planets: ["__proto__"] }, E + "planets: ", "unknown enum value"),
    bad("Object.prototype name of an enum without it: toString", EnumFields, { planetByName: { a: "toString" } }, E + "planet_by_name: ", "unknown enum value"),
    bad("name of another enum", EnumFields, { planet: "SIGNED_ZERO" }, E + "planet: "),
    bad("lowercase name", EnumFields, { planet: "planet_earth" }, E + "planet: "),
    bad("number as a string", EnumFields, { planet: "1" }, E + "planet: "),
    bad("non-integral number", EnumFields, { planet: 1.5 }, E + "planet: "),
    bad("number beyond int32", EnumFields, { planet: 2147483648 }, E + "planet: "),
    bad("bool", EnumFields, { planet: true }, E + "planet: "),
    bad("closed enum undeclared number", Optionals, { enumField: 9 }, "fixtures.proto2.Optionals.enum_field: ", "closed enum"),
    bad("closed enum undeclared number in a map", Repeateds, { enumMap: { a: 0 } }, "fixtures.proto2.Repeateds.enum_map: "),
  ]);
  runWrites([
    out("by name", EnumFields, ef({ planet: 3, alias: 2, signed: -2147483648, planets: [1, 2], planetByName: { a: 3 } }), { planet: "PLANET_EARTH", alias: "ALIAS_DONE", signed: "SIGNED_MIN", planets: ["PLANET_MERCURY", "PLANET_VENUS"], planetByName: { a: "PLANET_EARTH" } }),
    out("undeclared numbers as numbers", EnumFields, ef({ planet: 99 as never, planets: [7 as never] }), { planet: 99, planets: [7] }),
    out("enumAsInteger", EnumFields, ef({ planet: 3, planets: [1, 2], planetByName: { a: 3 }, choice: { case: "choicePlanet", value: 2 } }), { planet: 3, planets: [1, 2], planetByName: { a: 3 }, choicePlanet: 2 }, { enumAsInteger: true }),
    out("aliases write the first name", EnumFields, ef({ alias: 1 }), { alias: "ALIAS_STARTED" }),
    out("prototype-member names", JsNames, JsNames.create({ special: 1, specials: [0, 2] }), { special: "__proto__", specials: ["constructor", "toString"] }),
    out("closed enum", Optionals, Optionals.create({ enumField: -5 }), { enumField: "LEVEL_NEGATIVE" }),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Field names, unknown keys, write options, nulls
// ---------------------------------------------------------------------------------------------

describe("field names and unknown keys", () => {
  runReads([
    ok("proto field names accepted", ImplicitScalars, { int32_field: 5, string_field: "x" }, ImplicitScalars.create({ int32Field: 5, stringField: "x" })),
    ok("JSON names accepted", MixedScalars, { LeadingUnderscore: 1, trailingUnderscore: 2, doubleUnderscore: 3, nameWith2Digits: 4, camelCaseName: 5 }, MixedScalars.create({ LeadingUnderscore: 1, trailingUnderscore: 2, doubleUnderscore: 3, nameWith2Digits: 4, camelCaseName: 5 })),
    ok("odd proto names accepted", MixedScalars, { _leading_underscore: 1, trailing_underscore_: 2, double__underscore: 3, name_with_2_digits: 4 }, MixedScalars.create({ LeadingUnderscore: 1, trailingUnderscore: 2, doubleUnderscore: 3, nameWith2Digits: 4 })),
    ok("unknown keys ignored when asked", ImplicitScalars, { nope: 1, int32Field: 2, "@type": "x" }, ImplicitScalars.create({ int32Field: 2 }), { ignoreUnknownFields: true }),
    ok("unknown keys of nested messages ignored when asked", TwoOneofs, { firstPayload: { text: "t", nope: [] } }, TwoOneofs.create({ first: { case: "firstPayload", value: { text: "t", number: 0 } } }), { ignoreUnknownFields: true }),
    ok("empty message", EmptyMessage, {}, {}),
    bad("unknown key", ImplicitScalars, { nope: 1 }, `${SC}: `, 'unknown field "nope"'),
    bad("unknown key of a nested message", TwoOneofs, { firstPayload: { nope: 1 } }, "fixtures.oneofs.Payload: ", 'unknown field "nope"'),
    bad("wrong case", ImplicitScalars, { Int32Field: 1 }, `${SC}: `, "unknown field"),
    bad("@type on a plain message", ImplicitScalars, { "@type": "x" }, `${SC}: `, "unknown field"),
    bad("__proto__ key", ImplicitScalars, JSON.parse('{"__proto__":{"int32Field":1}}'), `${SC}: `, "unknown field"),
    bad("unknown key of an empty message", EmptyMessage, { a: 1 }, "fixtures.scalars.EmptyMessage: "),
  ]);
});

describe("write options", () => {
  const m = ImplicitScalars.create({ int32Field: 5, stringField: "x" });
  runWrites([
    out("default: JSON names, zero values omitted", ImplicitScalars, m, { int32Field: 5, stringField: "x" }),
    out("useProtoFieldName", ImplicitScalars, m, { int32_field: 5, string_field: "x" }, { useProtoFieldName: true }),
    out("useProtoFieldName, odd names", MixedScalars, MixedScalars.create({ LeadingUnderscore: 1, camelCaseName: 2, nameWith2Digits: 3 }), { _leading_underscore: 1, camelCaseName: 2, name_with_2_digits: 3 }, { useProtoFieldName: true }),
    out("emitDefaultValues: implicit fields", ImplicitScalars, m, {
      doubleField: 0,
      floatField: 0,
      int32Field: 5,
      int64Field: "0",
      uint32Field: 0,
      uint64Field: "0",
      sint32Field: 0,
      sint64Field: "0",
      fixed32Field: 0,
      fixed64Field: "0",
      sfixed32Field: 0,
      sfixed64Field: "0",
      boolField: false,
      stringField: "x",
      bytesField: "",
    }, { emitDefaultValues: true }),
    out("emitDefaultValues: unset explicit fields stay omitted", OptionalScalars, OptionalScalars.create({}), {}, { emitDefaultValues: true }),
    out("emitDefaultValues: lists and maps", MapCombinations, MapCombinations.create({}), {
      int64ToMessage: {},
      boolToEnum: {},
      uint32ToBytes: {},
      sint64ToSint64: {},
      fixed64ToDouble: {},
      recursive: {},
      name: "",
      tags: [],
    }, { emitDefaultValues: true }),
    out("emitDefaultValues: enums by name, unset oneof omitted", EnumFields, EnumFields.create({}), {
      planet: "PLANET_UNSPECIFIED",
      planets: [],
      unpackedPlanets: [],
      planetByName: {},
      signedById: {},
      alias: "ALIAS_UNSPECIFIED",
      signed: "SIGNED_ZERO",
      unprefixed: "ZERO",
      digit: "DIGIT_0",
      deepKind: "KIND_UNSPECIFIED",
      special: "constructor",
    }, { emitDefaultValues: true }),
    out("all three options", EnumFields, EnumFields.create({ unprefixed: 2 }), {
      planet: 0,
      planets: [],
      unpacked_planets: [],
      planet_by_name: {},
      signed_by_id: {},
      alias: 0,
      signed: 0,
      unprefixed: 2,
      digit: 0,
      deep_kind: 0,
      special: 0,
    }, { emitDefaultValues: true, useProtoFieldName: true, enumAsInteger: true }),
    out("proto2 required fields are always written", Requireds, Requireds.create({}), {
      doubleField: 0,
      floatField: 0,
      int32Field: 0,
      int64Field: "0",
      uint32Field: 0,
      uint64Field: "0",
      sint32Field: 0,
      sint64Field: "0",
      fixed32Field: 0,
      fixed64Field: "0",
      sfixed32Field: 0,
      sfixed64Field: "0",
      boolField: false,
      stringField: "",
      bytesField: "",
      enumField: "LEVEL_LOW",
    }),
  ]);
  test("toJsonString: field-number order, compact and pretty", () => {
    const message = ImplicitScalars.create({ stringField: "x", int32Field: 5, doubleField: 0.5 });
    expect(ImplicitScalars.toJsonString(message)).toBe('{"doubleField":0.5,"int32Field":5,"stringField":"x"}');
    expect(ImplicitScalars.toJsonString(message, { prettySpaces: 2, useProtoFieldName: true })).toBe('{\n  "double_field": 0.5,\n  "int32_field": 5,\n  "string_field": "x"\n}');
  });
});

describe("null means default", () => {
  runReads([
    ok("implicit scalars", ImplicitScalars, { int32Field: null, stringField: null, bytesField: null, doubleField: null, int64Field: null, boolField: null }, ImplicitScalars.create({})),
    ok("explicit scalars stay unset", OptionalScalars, { int32Field: null, stringField: null }, OptionalScalars.create({})),
    bad("a value and null under the two names", ImplicitScalars, { int32Field: 5, int32_field: null }, "fixtures.scalars.ImplicitScalars.int32_field: "),
    ok("lists and maps", MapCombinations, { tags: null, int64ToMessage: null, name: null }, MapCombinations.create({})),
    ok("message fields", WellKnownTypes, { timestamp: null, duration: null, any: null, fieldMask: null, empty: null }, wkt({})),
    ok("oneof member: null does not select it", ScalarOneof, { int32Value: null }, ScalarOneof.create({})),
    ok("oneof member: null next to another member", ScalarOneof, { int32Value: null, stringValue: "x" }, ScalarOneof.create({ value: { case: "stringValue", value: "x" } })),
    ok("oneof: zero value selects the member", ScalarOneof, { int32Value: 0 }, ScalarOneof.create({ value: { case: "int32Value", value: 0 } })),
    ok("proto2 required fields reset to zero", Requireds, { int32Field: null, enumField: null }, Requireds.create({})),
  ]);
});

describe("oneofs", () => {
  runReads([
    ok("one member", TwoOneofs, { firstText: "a", secondSfixed32: -1 }, TwoOneofs.create({ first: { case: "firstText", value: "a" }, second: { case: "secondSfixed32", value: -1 } })),
    ok("message member", ScalarOneof, { messageValue: { number: 1 } }, ScalarOneof.create({ value: { case: "messageValue", value: { text: "", number: 1 } } })),
    bad("two members", ScalarOneof, { int32Value: 1, stringValue: "x" }, "fixtures.oneofs.ScalarOneof.value: ", "more than once"),
    bad("two members by proto name", TwoOneofs, { first_text: "a", first_payload: {} }, "fixtures.oneofs.TwoOneofs.first: ", "more than once"),
    bad("one member twice under both names", ScalarOneof, { int32Value: 1, int32_value: 1 }, "fixtures.oneofs.ScalarOneof.int32_value: "),
    bad("bad member value", ScalarOneof, { uint64Value: "-1" }, "fixtures.oneofs.ScalarOneof.uint64_value: "),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Malformed JSON text, wrong top-level shapes, nesting limits
// ---------------------------------------------------------------------------------------------

describe("malformed input", () => {
  runReads([
    okText("valid text", ImplicitScalars, ' {"int32Field" : 1 } ', ImplicitScalars.create({ int32Field: 1 })),
    badText("truncated", ImplicitScalars, '{"int32Field": 1', `${SC}: `, "invalid JSON"),
    badText("empty text", ImplicitScalars, "", `${SC}: `, "invalid JSON"),
    badText("single quotes", ImplicitScalars, "{'int32Field': 1}", `${SC}: `, "invalid JSON"),
    badText("trailing comma", ImplicitScalars, '{"int32Field": 1,}', `${SC}: `, "invalid JSON"),
    badText("trailing garbage", ImplicitScalars, "{}{}", `${SC}: `, "invalid JSON"),
    badText("leading zero", ImplicitScalars, '{"int32Field": 01}', `${SC}: `, "invalid JSON"),
    badText("NaN literal", ImplicitScalars, '{"doubleField": NaN}', `${SC}: `, "invalid JSON"),
    badText("comment", ImplicitScalars, '{/* */"int32Field": 1}', `${SC}: `, "invalid JSON"),
    badText("array at the top", ImplicitScalars, "[]", `${SC}: `, "expected a JSON object"),
    badText("null at the top", ImplicitScalars, "null", `${SC}: `),
    badText("string at the top", ImplicitScalars, '"x"', `${SC}: `),
    bad("number at the top", ImplicitScalars, 1, `${SC}: `),
    bad("nested message from a string", TwoOneofs, { firstPayload: "x" }, "fixtures.oneofs.Payload: "),
    bad("list from an object", MapCombinations, { tags: {} }, "fixtures.maps.MapCombinations.tags: "),
    bad("null list item", MapCombinations, { tags: ["a", null] }, "fixtures.maps.MapCombinations.tags: ", "null"),
    bad("wrong list item", MapCombinations, { tags: ["a", 1] }, "fixtures.maps.MapCombinations.tags: "),
  ]);

  const deep = (levels: number, make: (inner: unknown) => unknown, leaf: unknown): unknown => {
    let value = leaf;
    for (let i = 0; i < levels; i++) value = make(value);
    return value;
  };
  test("message nesting: 100 levels decode, 101 do not, maxDepth lowers the limit", () => {
    const chain = (levels: number): JsonValue => deep(levels, (inner) => ({ child: inner }), { leaf: "x" }) as JsonValue;
    expect(() => RecursiveOneof.fromJson(chain(100))).not.toThrow();
    expectRejection(loose(RecursiveOneof), () => RecursiveOneof.fromJson(chain(101)), "fixtures.oneofs.RecursiveOneof: ", "depth");
    expect(() => RecursiveOneof.fromJson(chain(5), { maxDepth: 5 })).not.toThrow();
    expectRejection(loose(RecursiveOneof), () => RecursiveOneof.fromJson(chain(6), { maxDepth: 5 }), "fixtures.oneofs.RecursiveOneof: ", "depth");
  });
  test("very deep JSON fails cleanly, never with a stack overflow", () => {
    const levels = 20000;
    // Built as text too: JSON.stringify itself overflows the stack on values this deep.
    const objects = (leaf: string): string => '{"a":'.repeat(levels) + leaf + "}".repeat(levels);
    const arrays = (leaf: string): string => "[".repeat(levels) + leaf + "]".repeat(levels);
    const cases: [object, string, string][] = [
      [RecursiveOneof, '{"child":'.repeat(levels) + "{}" + "}".repeat(levels), "fixtures.oneofs.RecursiveOneof: "],
      [WellKnownTypes, `{"struct":${objects("{}")}}`, "fixtures.wkt.WellKnownTypes.struct: "],
      [WellKnownTypes, `{"struct":{"a":${arrays("1")}}}`, "fixtures.wkt.WellKnownTypes.struct: "],
      [WellKnownTypes, `{"value":${arrays("null")}}`, "fixtures.wkt.WellKnownTypes.value: "],
      [WellKnownTypes, `{"value":${objects("null")}}`, "fixtures.wkt.WellKnownTypes.value: "],
      [WellKnownTypes, `{"listValue":[${objects("[]")}]}`, "fixtures.wkt.WellKnownTypes.list_value: "],
      [RepeatedWellKnownTypes, `{"structs":[${objects("{}")}]}`, "fixtures.wkt.RepeatedWellKnownTypes.structs: "],
      [OneofWellKnownTypes, `{"struct":${objects("{}")}}`, "fixtures.wkt.OneofWellKnownTypes.struct: "],
      [MapWellKnownTypes, `{"structs":{"k":${objects("{}")}}}`, "fixtures.wkt.MapWellKnownTypes.structs: "],
      [MapWellKnownTypes, `{"values":{"k":${arrays("{}")}}}`, "fixtures.wkt.MapWellKnownTypes.values: "],
    ];
    for (const [codec, text, prefix] of cases) {
      expectRejection(loose(codec), () => loose(codec).fromJsonString(text), prefix, "depth");
      const json: unknown = JSON.parse(text);
      expectRejection(loose(codec), () => loose(codec).fromJson(json), prefix, "depth");
    }
  });
  test("a Struct field's nesting counts like the binary decoder's", () => {
    // Struct at depth 1, its values at 2, a nested object at 3, … : with maxDepth 4 one nested object fits.
    expect(WellKnownTypes.fromJson({ struct: { a: { b: 1 } } }, { maxDepth: 4 }).struct).toEqual({ a: { b: 1 } });
    expectRejection(loose(WellKnownTypes), () => WellKnownTypes.fromJson({ struct: { a: { b: { c: 1 } } } }, { maxDepth: 4 }), "fixtures.wkt.WellKnownTypes.struct: ", "depth");
  });
  test("a decoded Struct does not alias the input", () => {
    const input = { struct: { a: { b: [1] } } };
    const message = WellKnownTypes.fromJson(input);
    expect(message.struct).toEqual(input.struct);
    input.struct.a.b.push(2);
    expect(message.struct).toEqual({ a: { b: [1] } });
  });
});

// ---------------------------------------------------------------------------------------------
// toJsonString writes its text directly (generated writeJson), not through JSON.stringify(toJson()):
// the two must agree character for character.
// ---------------------------------------------------------------------------------------------

describe("toJsonString ≡ JSON.stringify(toJson())", () => {
  const sc = (init: Partial<ImplicitScalars>): ImplicitScalars => ImplicitScalars.create(init);
  const optionSets = [false, true].flatMap((useProtoFieldName) =>
    [false, true].flatMap((emitDefaultValues) => [false, true].map((enumAsInteger) => ({ useProtoFieldName, emitDefaultValues, enumAsInteger }))),
  );
  const awkward = ['a"b\\c', "\u0000\u0001\u001f\u007f", "\ud800", "x\udc00y", "\udbff\udfff", "\u2028\u2029", "tab\there\nnew", "😀é", "</script>", ""];
  interface TextCodec<T> {
    toJson(message: T, options?: object): unknown;
    toJsonString(message: T, options?: object): string;
  }
  const same = <T extends object>(codec: TextCodec<T>, message: T): void => {
    for (const options of [undefined, ...optionSets]) {
      expect(codec.toJsonString(message, options), JSON.stringify(options)).toBe(JSON.stringify(codec.toJson(message, options)));
    }
  };
  test("strings that need escapes: quotes, backslashes, controls, lone surrogates, U+2028", () => {
    for (const s of awkward) same(ImplicitScalars, ImplicitScalars.create({ stringField: s }));
    expect(ImplicitScalars.toJsonString(ImplicitScalars.create({ stringField: 'a"\\\u0001\ud800\u2028' }))).toBe('{"stringField":"a\\"\\\\\\u0001\\ud800\u2028"}');
  });
  test("-0, NaN, ±Infinity, 64-bit extremes, bytes", () => {
    const cases = [
      sc({ doubleField: -0, floatField: -0, int32Field: -0 }),
      sc({ doubleField: NaN, floatField: Infinity }),
      sc({ doubleField: -Infinity, floatField: 1e-7, int32Field: -2147483648, uint32Field: 4294967295 }),
      sc({ doubleField: 1.7976931348623157e308, floatField: 5e-324 }),
      sc({ int64Field: -9223372036854775808n, uint64Field: 18446744073709551615n, sint64Field: 9223372036854775807n, fixed64Field: 1n, sfixed64Field: -1n }),
      sc({ bytesField: new Uint8Array([0xfb, 0xff]) }),
      sc({ bytesField: new Uint8Array(256).map((_, i) => i), boolField: true }),
    ];
    for (const message of cases) same(ImplicitScalars, message);
    expect(ImplicitScalars.toJsonString(sc({ doubleField: -0, floatField: NaN, int64Field: -9223372036854775808n }))).toBe('{"doubleField":0,"floatField":"NaN","int64Field":"-9223372036854775808"}');
    expect(ImplicitScalars.toJsonString(sc({}))).toBe("{}");
  });
  test("enums: names, undeclared numbers, lists, maps and oneofs of them", () => {
    same(EnumFields, EnumFields.fromJson({ planet: 99, optionalPlanet: 0, planets: [1, 77, 0], planetByName: { a: 2, "\"": 55 }, signedById: { "-3": -1 } } as never));
  });
  test("maps: __proto__ and escaped keys, integer key order, non-finite and 64-bit values", () => {
    const keys = MapKeys.fromJsonString('{"stringKey":{"__proto__":"p","":"e","a\\"b":"\\u0000","10":"x","9":"y"},"int32Key":{"5":"a","-1":"b","0":"c"},"boolKey":{"true":"t"},"int64Key":{"-9223372036854775808":"m"}}');
    same(MapKeys, keys);
    expect(MapKeys.toJsonString(keys)).toContain('"stringKey":{"9":"y","10":"x","__proto__":"p","":"e","a\\"b":"\\u0000"}');
    for (const s of awkward) same(MapKeys, MapKeys.create({ stringKey: { [s]: s } }));
    same(MapValues, MapValues.fromJson({ doubleValue: { a: "NaN", b: "-Infinity", c: -0 }, int64Value: { a: "-9223372036854775808" }, uint64Value: { z: "18446744073709551615" } }));
  });
  test("empty lists and maps (written with emitDefaultValues), nested and repeated messages", () => {
    same(MapKeys, MapKeys.create({}));
    same(MapCombinations, MapCombinations.create({}));
    same(Repeateds, Repeateds.create({}));
    same(EmptyMessage, EmptyMessage.create({}));
    same(RecursiveOneof, RecursiveOneof.fromJson({ child: { child: {} } } as never));
    expect(MapKeys.toJsonString(MapKeys.create({}), { emitDefaultValues: true })).toBe(JSON.stringify(MapKeys.toJson(MapKeys.create({}), { emitDefaultValues: true })));
  });
  test("well-known types, Struct, Value and wrappers", () => {
    const wkt = WellKnownTypes.fromJsonString(
      '{"timestamp":"2024-01-02T03:04:05.060Z","duration":"-1.5s","struct":{"a":[1,"x",null,{"\\u2028":true}]},"value":null,"listValue":[1,2],"fieldMask":"a.b,c","empty":{},"nullValue":null}',
    );
    same(WellKnownTypes, wkt);
    same(Wrappers, Wrappers.create({ int64Value: -5n, stringValue: "\ud800", bytesValue: new Uint8Array([1]), doubleValue: NaN }));
    same(Value, Value.fromJsonString('{"a":{"b":[1.5,"\\"",false]}}'));
    const nan = Value.create({ kind: { case: "numberValue", value: NaN } });
    expect(() => Value.toJsonString(nan)).toThrow(WktError);
    expect(() => Struct.toJsonString(Struct.create({ fields: { x: nan } }))).toThrow("google.protobuf.Value");
  });
  test("string values written without their closing quote until the next key or the end", () => {
    // Strings, bytes, 64-bit integers and enum names leave the text open; the next key constant or the
    // end closes it. Adjacent open values, an open value first or last, escapes inside one.
    for (const s of awkward) {
      same(ImplicitScalars, sc({ int64Field: 5n, uint64Field: 6n, stringField: s, bytesField: new Uint8Array([s.length]) }));
      same(ImplicitScalars, sc({ stringField: s }));
      same(ImplicitScalars, sc({ stringField: s, boolField: true }));
      same(ScalarOneof, ScalarOneof.create({ value: { case: "stringValue", value: s } }));
      same(Wrappers, Wrappers.create({ stringValue: s, int64Value: 1n, bytesValue: new Uint8Array([255]) }));
      // Message-valued map: the key's quotes go with the comma and the colon.
      const Node = mapsModule.Value;
      same(Node, Node.create({ text: s, count: 2n, children: { [s]: Node.create({ text: s }), b: Node.create({}), [`${s}2`]: Node.create({ count: 1n }) } }));
    }
    for (const value of [
      { case: "int64Value", value: -1n },
      { case: "uint64Value", value: 18446744073709551615n },
      { case: "fixed64Value", value: 0n },
      { case: "bytesValue", value: new Uint8Array([0xfb, 0xff, 0]) },
      { case: "enumValue", value: 2 },
      { case: "enumValue", value: 77 },
      { case: "enumValue", value: 0 },
    ] as const) {
      same(ScalarOneof, ScalarOneof.create({ value } as never));
    }
    expect(ImplicitScalars.toJsonString(sc({ int64Field: 5n, stringField: "a" }))).toBe('{"int64Field":"5","stringField":"a"}');
    expect(ScalarOneof.toJsonString(ScalarOneof.create({ value: { case: "enumValue", value: 2 } }), { enumAsInteger: true })).toBe('{"enumValue":2}');
  });
  test("prettySpaces: ≥ 1 indents (through toJson), anything below is compact", () => {
    const message = ImplicitScalars.create({ stringField: "x", int32Field: 5 });
    expect(ImplicitScalars.toJsonString(message, { prettySpaces: 0.5 })).toBe('{"int32Field":5,"stringField":"x"}');
    expect(ImplicitScalars.toJsonString(message, { prettySpaces: -1 })).toBe('{"int32Field":5,"stringField":"x"}');
    expect(ImplicitScalars.toJsonString(message, { prettySpaces: 1 })).toBe('{\n "int32Field": 5,\n "stringField": "x"\n}');
  });
});

// ---------------------------------------------------------------------------------------------
// Decoder fast paths (whole base64 quads, canonical integer map keys, floats in range) against
// the general code and against Node's own base64 decoder.
// ---------------------------------------------------------------------------------------------

describe("JSON decode fast paths", () => {
  const sc = (init: Partial<ImplicitScalars>): ImplicitScalars => ImplicitScalars.create(init);
  const readBytes = (text: string): Uint8Array => ImplicitScalars.fromJson({ bytesField: text }).bytesField;
  test("base64: every length 0..70, standard / URL-safe, padded / unpadded, same bytes as Buffer", () => {
    for (let n = 0; n <= 70; n++) {
      const data = new Uint8Array(n).map((_, i) => (i * 151 + n * 7 + 0xf8) & 0xff);
      const standard = Buffer.from(data).toString("base64");
      const urlSafe = standard.replace(/\+/g, "-").replace(/\//g, "_");
      for (const text of [standard, standard.replace(/=+$/, ""), urlSafe, urlSafe.replace(/=+$/, "")]) {
        expect(Array.from(readBytes(text)), text).toEqual(Array.from(data));
      }
    }
  });
  test("base64: a bad character anywhere (in a whole quad or in the tail) fails as before", () => {
    const good = Buffer.from(new Uint8Array(20).map((_, i) => i * 13)).toString("base64").replace(/=+$/, ""); // 27 chars
    for (let i = 0; i < good.length; i++) {
      for (const c of ["!", " ", "é", "\u0100", "=", ".", "\u0080", "\u007f"]) {
        const text = good.slice(0, i) + c + good.slice(i + 1);
        expect(() => readBytes(text), JSON.stringify(text)).toThrow(ScalarsError);
        expect(() => readBytes(text), JSON.stringify(text)).toThrow("bytes_field: invalid base64");
      }
    }
  });
  test("int32 / uint32 map keys: canonical ones by the fast path, others as before", () => {
    const keys = MapKeys.fromJson({
      int32Key: { "7": "a", "-7": "b", "-2147483648": "c", "1e1": "d", "0005": "f" },
      uint32Key: { "4294967295": "a", "0": "b", "1.0": "c" },
    } as never);
    expect({ ...keys.int32Key }).toEqual({ 7: "a", [-7]: "b", [-2147483648]: "c", 10: "d", 5: "f" });
    expect({ ...keys.uint32Key }).toEqual({ 4294967295: "a", 0: "b", 1: "c" });
    for (const k of ["2147483648", "-2147483649", " 1", "+3", "0x10", "1.5", "Infinity", "NaN", ""]) {
      expect(() => MapKeys.fromJson({ int32Key: { [k]: "x" } } as never), k).toThrow(MapsError);
    }
    for (const k of ["4294967296", "-1", "-0.5"]) expect(() => MapKeys.fromJson({ uint32Key: { [k]: "x" } } as never), k).toThrow(MapsError);
  });
  test("floats: up to float32's largest value, and the values that round to it, are read; beyond fails", () => {
    const max = 3.4028234663852886e38;
    for (const v of [max, -max, 3.4028235e38, 3.40282356e38, 1e-50, -0, 0.625]) expect(ImplicitScalars.fromJson({ floatField: v }).floatField).toBe(v);
    for (const v of [3.4028235677973366e38, -3.5e38, 1e39]) expect(() => ImplicitScalars.fromJson({ floatField: v }), String(v)).toThrow("out of range");
    expect(sc({}).floatField).toBe(0);
  });
});
