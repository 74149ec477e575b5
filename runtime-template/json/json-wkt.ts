import { jsonCheckDepth } from "./json-codec.js";
import type { JsonObject, JsonReadOptions, JsonValue, JsonWriteOptions } from "../protobuf/message-type.js";
import { jsonError, jsonExpectObject } from "./json-scalars.js";
import { protobufMapSet } from "../protobuf/message-codec.js";
import { protobufDefaultMaxDepth } from "../protobuf/limits.js";
import { getDefaultTypeRegistry } from "./json-registry.js";

// The special proto3 JSON forms of well-known types whose mapping is not field-by-field: Timestamp,
// Duration, FieldMask and Any. (Struct, Value, ListValue and the wrappers are emitted inline.)

const jsonTimestampMinMs = Date.parse("0001-01-01T00:00:00Z");
const jsonTimestampMaxMs = Date.parse("9999-12-31T23:59:59Z");
const jsonDurationMaxSeconds = 315576000000;

/** Type names whose JSON form is not an object of fields; inside an Any they go under `"value"`. */
const jsonCustomWkt = new Set(
  ["Any", "Timestamp", "Duration", "FieldMask", "Struct", "Value", "ListValue"]
    .concat(["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((n) => n + "Value"))
    .map((n) => "google.protobuf." + n),
);

/** Renders 0, 3, 6 or 9 fractional digits, as the canonical JSON of Timestamp and Duration does. */
function jsonNanos(nanos: number): string {
  if (nanos === 0) return "";
  const digits = (nanos + 1_000_000_000).toString().slice(1);
  if (digits.endsWith("000000")) return "." + digits.slice(0, 3);
  if (digits.endsWith("000")) return "." + digits.slice(0, 6);
  return "." + digits;
}

/** Writes a Timestamp as RFC 3339 in UTC, e.g. `1972-01-01T10:00:20.021Z`. */
export function jsonTimestampToJson(seconds: bigint, nanos: number): string {
  const ms = Number(seconds) * 1000;
  const path = "google.protobuf.Timestamp";
  if (ms < jsonTimestampMinMs || ms > jsonTimestampMaxMs) throw jsonError(path, "out of range for JSON");
  if (nanos < 0 || nanos > 999_999_999) throw jsonError(path, "nanos out of range");
  return new Date(ms).toISOString().replace(".000Z", jsonNanos(nanos) + "Z");
}

/**
 * Reads an RFC 3339 timestamp (any offset, up to 9 fractional digits) into seconds and nanos. The `T`
 * and `Z` must be upper case, as the proto3 JSON spec and the conformance suite require.
 */
export function jsonTimestampFromJson(value: JsonValue): { seconds: bigint; nanos: number } {
  const path = "google.protobuf.Timestamp";
  if (typeof value !== "string") throw jsonError(path, "expected an RFC 3339 string", value);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (m === null) throw jsonError(path, "invalid RFC 3339 string", value);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  // setUTCFullYear, unlike Date.UTC, keeps years 0..99; a Date rolls Feb 30 over into March, so a date
  // that does not read back as written does not exist. RFC 3339 has no hour 24; leap seconds are refused.
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, 0);
  if (
    month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59 ||
    local.getUTCFullYear() !== year || local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day
  ) {
    throw jsonError(path, "invalid RFC 3339 string", value);
  }
  const offsetMs = (m[8] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const ms = local.getTime() - offsetMs;
  if (ms < jsonTimestampMinMs || ms > jsonTimestampMaxMs) throw jsonError(path, "out of range", value);
  const fraction = m[7];
  const nanos = fraction === undefined ? 0 : Number(fraction.padEnd(9, "0"));
  return { seconds: BigInt(ms / 1000), nanos };
}

/** Writes a Duration as seconds with an `s` suffix, e.g. `"1.5s"`, `"-0.250s"`. */
export function jsonDurationToJson(seconds: bigint, nanos: number): string {
  const path = "google.protobuf.Duration";
  const s = Number(seconds);
  if (s > jsonDurationMaxSeconds || s < -jsonDurationMaxSeconds) throw jsonError(path, "out of range");
  if ((s > 0 && nanos < 0) || (s < 0 && nanos > 0)) throw jsonError(path, "nanos sign must match seconds sign");
  if (nanos <= -1_000_000_000 || nanos >= 1_000_000_000) throw jsonError(path, "nanos out of range");
  const sign = s === 0 && nanos < 0 ? "-" : "";
  return `${sign}${seconds}${jsonNanos(Math.abs(nanos))}s`;
}

/** Reads a Duration string such as `"1.5s"` or `"-3s"` into seconds and nanos (signs agree). */
export function jsonDurationFromJson(value: JsonValue): { seconds: bigint; nanos: number } {
  const path = "google.protobuf.Duration";
  if (typeof value !== "string") throw jsonError(path, "expected a duration string", value);
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
  if (m === null) throw jsonError(path, "invalid duration string", value);
  const negative = m[1] === "-";
  const whole = BigInt(m[2] as string);
  if (whole > BigInt(jsonDurationMaxSeconds)) throw jsonError(path, "out of range", value);
  const nanos = m[3] === undefined ? 0 : Number(m[3].padEnd(9, "0"));
  return { seconds: negative ? -whole : whole, nanos: negative ? 0 - nanos : nanos };
}

/** Writes FieldMask paths as one comma-separated string of lowerCamelCase paths. */
export function jsonFieldMaskToJson(paths: readonly string[]): string {
  return paths
    .map((p) => {
      const camel = jsonCamelCase(p);
      if (jsonSnakeCase(camel) !== p) {
        throw jsonError("google.protobuf.FieldMask", "path cannot be written in lowerCamelCase", p);
      }
      return camel;
    })
    .join(",");
}

/** Reads a comma-separated lowerCamelCase FieldMask into snake_case paths. */
export function jsonFieldMaskFromJson(value: JsonValue): string[] {
  const path = "google.protobuf.FieldMask";
  if (typeof value !== "string") throw jsonError(path, "expected a string", value);
  if (value === "") return [];
  return value.split(",").map((p) => {
    if (p.includes("_")) throw jsonError(path, "path names must be lowerCamelCase", p);
    return jsonSnakeCase(p);
  });
}

/** `foo_bar` → `fooBar`, as protoc derives JSON names (ASCII digits reset the capitalisation). */
function jsonCamelCase(snake: string): string {
  let out = "";
  let upperNext = false;
  for (let i = 0; i < snake.length; i++) {
    const c = snake.charAt(i);
    if (c === "_") {
      upperNext = true;
    } else if (c >= "0" && c <= "9") {
      out += c;
      upperNext = false;
    } else {
      out += upperNext ? c.toUpperCase() : c;
      upperNext = false;
    }
  }
  return out;
}

/** `fooBar` → `foo_bar`: the inverse for ASCII capitals. */
function jsonSnakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => "_" + letter.toLowerCase());
}

