/**
 * Test support for differential testing of tristub codecs against @bufbuild/protobuf (v2).
 *
 * - {@link createRng}: a small deterministic PRNG.
 * - {@link randomMessage}: a random protobuf-es message for any descriptor, built by reflection.
 * - {@link toPlain} / {@link fromPlain}: convert between protobuf-es messages and tristub's plain shape.
 * - {@link unknownToBytes} / {@link bytesToUnknown}: protobuf-es unknown fields <-> raw wire bytes.
 * - {@link loadFixtureRegistry} / {@link listMessages}: compile a fixture folder with buf.
 *
 * tristub's plain shape is protobuf-es v2's local message shape, except:
 * - there is no `$typeName`;
 * - a field with explicit presence (proto2 `optional`, also with `[default = …]`; proto3 `optional`;
 *   editions EXPLICIT; singular message fields) is an absent property when unset;
 * - proto2 `required` / editions LEGACY_REQUIRED scalar and enum fields are always present (the
 *   field's default value, or the zero value, when unset); required MESSAGE fields are absent when
 *   unset, like every message field (there is no sensible zero value for them);
 * - implicit-presence fields are always present (zero value when unset);
 * - map fields are plain objects keyed by the string form of the key (`"true"`/`"false"` for bool
 *   keys, decimal strings for all integer keys), created with `{}` and filled with own properties
 *   (a `"__proto__"` key is an own data property);
 * - unknown fields are `$unknown?: Uint8Array`, the concatenated raw wire records (tag + payload).
 *
 * Like protobuf-es (which we mirror, it being the oracle): singular, non-oneof fields of a
 * google/protobuf/wrappers.proto type hold the unwrapped value (`number | bigint | string | boolean |
 * Uint8Array`); fields of type google.protobuf.Struct (singular, repeated, map values and oneof
 * members, except inside google.protobuf.Value) hold a `JsonObject`. Wrappers in lists, maps and
 * oneofs stay messages.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  create,
  createFileRegistry,
  fromBinary,
  ScalarType,
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescOneof,
  type FileRegistry,
  type Message,
  type UnknownField,
} from "@bufbuild/protobuf";
import { nestedTypes, reflect, scalarZeroValue, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { FileDescriptorSetSchema, isWrapperDesc } from "@bufbuild/protobuf/wkt";

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

/** A deterministic pseudo random number generator (mulberry32) with helpers. */
export interface Rng {
  /** The seed the generator was created with. */
  readonly seed: number;
  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number;
  /** A float in [0, 1) with 53 bits of randomness. */
  next(): number;
  /** An integer in [min, max] (both inclusive, both safe integers). */
  int(min: number, max: number): number;
  /** true with the given probability (default 0.5). */
  bool(probabilityTrue?: number): boolean;
  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A float in [min, max) (defaults: [0, 1)). */
  float(min?: number, max?: number): number;
  /** A random signed 64-bit integer (all bit patterns equally likely). */
  int64(): bigint;
  /** A random unsigned 64-bit integer (all bit patterns equally likely). */
  uint64(): bigint;
}

