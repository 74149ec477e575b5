import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { FileScope } from "../model/file-scope.js";
import { propertyName, jsonKey } from "../model/member-names.js";
import { isOptionalProperty, memberAccess, singularType, zeroValue } from "./field-types.js";
import { isNullValueEnum, isWellKnownMessage, jsonPath } from "./json-common.js";
import { holdsJsonObject, unwrappedScalar } from "./message-values.js";
import { Printer } from "./printer.js";
import { fieldScalarInfo, isLongAsString } from "./scalars.js";

/**
 * Emits the body of a codec's `writeJson(message, options)`: the compact JSON text of exactly what
 * `JSON.stringify(toJson(message, options))` writes, built by string concatenation — keys are
 * constants quoted at generation time, values are written by small runtime helpers — with no
 * intermediate JSON object. Fields come in the order `toJson` stores them (field-number order, a
 * oneof at its first member).
 *
 * The text is a rope of concatenations that `JSON.parse` (or any other reader) has to flatten, at a
 * cost per piece, so each field adds as few pieces as possible: its key constant carries what comes
 * before it — `{` for the first field, else `,` — and, for a value written as a JSON string (string,
 * bytes, 64-bit integer, enum name), the opening quote; such a value is then appended without its
 * closing quote, which the next key constant (`","name":`) or the end (`"}`) supplies. `st` tracks
 * this: 0 nothing written yet, 1 the last value is complete, 2 a string value awaits its quote.
 */
export function emitWriteJsonBody(message: DescMessage, scope: FileScope): string {
  const p = new Printer("    ");
  const fields = [...message.fields].sort((a, b) => a.number - b.number);
  // JSON.stringify writes keys that are array indices ("7") before the others; such names (possible
  // only through a custom json_name) take the slow path that keeps that order.
  // Extensions (records in $unknown, written by toJson as "[pkg.ext]" keys) take the toJson path.
  if (message.proto.extensionRange.length > 0) {
    p.line(`if (message.$unknown !== undefined) return JSON.stringify(${scope.ref(message, true)}.toJson(message, options));`);
  }
  if (fields.some((f) => isArrayIndex(f.name) || isArrayIndex(jsonKey(f)))) {
    p.line(`return JSON.stringify(${scope.ref(message, true)}.toJson(message, options));`);
    return p.toString();
  }
  if (fields.length === 0) {
    p.line(`return "{}";`);
    return p.toString();
  }
  const needsProto = fields.some((f) => f.name !== jsonKey(f));
  const needsEmit = fields.some((f) => !f.oneof && (f.fieldKind === "list" || f.fieldKind === "map" || isImplicit(f)));
  const needsEnumInt = fields.some((f) => f.enum !== undefined && !isNullValueEnum(f));
  if (needsProto) p.line(`const proto = options?.useProtoFieldName === true;`);
  if (needsEmit) p.line(`const emit = options?.emitDefaultValues === true;`);
  if (needsEnumInt) p.line(`const enumInt = options?.enumAsInteger === true;`);
  p.line(`let s = "";`);
  p.line(`let st = 0;`);
  const doneOneofs = new Set<string>();
  for (const field of fields) {
    if (field.oneof !== undefined) {
      if (doneOneofs.has(propertyName(field.oneof))) continue;
      doneOneofs.add(propertyName(field.oneof));
      writeOneof(p, field.oneof.fields, scope);
    } else {
      writeField(p, field, scope);
    }
  }
  p.line(`return st === 0 ? "{}" : s + (st === 1 ? "}" : '"}');`);
  return p.toString();
}

function isArrayIndex(name: string): boolean {
  return /^(?:0|[1-9][0-9]*)$/.test(name) && Number(name) < 2 ** 32 - 1;
}

function isImplicit(field: DescField): boolean {
  return (field.fieldKind === "scalar" || field.fieldKind === "enum") && field.presence === FeatureSet_FieldPresence.IMPLICIT;
}

/** A JavaScript string literal in single quotes (generated code is full of `"`). */
function literal(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}'`;
}

/**
 * Expression of the field's key text, `"name":`, after what the state `st` calls for (`{`, `,` or
 * `",`), followed by `open` (e.g. the quote that opens a string value, or `[`).
 */
