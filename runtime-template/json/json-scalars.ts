import { base64Decode, base64Encode } from "../protobuf/base64.js";
import type { JsonValue } from "../protobuf/message-type.js";
import { ProtobufError } from "../protobuf/protobuf-error.js";

// Readers and writers of proto3 JSON scalar values. Each reader takes the JSON value and the field path
// used in error messages (`pkg.Msg.field`), and returns the field's TypeScript value or throws
// ProtobufError. They accept what the canonical mapping allows: numbers or decimal strings for
// integers, "NaN"/"Infinity"/"-Infinity" for floats, standard or URL-safe base64 for bytes.

/** Fails a JSON decode with a message naming the field path and the offending value. */
export function jsonError(path: string, reason: string, value?: JsonValue): ProtobufError {
  const shown = value === undefined ? "" : `: ${jsonShow(value)}`;
  return new ProtobufError(`${path}: ${reason}${shown}`);
}

function jsonShow(value: JsonValue): string {
  if (Array.isArray(value)) return "array";
  if (value !== null && typeof value === "object") return "object";
  const text = JSON.stringify(value);
  return text.length > 64 ? text.slice(0, 61) + "..." : text;
}

/**
 * A decimal number in a string: JSON's number syntax, except that leading zeros are allowed (`"01"`).
 * `Number()` alone would also take hex, octal and binary literals, `"Infinity"` and blanks.
 */
const jsonDecimal = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A JSON number or decimal string as a number, or NaN when it is neither. */
function jsonNumber(value: JsonValue): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || !jsonDecimal.test(value)) return NaN;
  return Number(value);
}

/** Reads an int32, sint32 or sfixed32 (`-0` reads as 0). */
export function jsonReadInt32(value: JsonValue, path: string): number {
  const n = jsonNumber(value);
  if (!Number.isInteger(n)) throw jsonError(path, "expected a 32-bit integer", value);
  if (n > 0x7fffffff || n < -0x80000000) throw jsonError(path, "int32 out of range", value);
  return n + 0;
}

/** Reads a uint32 or fixed32 (`-0` reads as 0). */
export function jsonReadUint32(value: JsonValue, path: string): number {
  const n = jsonNumber(value);
  if (!Number.isInteger(n)) throw jsonError(path, "expected an unsigned 32-bit integer", value);
  if (n > 0xffffffff || n < 0) throw jsonError(path, "uint32 out of range", value);
  return n + 0;
}

const jsonInt64Min = -(2n ** 63n);
const jsonInt64Max = 2n ** 63n - 1n;
const jsonUint64Max = 2n ** 64n - 1n;