/** Creates a seeded PRNG (mulberry32). The same seed always yields the same sequence. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => ((uint32() >>> 5) * 67108864 + (uint32() >>> 6)) / 9007199254740992;
  const int = (min: number, max: number): number => {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`rng.int: invalid range [${min}, ${max}]`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  const uint64 = (): bigint => (BigInt(uint32()) << 32n) | BigInt(uint32());
  return {
    seed,
    uint32,
    next,
    int,
    bool: (probabilityTrue = 0.5) => next() < probabilityTrue,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("rng.pick: empty array");
      return items[Math.floor(next() * items.length)] as T;
    },
    float: (min = 0, max = 1) => min + next() * (max - min),
    int64: () => BigInt.asIntN(64, uint64()),
    uint64,
  };
}

// ---------------------------------------------------------------------------------------------
// Random values
// ---------------------------------------------------------------------------------------------

const INT32_EDGES = [0, 1, -1, 2, -2, 127, 128, -128, 255, 16383, 16384, 2147483647, -2147483648, -2147483647];
const UINT32_EDGES = [0, 1, 2, 127, 128, 255, 16383, 16384, 2147483647, 2147483648, 4294967295];
const INT64_EDGES: readonly bigint[] = [
  0n, 1n, -1n, 127n, 128n, -128n,
  2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n), -(2n ** 31n) - 1n,
  2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, -(2n ** 32n), -(2n ** 32n) + 1n, -(2n ** 32n) - 1n,
  2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n,
  2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) + 1n,
];
const UINT64_EDGES: readonly bigint[] = [
  0n, 1n, 127n, 128n,
  2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n,
  2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n,
];
const DOUBLE_EDGES = [
  0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, -2.5, 1e21, 1e-7,
  Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308,
  Number.EPSILON, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53 + 2, 4294967296, -2147483649,
];
const FLOAT_EDGES = [
  0, -0, NaN, Infinity, -Infinity, 1, -1, -2.5, Math.fround(0.1), Math.fround(1e-7),
  3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -1.401298464324817e-45,
  1.1754943508222875e-38, 16777216, 16777215, Math.fround(Math.PI),
];
/** Whole strings that stress object keys and escaping (all valid UTF-8). */
const SPECIAL_STRINGS = [
  "", " ", "0", "-1", "1.5", "true", "false", "null", "__proto__", "constructor", "toString",
  "hasOwnProperty", "valueOf", "prototype", "$typeName", "$unknown", "\u0000", "a\u0000b", "\r\n\t",
  "\"'\\`${x}", "</script>", "\u00e9", "\u20ac", "\ud83d\ude00", "\ufeff", "\ufffd", "\uffff",
  "\u{10ffff}", "\u{1f600}\u{1f600}", "\u00e9\u20ac\u{1f600}a",
];

const float32View = new DataView(new ArrayBuffer(8));

/** One Unicode scalar value (never a lone surrogate), weighted over the UTF-8 byte lengths 1–4. */
function randomCodePoint(rng: Rng): number {
  switch (rng.int(0, 9)) {
    case 0:
      return rng.pick([0, 9, 10, 13, 0x7f, 0x22, 0x27, 0x5c, 0x60]);
    case 1:
    case 2:
    case 3:
      return rng.int(0x20, 0x7e);
    case 4:
    case 5:
      return rng.int(0x80, 0x7ff);
    case 6:
    case 7: {
      const cp = rng.int(0x800, 0xffff - 0x800);
      return cp >= 0xd800 ? cp + 0x800 : cp; // skip the surrogate range 0xd800–0xdfff
    }
    default:
      return rng.int(0x10000, 0x10ffff);
  }
}

/** A random string of valid Unicode (1–4 byte UTF-8 characters, no lone surrogates). */
export function randomString(rng: Rng): string {
  if (rng.bool(0.15)) return rng.pick(SPECIAL_STRINGS);
  const length = rng.pick([0, 1, 1, 2, 3, 5, 8, 13, 40]);
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCodePoint(randomCodePoint(rng));
  return s;
}

/** Random bytes, empty with a fair probability. */
export function randomBytes(rng: Rng): Uint8Array {
  const length = rng.pick([0, 0, 1, 2, 5, 16, 40, 130]);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = rng.pick([0, 0xff, 0x80, 0x7f, rng.int(0, 255), rng.int(0, 255)]);
  return bytes;
}

function randomDouble(rng: Rng): number {
  switch (rng.int(0, 3)) {
    case 0:
      return rng.pick(DOUBLE_EDGES);
    case 1:
      return rng.int(-1000, 1000) / rng.pick([1, 2, 3, 10, 1024]);
    case 2: {
      float32View.setUint32(0, rng.uint32());
      float32View.setUint32(4, rng.uint32());
      const d = float32View.getFloat64(0);
      return Number.isNaN(d) ? NaN : d;
    }
    default:
      return (rng.next() - 0.5) * 10 ** rng.int(-30, 30);
  }
}