/** Writes an Any: the packed message's JSON plus `"@type"` (special forms go under `"value"`). */
export function jsonAnyToJson(typeUrl: string, value: Uint8Array, options: JsonWriteOptions | undefined): JsonValue {
  if (typeUrl === "") return {};
  const codec = jsonAnyCodec(typeUrl, options?.registry);
  const inner = codec.toJson(codec.decode(value), options);
  const out: JsonObject = { "@type": typeUrl };
  if (jsonCustomWkt.has(codec.typeName)) {
    out["value"] = inner;
  } else {
    // Not Object.assign: it would run the __proto__ setter for a field named `__proto__`.
    const fields = inner as JsonObject;
    for (const key of Object.keys(fields)) protobufMapSet(out, key, fields[key] as JsonValue);
  }
  return out;
}

/** Reads an Any: resolves `"@type"` through the registry and packs the message it describes. */
export function jsonAnyFromJson(value: JsonValue, options: JsonReadOptions, depth: number): { typeUrl: string; value: Uint8Array } {
  const path = "google.protobuf.Any";
  jsonCheckDepth(depth, options, path);
  const object = jsonExpectObject(value, path);
  if (Object.keys(object).length === 0) return { typeUrl: "", value: new Uint8Array(0) };
  const typeUrl = object["@type"];
  if (typeof typeUrl !== "string" || typeUrl === "") throw jsonError(path, `"@type" is missing or empty`);
  const codec = jsonAnyCodec(typeUrl, options.registry);
  let message: object;
  if (jsonCustomWkt.has(codec.typeName)) {
    // {"@type": …, "value": <the special JSON form>}: "value" is required, nothing else may appear.
    if (!Object.prototype.hasOwnProperty.call(object, "value")) {
      throw jsonError(path, `"value" is missing for ${codec.typeName}`);
    }
    if (options.ignoreUnknownFields !== true) {
      for (const key of Object.keys(object)) {
        if (key !== "@type" && key !== "value") throw jsonError(path, `unknown field "${key}" next to "value" in JSON`);
      }
    }
    message = codec.readJson(object["value"] as JsonValue, options, depth + 1);
  } else {
    const fields: JsonObject = {};
    for (const key of Object.keys(object)) {
      if (key !== "@type") Object.defineProperty(fields, key, { value: object[key], enumerable: true, writable: true });
    }
    message = codec.readJson(fields, options, depth + 1);
  }
  return { typeUrl, value: codec.encode(message) };
}

function jsonAnyCodec(typeUrl: string, registry: JsonWriteOptions["registry"]) {
  const typeName = typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
  const codec = typeName === "" ? undefined : (registry ?? getDefaultTypeRegistry())?.getMessage(typeName);
  if (codec === undefined) {
    throw jsonError("google.protobuf.Any", `type ${JSON.stringify(typeUrl)} is not in the type registry`);
  }
  return codec;
}

/**
 * Reads a `google.protobuf.Struct` field held as a plain JSON object: checks that it is an object of
 * JSON values nested no deeper than `options.maxDepth`, counting levels as the binary decoder and the
 * generated `Value` codec do (a Struct's values are one level below it, a nested object or array one
 * more), and returns a copy that shares nothing with the input. `depth` is the Struct's own depth.
 */
export function jsonReadStruct(value: JsonValue, options: JsonReadOptions, depth: number, path: string): JsonObject {
  return jsonCopyStruct(jsonExpectObject(value, path), options.maxDepth ?? protobufDefaultMaxDepth, depth, path);
}

function jsonCopyStruct(object: { readonly [key: string]: JsonValue }, maxDepth: number, depth: number, path: string): JsonObject {
  if (depth > maxDepth) throw jsonError(path, `JSON nesting exceeds the maximum depth of ${maxDepth}`);
  const copy: JsonObject = {};
  for (const key of Object.keys(object)) {
    const item = jsonCopyStructValue(object[key] as JsonValue, maxDepth, depth + 1, path);
    protobufMapSet(copy, key, item);
  }
  return copy;
}

function jsonCopyStructValue(value: JsonValue, maxDepth: number, depth: number, path: string): JsonValue {
  if (depth > maxDepth) throw jsonError(path, `JSON nesting exceeds the maximum depth of ${maxDepth}`);
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw jsonError(path, "a Struct value cannot be NaN or Infinity");
    return value;
  }
  if (Array.isArray(value)) return value.map((item: JsonValue) => jsonCopyStructValue(item, maxDepth, depth + 2, path));
  return jsonCopyStruct(value, maxDepth, depth + 1, path);
}