/** `^-?[0-9]+$` without a regular expression (this is on the hot path of every int64 field). */
function jsonIsDecimalInteger(value: string): boolean {
  const n = value.length;
  let i = n > 0 && value.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function jsonBigInt(value: JsonValue, path: string): bigint {
  if (typeof value === "string") {
    if (jsonIsDecimalInteger(value)) return BigInt(value);
    const exact = jsonDecimalToBigInt(value);
    if (exact !== undefined) return exact;
  } else if (typeof value === "number" && Number.isInteger(value)) {
    return BigInt(value);
  }
  throw jsonError(path, "expected a 64-bit integer as a decimal string or number", value);
}

/**
 * The exact integer a decimal string with a fraction or exponent denotes (`"1.0"`, `"1e2"`, `"-5.10e1"`),
 * as for 32-bit integers; undefined if it is not an integer. Values far beyond 64 bits come back as a
 * stand-in beyond the range (`2^64`), so `"1e999999999"` costs no huge power of ten.
 */
function jsonDecimalToBigInt(text: string): bigint | undefined {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (m === null) return undefined;
  const fraction = m[3] ?? "";
  let digits = ((m[2] as string) + fraction).replace(/^0+/, "");
  let exponent = Number(m[4] ?? "0") - fraction.length;
  if (digits === "") return 0n;
  if (exponent < 0) {
    const dropped = digits.slice(exponent);
    if (/[^0]/.test(dropped) || -exponent > digits.length) return undefined;
    digits = digits.slice(0, exponent);
    exponent = 0;
  }
  if (digits === "") return undefined;
  const magnitude = digits.length + exponent > 21 ? 2n ** 64n : BigInt(digits) * 10n ** BigInt(exponent);
  return m[1] === "-" ? -magnitude : magnitude;
}

/** Reads an int64, sint64 or sfixed64 (decimal string or integral number). */
export function jsonReadInt64(value: JsonValue, path: string): bigint {
  // Up to 18 digits (and a sign) is always in range: no range check.
  if (typeof value === "string" && value.length < 19 && jsonIsDecimalInteger(value)) return BigInt(value);
  const n = jsonBigInt(value, path);
  if (n < jsonInt64Min || n > jsonInt64Max) throw jsonError(path, "int64 out of range", value);
  return n;
}

/** Reads a uint64 or fixed64 (decimal string or integral number). */
export function jsonReadUint64(value: JsonValue, path: string): bigint {
  // Up to 19 digits without a sign is always in range: no range check.
  if (typeof value === "string" && value.length < 20 && value.charCodeAt(0) !== 45 && jsonIsDecimalInteger(value)) return BigInt(value);
  const n = jsonBigInt(value, path);
  if (n < 0n || n > jsonUint64Max) throw jsonError(path, "uint64 out of range", value);
  return n;
}

/** Reads a double: a number, a numeric string, or one of "NaN", "Infinity", "-Infinity". */
export function jsonReadDouble(value: JsonValue, path: string): number {
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  const n = jsonNumber(value);
  if (!Number.isFinite(n)) throw jsonError(path, "expected a number", value);
  return n;
}

/** Reads a float: as a double, and also rejects finite values beyond float32's range. */
export function jsonReadFloat(value: JsonValue, path: string): number {
  const n = jsonReadDouble(value, path);
  if (Number.isFinite(n) && !Number.isFinite(Math.fround(n))) throw jsonError(path, "float out of range", value);
  return n;
}

/** Reads a bool: only the JSON literals `true` and `false`. */
export function jsonReadBool(value: JsonValue, path: string): boolean {
  if (typeof value !== "boolean") throw jsonError(path, "expected a boolean", value);
  return value;
}

/** Reads a string; lone surrogates (which cannot be UTF-8 encoded) are rejected. */
export function jsonReadString(value: JsonValue, path: string): string {
  if (typeof value !== "string") throw jsonError(path, "expected a string", value);
  if (!jsonWellFormed(value)) throw jsonError(path, "invalid UTF-16: lone surrogate");
  return value;
}

/** Whether a string has no lone surrogates (so it can be UTF-8 encoded); native where available. */
function jsonWellFormed(value: string): boolean {
  return jsonNativeWellFormed !== undefined ? jsonNativeWellFormed.call(value) : !/\p{Cs}/u.test(value);
}

/** `String.prototype.isWellFormed` where the engine has it (Node 20+), looked up once. */
const jsonNativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Reads bytes from standard or URL-safe base64, padded or not. */
export function jsonReadBytes(value: JsonValue, path: string): Uint8Array {
  if (typeof value !== "string") throw jsonError(path, "expected a base64 string", value);
  try {
    return base64Decode(value);
  } catch {
    throw jsonError(path, "invalid base64", value);
  }
}

/**
 * Reads an enum value: a value name of `values`, or an integer. Returns undefined for an unknown name
 * when unknown input is ignored; closed enums (`open` false) also reject undeclared numbers.
 */
export function jsonReadEnum(
  values: { readonly [name: string]: number },
  value: JsonValue,
  open: boolean,
  ignoreUnknown: boolean,
  path: string,
): number | undefined {
  if (typeof value === "string") {
    // Only declared names map to numbers (Object.prototype has no number-valued properties).
    const n = values[value];
    if (typeof n === "number") return n;
    if (ignoreUnknown) return undefined;
    throw jsonError(path, "unknown enum value", value);
  }
  const n = jsonReadInt32(value, path);
  if (!open && !Object.values(values).includes(n)) {
    if (ignoreUnknown) return undefined;
    throw jsonError(path, "enum value not declared by the closed enum", value);
  }
  return n;
}

/** Writes an enum value as its name (or as a number for undeclared values or when asked to). */
export function jsonWriteEnum(names: { readonly [n: number]: string }, value: number, asInteger: boolean): JsonValue {
  if (asInteger) return value;
  return names[value] ?? value;
}

/** Writes a float or double: non-finite values as the strings proto3 JSON prescribes. */
export function jsonWriteFloat(value: number): JsonValue {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/** Writes bytes as standard, padded base64. */
export function jsonWriteBytes(value: Uint8Array): string {
  return base64Encode(value);
}

/** Reads a map key of a 32-bit integer type as its number ("01" → 1), the index the map object is set at. */
export function jsonReadMapKeyInt(key: string, unsigned: boolean, path: string): number {
  // Canonical keys ("17", "-3": the number's own text) are in range as soon as the number is.
  const n = +key;
  if ((unsigned ? n >>> 0 : n | 0) === n && "" + n === key) return n;
  return unsigned ? jsonReadUint32(key, path) : jsonReadInt32(key, path);
}

/** Reads a map key of a 64-bit integer type, returned as the canonical decimal string ("01" → "1"). */
export function jsonReadMapKeyLong(key: string, unsigned: boolean, path: string): string {
  return String(unsigned ? jsonReadUint64(key, path) : jsonReadInt64(key, path));
}

/** Reads a string map key; lone surrogates (which cannot be UTF-8 encoded) are rejected. */
export function jsonReadMapKeyString(key: string, path: string): string {
  if (!jsonWellFormed(key)) throw jsonError(path, "invalid UTF-16 in map key: lone surrogate");
  return key;
}

/** Reads a bool map key: only "true" and "false". */
export function jsonReadMapKeyBool(key: string, path: string): string {
  if (key !== "true" && key !== "false") throw jsonError(path, "invalid bool map key", key);
  return key;
}

/** Fails a decode that found something other than a JSON object where a message was expected. */
export function jsonExpectObject(value: JsonValue, path: string): { readonly [key: string]: JsonValue } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw jsonError(path, "expected a JSON object", value);
  }
  return value;
}

/** Fails a decode that found something other than a JSON array where a list was expected. */
export function jsonExpectArray(value: JsonValue, path: string): readonly JsonValue[] {
  if (!Array.isArray(value)) throw jsonError(path, "expected a JSON array", value);
  return value;
}

/**
 * Checks a `google.protobuf.Struct` held as a plain object before writing it as JSON: its numbers must
 * be finite (a `google.protobuf.Value` cannot carry NaN or Infinity). Returns the object itself.
 */
export function jsonCheckStruct<T>(value: T, path: string): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "number") {
      if (!Number.isFinite(item)) throw jsonError(path, "a Struct value cannot be NaN or Infinity");
    } else if (Array.isArray(item)) {
      pending.push(...(item as unknown[]));
    } else if (item !== null && typeof item === "object") {
      for (const key in item) pending.push((item as { [key: string]: unknown })[key]);
    }
  }
  return value;
}