function randomFloat(rng: Rng): number {
  switch (rng.int(0, 3)) {
    case 0:
      return rng.pick(FLOAT_EDGES);
    case 1:
      return Math.fround(rng.int(-1000, 1000) / rng.pick([1, 2, 4, 10]));
    case 2: {
      float32View.setUint32(0, rng.uint32());
      const f = float32View.getFloat32(0);
      return Number.isNaN(f) ? NaN : f;
    }
    default:
      return Math.fround((rng.next() - 0.5) * 10 ** rng.int(-20, 20));
  }
}

function randomInt32(rng: Rng): number {
  switch (rng.int(0, 2)) {
    case 0:
      return rng.pick(INT32_EDGES);
    case 1:
      return rng.int(-300, 300);
    default:
      return rng.uint32() | 0;
  }
}

function randomUint32(rng: Rng): number {
  switch (rng.int(0, 2)) {
    case 0:
      return rng.pick(UINT32_EDGES);
    case 1:
      return rng.int(0, 300);
    default:
      return rng.uint32();
  }
}

function randomInt64(rng: Rng): bigint {
  switch (rng.int(0, 3)) {
    case 0:
      return rng.pick(INT64_EDGES);
    case 1:
      return BigInt(rng.int(-300, 300));
    case 2:
      return BigInt(rng.uint32() | 0);
    default:
      return rng.int64();
  }
}

function randomUint64(rng: Rng): bigint {
  switch (rng.int(0, 3)) {
    case 0:
      return rng.pick(UINT64_EDGES);
    case 1:
      return BigInt(rng.int(0, 300));
    case 2:
      return BigInt(rng.uint32());
    default:
      return rng.uint64();
  }
}

/** A random value of the given scalar type, in protobuf-es' representation (64-bit as bigint). */
export function randomScalar(type: ScalarType, rng: Rng): number | bigint | string | boolean | Uint8Array {
  switch (type) {
    case ScalarType.DOUBLE:
      return randomDouble(rng);
    case ScalarType.FLOAT:
      return randomFloat(rng);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return randomInt32(rng);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return randomUint32(rng);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return randomInt64(rng);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return randomUint64(rng);
    case ScalarType.BOOL:
      return rng.bool();
    case ScalarType.STRING:
      return randomString(rng);
    case ScalarType.BYTES:
      return randomBytes(rng);
  }
}

/**
 * A random enum number. Closed enums only ever get declared values; open enums sometimes get a
 * number that is not declared (protobuf-es keeps those in the field).
 */
export function randomEnumValue(desc: DescEnum, rng: Rng): number {
  // NullValue has a single value, and its JSON form (null) cannot carry any other number.
  if (desc.typeName === "google.protobuf.NullValue") return 0;
  if (desc.open && rng.bool(0.15)) {
    const declared = new Set(desc.values.map((v) => v.number));
    const candidates = [rng.int(-1000, 1000), 2147483647, -2147483648, 99, -99, rng.uint32() | 0].filter(
      (n) => !declared.has(n),
    );
    if (candidates.length > 0) return rng.pick(candidates);
  }
  return rng.pick(desc.values).number;
}

// ---------------------------------------------------------------------------------------------
// Random messages
// ---------------------------------------------------------------------------------------------

/** Message depth at which optional message fields, message lists and message maps stop growing. */
export const MAX_DEPTH = 3;
/** Depth at which a chain of required message fields is considered infinite. */
const HARD_DEPTH_LIMIT = 32;

function isMessageValued(field: DescField): boolean {
  return (
    field.fieldKind === "message" ||
    (field.fieldKind === "list" && field.listKind === "message") ||
    (field.fieldKind === "map" && field.mapKind === "message")
  );
}