function key(field: DescField, open = ""): string {
  const one = (name: string): string[] => ["{", ",", '",'].map((lead) => literal(`${lead}${JSON.stringify(name)}:${open}`));
  const json = one(jsonKey(field));
  if (field.name === jsonKey(field)) return `(st === 0 ? ${json[0]} : st === 1 ? ${json[1]} : ${json[2]})`;
  const proto = one(field.name);
  const pick = (i: number): string => `(proto ? ${proto[i]} : ${json[i]})`;
  return `(st === 0 ? ${pick(0)} : st === 1 ? ${pick(1)} : ${pick(2)})`;
}

/**
 * The statement appending the field's key and the JSON text of value `v`, and setting `st`. Values
 * written as JSON strings are left open (no closing quote, `st = 2`).
 */
function append(field: DescField, v: string, scope: FileScope): string {
  const single = field.fieldKind !== "list" && field.fieldKind !== "map";
  if (single && field.enum !== undefined && !isNullValueEnum(field)) {
    // A declared value's name needs no escaping (it is an identifier); other values are numbers.
    const names = scope.ref(field.enum, true, "$json");
    return (
      `{ const n = enumInt ? undefined : ${names}[${v}]; ` +
      `if (n !== undefined) { s += ${key(field, '"')} + n; st = 2; } ` +
      `else { s += ${key(field)} + ${scope.rt("jsonTextNumber")}(${v}); st = 1; } }`
    );
  }
  const scalar = single ? (field.message !== undefined ? unwrappedScalar(field) : field.scalar) : undefined;
  if (scalar !== undefined) {
    const body = openStringBody(scalar, v, scope);
    if (body !== undefined) return `{ s += ${key(field, '"')} + ${body}; st = 2; }`;
  }
  return `{ s += ${key(field)} + ${jsonTextOf(field, v, scope)}; st = 1; }`;
}

/**
 * For a scalar type written as a JSON string (string, bytes, 64-bit integers), the expression of the
 * string's content between its quotes; undefined for the other types.
 */
function openStringBody(type: ScalarType, v: string, scope: FileScope): string | undefined {
  if (type === ScalarType.STRING) return `${scope.rt("jsonTextStringBody")}(${v})`;
  if (type === ScalarType.BYTES) return `${scope.rt("base64Encode")}(${v})`;
  if (isLong(type)) return v;
  return undefined;
}

/**
 * Does toJson store the values of this list or map as they are (strings, bools, 32-bit integers)? Then
 * `JSON.stringify` of the list or map object is exactly the text of toJson's copy.
 */
function isIdentity(field: DescField): boolean {
  if (field.fieldKind !== "list" && field.fieldKind !== "map") return false;
  if (field.scalar === undefined) return false;
  switch (field.scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
    case ScalarType.BYTES:
      return false;
    default:
      return !isLong(field.scalar);
  }
}

function isLong(type: ScalarType): boolean {
  switch (type) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return true;
    default:
      return false;
  }
}

/** Expression of the JSON text of a scalar value `v` (what `JSON.stringify(jsonWriteScalar(v))` writes). */
function scalarText(type: ScalarType, v: string, scope: FileScope): string {
  switch (type) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return `${scope.rt("jsonTextFloat")}(${v})`;
    case ScalarType.BYTES:
      return `${scope.rt("jsonTextBytes")}(${v})`;
    case ScalarType.STRING:
      return `${scope.rt("jsonTextString")}(${v})`;
    case ScalarType.BOOL:
      return `(${v} ? "true" : "false")`;
    default:
      if (isLong(type)) return `'"' + ${v} + '"'`;
      return `${scope.rt("jsonTextNumber")}(${v})`;
  }
}

/** Expression of the JSON text of one singular value `v` of the field (or of a list/map element). */
function jsonTextOf(field: DescField, v: string, scope: FileScope): string {
  if (field.enum !== undefined) {
    if (isNullValueEnum(field)) return `"null"`;
    return `${scope.rt("jsonTextEnum")}(${scope.ref(field.enum, true, "$json")}, ${v}, enumInt)`;
  }
  if (field.message !== undefined) {
    const unwrapped = unwrappedScalar(field);
    if (unwrapped !== undefined) return scalarText(unwrapped, v, scope);
    if (holdsJsonObject(field)) return `JSON.stringify(${scope.rt("jsonCheckStruct")}(${v}, ${JSON.stringify(jsonPath(field))}))`;
    if (isWellKnownMessage(field)) {
      return `JSON.stringify(${scope.rt("jsonWriteWellKnown")}(${scope.ref(field.message, true)}, ${v}, options, ${JSON.stringify(jsonPath(field))}))`;
    }
    return `${scope.ref(field.message, true)}.writeJson(${v}, options)`;
  }
  // A string-typed 64-bit integer ([jstype = JS_STRING]) is written in canonical decimal form.
  return scalarText(field.scalar as ScalarType, isLongAsString(field) ? `BigInt(${v})` : v, scope);
}