/** A random value for a singular scalar, enum or message field (or a list item / map value). */
function randomSingular(field: DescField, rng: Rng, depth: number): unknown {
  if (field.message !== undefined) {
    return reflect(field.message, randomMessage(field.message, rng, depth + 1));
  }
  if (field.enum !== undefined) {
    return randomEnumValue(field.enum, rng);
  }
  if (field.scalar !== undefined) {
    return randomScalar(field.scalar, rng);
  }
  throw new Error(`unexpected field ${String(field)}`);
}

/** Fills a singular scalar or enum field. */
function fillScalarOrEnum(r: ReflectMessage, field: DescField & { fieldKind: "scalar" | "enum" }, rng: Rng): void {
  const presence = field.presence;
  if (presence === PRESENCE_IMPLICIT) {
    // Leave at the zero value fairly often; a random value may also be zero.
    if (rng.bool(0.3)) return;
  } else if (presence === PRESENCE_EXPLICIT) {
    if (rng.bool(0.35)) return; // unset
    const defaultValue = field.getDefaultValue();
    if (defaultValue !== undefined && rng.bool(0.15)) {
      // Explicitly set to the declared default: set, so serialized.
      r.set(field, copyScalar(defaultValue));
      return;
    }
  }
  // LEGACY_REQUIRED: always set.
  r.set(field, field.fieldKind === "enum" ? randomEnumValue(field.enum, rng) : randomScalar(field.scalar, rng));
}

// google.protobuf.FeatureSet.FieldPresence
const PRESENCE_EXPLICIT = 1;
const PRESENCE_IMPLICIT = 2;
const PRESENCE_LEGACY_REQUIRED = 3;

/**
 * Builds a random message of type `desc`. Deterministic for a given rng state.
 *
 * Covers: scalars with edge values (negative int32, 64-bit extremes and 2^32 boundaries as bigint,
 * NaN / ±Infinity / -0, float32 values, multi-byte UTF-8 strings, empty bytes), open enums with
 * unknown numbers, closed enums with declared numbers only, nested messages (bounded by
 * {@link MAX_DEPTH}), lists (0–5 items), maps (0–4 entries), oneofs (random case or unset),
 * implicit fields left at zero, explicit-presence fields unset, required fields always set,
 * groups / delimited fields (plain message fields to reflection).
 */
export function randomMessage(desc: DescMessage, rng: Rng, depth = 0): Message {
  if (depth > HARD_DEPTH_LIMIT) {
    throw new Error(`randomMessage: ${desc.typeName} requires itself recursively`);
  }
  const r = reflect(desc);
  const deep = depth >= MAX_DEPTH;
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const candidates = deep ? member.fields.filter((f) => !isMessageValued(f)) : member.fields;
      if (candidates.length === 0 || rng.bool(0.25)) continue;
      const field = rng.pick(candidates);
      r.set(field, randomSingular(field, rng, depth));
      continue;
    }
    const field = member;
    switch (field.fieldKind) {
      case "scalar":
      case "enum":
        fillScalarOrEnum(r, field, rng);
        break;
      case "message":
        if (field.presence === PRESENCE_LEGACY_REQUIRED || (!deep && rng.bool(0.6))) {
          r.set(field, randomSingular(field, rng, depth));
        }
        break;
      case "list": {
        if (deep && field.listKind === "message") break;
        const list = r.get(field);
        const size = rng.pick([0, 0, 1, 1, 2, 3, 4, 5]);
        for (let i = 0; i < size; i++) list.add(randomSingular(field, rng, depth));
        break;
      }
      case "map": {
        if (deep && field.mapKind === "message") break;
        const map = r.get(field);
        const size = rng.pick([0, 0, 1, 1, 2, 3, 4]);
        for (let i = 0; i < size; i++) {
          map.set(randomScalar(field.mapKey, rng), randomSingular(field, rng, depth));
        }
        break;
      }
    }
  }
  if (rng.bool(0.85)) makeJsonRepresentable(desc, r, rng);
  return r.message;
}

/**
 * Most of the time, keeps well-known types within what their JSON forms can represent (Timestamp and
 * Duration ranges, a Value with a kind), so JSON tests compare values rather than mostly errors.
 */
function makeJsonRepresentable(desc: DescMessage, r: ReflectMessage, rng: Rng): void {
  const field = (name: string): DescField => desc.fields.find((f) => f.name === name) as DescField;
  switch (desc.typeName) {
    case "google.protobuf.Timestamp":
      r.set(field("seconds"), BigInt(rng.int(-62135596800, 253402300799)));
      r.set(field("nanos"), rng.pick([0, rng.int(0, 999) * 1_000_000, rng.int(0, 999_999) * 1000, rng.int(0, 999_999_999)]));
      break;
    case "google.protobuf.Duration": {
      const seconds = rng.int(-315576000000, 315576000000);
      const nanos = rng.pick([0, rng.int(0, 999) * 1_000_000, rng.int(0, 999_999_999)]);
      r.set(field("seconds"), BigInt(seconds));
      r.set(field("nanos"), (seconds < 0 ? -nanos : seconds > 0 ? nanos : rng.bool() ? nanos : -nanos) || 0);
      break;
    }
    case "google.protobuf.Value":
      if (r.oneofCase(desc.oneofs[0] as DescOneof) === undefined) r.set(field("bool_value"), rng.bool());
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Unknown fields
// ---------------------------------------------------------------------------------------------

/**
 * The raw wire bytes of protobuf-es unknown fields: for each field in order, the tag varint
 * (`no << 3 | wireType`) followed by `data`. protobuf-es stores in `data` everything after the tag:
 * the varint, the 4 or 8 fixed bytes, the length prefix AND the payload of a length-delimited
 * record, or the group body INCLUDING its end-group tag.
 */
export function unknownToBytes(list: readonly UnknownField[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const { no, wireType, data } of list) writer.tag(no, wireType).raw(data);
  return writer.finish();
}

/** The inverse of {@link unknownToBytes}: splits raw wire records into protobuf-es unknown fields. */
export function bytesToUnknown(bytes: Uint8Array): UnknownField[] {
  const reader = new BinaryReader(bytes);
  const list: UnknownField[] = [];
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    const data = reader.skip(wireType, no);
    list.push({ no, wireType, data: new Uint8Array(data) });
  }
  return list;
}

/**
 * 1–4 random unknown fields (every wire type, nested groups included) with field numbers that
 * `desc` does not declare, e.g. to assign to `message.$unknown` before encoding.
 */
export function randomUnknownFields(desc: DescMessage, rng: Rng): UnknownField[] {
  const declared = new Set(desc.fields.map((f) => f.number));
  const pickNumber = (): number => {
    for (;;) {
      const no = rng.pick([rng.int(1, 15), rng.int(16, 2047), rng.int(2048, 18999), 536870911]);
      if (!declared.has(no)) return no;
    }
  };
  const list: UnknownField[] = [];
  const count = rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const no = pickNumber();
    const w = new BinaryWriter();
    const wireType = rng.pick([WireType.Varint, WireType.Bit32, WireType.Bit64, WireType.LengthDelimited, WireType.StartGroup]);
    switch (wireType) {
      case WireType.Varint:
        w.uint64(randomUint64(rng));
        break;
      case WireType.Bit32:
        w.fixed32(rng.uint32());
        break;
      case WireType.Bit64:
        w.fixed64(rng.uint64());
        break;
      case WireType.LengthDelimited:
        w.bytes(randomBytes(rng));
        break;
      default:
        w.tag(1, WireType.Varint).int32(randomInt32(rng));
        if (rng.bool()) w.tag(2, WireType.StartGroup).tag(3, WireType.LengthDelimited).string(randomString(rng)).tag(2, WireType.EndGroup);
        w.tag(no, WireType.EndGroup);
        break;
    }
    list.push({ no, wireType, data: w.finish() });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Plain shape
// ---------------------------------------------------------------------------------------------

/** Sets an own enumerable property, also for the key "__proto__". */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Singular, non-oneof wrapper fields hold the unwrapped value in protobuf-es. */
function isUnwrappedWrapper(field: DescField): boolean {
  return field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(field.message);
}

/** google.protobuf.Struct is held as a JsonObject in every field except google.protobuf.Value's. */
function isJsonStruct(field: DescField): boolean {
  return (
    field.message !== undefined &&
    field.message.typeName === "google.protobuf.Struct" &&
    field.parent.typeName !== "google.protobuf.Value"
  );
}

/** Deep copy of a JsonValue (objects with own keys, "__proto__" included). */
function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, cloneJson((value as Record<string, unknown>)[key]));
    return out;
  }
  return value;
}