function writeField(p: Printer, field: DescField, scope: FileScope): void {
  const absent = field.fieldKind === "list" ? "[]" : field.fieldKind === "map" ? "{}" : isOptionalProperty(field) ? "undefined" : zeroValue(field, scope);
  p.block(`{`, `}`, () => {
    p.line(`const v = ${memberAccess(field, absent)};`);
    switch (field.fieldKind) {
      case "list":
        if (isIdentity(field)) {
          // toJson stores a copy of the array itself: its text is JSON.stringify's (a flat string).
          p.line(`if (v.length !== 0 || emit) {`);
          p.line(`  s += ${key(field)} + JSON.stringify(v);`);
          p.line(`  st = 1;`);
          p.line(`}`);
          return;
        }
        p.block(`if (v.length !== 0 || emit) {`, `}`, () => {
          p.line(`s += ${key(field, "[")};`);
          p.block(`for (let i = 0; i < v.length; i++) {`, `}`, () => {
            p.line(`if (i !== 0) s += ",";`);
            p.line(`s += ${jsonTextOf(field, `(v[i] as ${singularType(field, scope)})`, scope)};`);
          });
          p.line(`s += "]";`);
          p.line(`st = 1;`);
        });
        return;
      case "map":
        if (isIdentity(field)) {
          // toJson copies the own keys (Object.keys order) and values as they are: JSON.stringify's text.
          p.line(`if (${scope.rt("jsonHasKeys")}(v) || emit) {`);
          p.line(`  s += ${key(field)} + JSON.stringify(v);`);
          p.line(`  st = 1;`);
          p.line(`}`);
          return;
        }
        p.line(`const keys = Object.keys(v);`);
        p.block(`if (keys.length !== 0 || emit) {`, `}`, () => {
          const valueType = singularType(field, scope);
          const valueText = jsonTextOf(field, `(entries[k] as ${valueType})`, scope);
          // A value written without looking at it (NullValue is always `null`) needs no `entries`.
          if (/\bentries\b/.test(valueText)) p.line(`const entries = v as { [key: string]: ${valueType} };`);
          p.line(`s += ${key(field, "{")};`);
          p.block(`for (let i = 0; i < keys.length; i++) {`, `}`, () => {
            p.line(`const k = keys[i] as string;`);
            // The comma goes with the key's quote: one piece less per entry.
            p.line(`s += (i === 0 ? '"' : ',"') + ${scope.rt("jsonTextStringBody")}(k) + '":' + ${valueText};`);
          });
          p.line(`s += "}";`);
          p.line(`st = 1;`);
        });
        return;
      default:
        if (isOptionalProperty(field)) {
          p.line(`if (v !== undefined) ${append(field, "v", scope)}`);
        } else if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) {
          p.line(append(field, "v", scope));
        } else {
          const notZero =
            field.fieldKind === "enum"
              ? `v !== ${field.enum.values[0]?.number ?? 0}`
              : fieldScalarInfo(field as DescField & { scalar: ScalarType }).notZero("v");
          p.line(`if (${notZero} || emit) ${append(field, "v", scope)}`);
        }
    }
  });
}

function writeOneof(p: Printer, members: readonly DescField[], scope: FileScope): void {
  const oneof = members[0]?.oneof;
  if (oneof === undefined) return;
  p.block(`{`, `}`, () => {
    p.line(`const o = ${memberAccess(oneof, "{ case: undefined }")};`);
    p.block(`switch (o.case) {`, `}`, () => {
      for (const field of members) {
        p.line(`case "${propertyName(field)}":`);
        p.line(`  ${append(field, "o.value", scope)}`);
        p.line(`  break;`);
      }
    });
  });
}