/** Copies scalar values; bytes become a fresh, unshared plain Uint8Array (never a Buffer). */
function copyScalar(value: unknown): unknown {
  return value instanceof Uint8Array ? new Uint8Array(value) : value;
}

/** A singular value (field value, list item, map value, oneof value) from local to plain. */
function valueToPlain(field: DescField, value: unknown, unwrapped: boolean): unknown {
  if (field.message === undefined) return copyScalar(value);
  if (isJsonStruct(field)) return cloneJson(value);
  if (unwrapped) return copyScalar(value);
  return toPlain(field.message, value as Message);
}

/** A singular value from plain to local. */
function valueFromPlain(field: DescField, value: unknown, unwrapped: boolean): unknown {
  if (field.message === undefined) return copyScalar(value);
  if (isJsonStruct(field)) return cloneJson(value);
  if (unwrapped) return copyScalar(value);
  return fromPlain(field.message, value as Record<string, unknown>);
}

/** The value an unset required scalar / enum field shows: its declared default, or the zero value. */
function requiredFallback(field: DescField & { fieldKind: "scalar" | "enum" }): unknown {
  const defaultValue = field.getDefaultValue();
  if (defaultValue !== undefined) return copyScalar(defaultValue);
  if (field.fieldKind === "enum") return field.enum.values[0]?.number ?? 0;
  return scalarZeroValue(field.scalar, false);
}

/**
 * Converts a protobuf-es message to tristub's plain shape (see the module comment). The result
 * shares nothing with the message (bytes are copied).
 */
export function toPlain(desc: DescMessage, msg: Message): Record<string, unknown> {
  const local = msg as unknown as Record<string, unknown>;
  const r = reflect(desc, msg, false);
  const out: Record<string, unknown> = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const selected = r.oneofCase(member);
      if (selected === undefined) {
        setOwn(out, member.localName, { case: undefined });
      } else {
        const oneofValue = local[member.localName] as { value: unknown };
        setOwn(out, member.localName, {
          case: selected.localName,
          value: valueToPlain(selected, oneofValue.value, false),
        });
      }
      continue;
    }
    const field = member;
    const name = field.localName;
    const value = local[name];
    switch (field.fieldKind) {
      case "list":
        setOwn(
          out,
          name,
          (value as unknown[]).map((item) => valueToPlain(field, item, false)),
        );
        break;
      case "map": {
        const record = value as Record<string, unknown>;
        const plainMap: Record<string, unknown> = {};
        for (const key of Object.keys(record)) setOwn(plainMap, key, valueToPlain(field, record[key], false));
        setOwn(out, name, plainMap);
        break;
      }
      case "message":
        if (r.isSet(field)) setOwn(out, name, valueToPlain(field, value, isUnwrappedWrapper(field)));
        break;
      case "scalar":
      case "enum":
        if (field.presence === PRESENCE_IMPLICIT) {
          setOwn(out, name, copyScalar(value));
        } else if (r.isSet(field)) {
          setOwn(out, name, copyScalar(value));
        } else if (field.presence === PRESENCE_LEGACY_REQUIRED) {
          setOwn(out, name, requiredFallback(field));
        }
        break;
    }
  }
  const unknown = msg.$unknown;
  if (unknown !== undefined && unknown.length > 0) out["$unknown"] = unknownToBytes(unknown);
  return out;
}

/**
 * The inverse of {@link toPlain}: builds a protobuf-es message via `create(desc)`. Every property
 * present in `plain` is set (so explicit-presence fields present in `plain` are set, even with the
 * default value); absent explicit-presence properties stay unset. `$unknown` bytes become protobuf-es
 * unknown fields.
 */
export function fromPlain(desc: DescMessage, plain: Record<string, unknown>): Message {
  const msg = create(desc);
  const local = msg as unknown as Record<string, unknown>;
  for (const member of desc.members) {
    if (!hasOwn(plain, member.localName)) continue;
    const value = plain[member.localName];
    if (member.kind === "oneof") {
      const adt = value as { case: string | undefined; value?: unknown };
      if (adt.case === undefined) {
        local[member.localName] = { case: undefined };
        continue;
      }
      const selected = member.fields.find((f) => f.localName === adt.case);
      if (selected === undefined) throw new Error(`${member.toString()}: unknown case ${adt.case}`);
      local[member.localName] = { case: adt.case, value: valueFromPlain(selected, adt.value, false) };
      continue;
    }
    const field = member;
    const name = field.localName;
    if (value === undefined) continue;
    switch (field.fieldKind) {
      case "list":
        local[name] = (value as unknown[]).map((item) => valueFromPlain(field, item, false));
        break;
      case "map": {
        const record = value as Record<string, unknown>;
        const localMap: Record<string, unknown> = {};
        for (const key of Object.keys(record)) setOwn(localMap, key, valueFromPlain(field, record[key], false));
        local[name] = localMap;
        break;
      }
      case "message":
        local[name] = valueFromPlain(field, value, isUnwrappedWrapper(field));
        break;
      case "scalar":
      case "enum":
        local[name] = copyScalar(value);
        break;
    }
  }
  const unknown = plain["$unknown"];
  if (unknown instanceof Uint8Array && unknown.length > 0) msg.$unknown = bytesToUnknown(unknown);
  return msg;
}

// ---------------------------------------------------------------------------------------------
// Strict comparison
// ---------------------------------------------------------------------------------------------

/**
 * Where two plain values differ, or undefined if they are equal: structural comparison with
 * `Object.is` semantics for numbers (NaN equals NaN, -0 differs from +0), bigint by value,
 * Uint8Array by content (a Buffer equals a Uint8Array with the same bytes), arrays by items, other
 * objects by their own enumerable keys (an absent property differs from one that is `undefined`;
 * key order is ignored). Returns a path like `$.items[2].name: 1 !== 2`.
 *
 * Prefer this over vitest's `toStrictEqual` for plain messages: its type check reads
 * `a.constructor`, so two equal maps with a "constructor" key holding objects compare unequal;
 * and protobuf-es `equals()` treats NaN as unequal to itself.
 */
export function plainDiff(a: unknown, b: unknown, path = "$"): string | undefined {
  if (Object.is(a, b)) return undefined;
  const show = (v: unknown): string => (typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v) : String(v));
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return `${path}: bytes vs ${show(a)} / ${show(b)}`;
    if (a.length !== b.length) return `${path}: byte length ${a.length} !== ${b.length}`;
    const i = a.findIndex((byte, j) => byte !== b[j]);
    return i < 0 ? undefined : `${path}[${i}]: byte ${a[i]} !== ${b[i]}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: array vs non-array`;
    if (a.length !== b.length) return `${path}: length ${a.length} !== ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = plainDiff(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const k of Object.keys(ra)) {
      const sub = `${path}.${k}`;
      if (!hasOwn(rb, k)) return `${sub}: present only on the left`;
      const d = plainDiff(ra[k], rb[k], sub);
      if (d !== undefined) return d;
    }
    for (const k of Object.keys(rb)) {
      if (!hasOwn(ra, k)) return `${path}.${k}: present only on the right`;
    }
    return undefined;
  }
  return `${path}: ${show(a)} !== ${show(b)}`;
}

/** `plainDiff(a, b) === undefined`. */
export function plainEquals(a: unknown, b: unknown): boolean {
  return plainDiff(a, b) === undefined;
}

/** Strict message equality: `plainEquals(toPlain(a), toPlain(b))` (covers unknown fields too). */
export function messagesEqual(desc: DescMessage, a: Message, b: Message): boolean {
  return plainEquals(toPlain(desc, a), toPlain(desc, b));
}

/** true if any number anywhere in the plain value is NaN (protobuf-es `equals()` fails on NaN). */
export function containsNaN(value: unknown): boolean {
  if (typeof value === "number") return Number.isNaN(value);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return false;
  return Object.values(value).some(containsNaN);
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** Absolute path of test/fixtures. */
export const FIXTURES_DIR = join(repoRoot, "test", "fixtures");
/** Every fixture concern (a folder under test/fixtures, each its own proto root). */
export const FIXTURE_CONCERNS = [
  "scalars",
  "repeated",
  "maps",
  "oneofs",
  "enums",
  "nested-imports",
  "wkt",
  "proto2",
  "editions",
  "comments",
  "name-clashes",
  "services",
  "multi-package",
  "field-order",
] as const;

const registryCache = new Map<string, Promise<FileRegistry>>();

/** Runs the buf CLI bundled in node_modules; resolves with stdout. */
function runBuf(args: readonly string[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    execFile(
      join(repoRoot, "node_modules", ".bin", "buf"),
      args,
      { cwd: repoRoot, encoding: "buffer", maxBuffer: 1 << 28 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`buf ${args.join(" ")} failed: ${stderr.toString("utf8").trim() || error.message}`));
        } else {
          resolve(new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength));
        }
      },
    );
  });
}

/** Compiles test/fixtures/<concern> with buf (imports and source info included) to a FileDescriptorSet. */
export async function buildFixtureDescriptorSet(concern: string): Promise<Uint8Array> {
  return runBuf(["build", join("test", "fixtures", concern), "--as-file-descriptor-set", "-o", "-#format=binpb"]);
}

/**
 * Compiles test/fixtures/<concern> with buf and returns a registry of all its files (plus the
 * well-known types it imports). Cached per concern for the lifetime of the process.
 */
export function loadFixtureRegistry(concern: string): Promise<FileRegistry> {
  let cached = registryCache.get(concern);
  if (cached === undefined) {
    cached = buildFixtureDescriptorSet(concern).then((bytes) =>
      createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)),
    );
    cached.catch(() => registryCache.delete(concern));
    registryCache.set(concern, cached);
  }
  return cached;
}

/**
 * Does protobuf-es give two members of this message (or two fields of one oneof) the same `localName`?
 * protobuf-es then keeps them in one property and cannot serve as the oracle for the message; tristub
 * keeps them apart (generator/model/member-names.ts), tested in test/name-collisions.test.ts.
 */
export function esLocalNamesCollide(desc: DescMessage): boolean {
  const distinct = (names: string[]): boolean => new Set(names).size === names.length;
  if (!distinct(desc.members.map((m) => m.localName))) return true;
  return desc.oneofs.some((o) => !distinct(o.fields.map((f) => f.localName)));
}

/**
 * Every message defined in the fixture files of `concern` (those present under
 * test/fixtures/<concern>), nested ones included, in declaration order (parents before nested);
 * map entry messages and google.protobuf.* messages excluded.
 */
export function listMessages(registry: FileRegistry, concern: string): DescMessage[] {
  const messages: DescMessage[] = [];
  for (const file of registry.files) {
    if (file.name.startsWith("google/protobuf/")) continue;
    if (!existsSync(join(FIXTURES_DIR, concern, file.proto.name))) continue;
    for (const type of nestedTypes(file)) {
      if (type.kind !== "message") continue;
      if (type.proto.options?.mapEntry === true) continue;
      if (type.typeName.startsWith("google.protobuf.")) continue;
      messages.push(type);
    }
  }
  return messages;
}
