import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { FileScope } from "../model/file-scope.js";
import { isOptionalProperty, memberAccess, singularType, zeroValue } from "./field-types.js";
import { isNullValueEnum, isWellKnownMessage, jsonPath } from "./json-common.js";
import { holdsJsonObject, unwrappedScalar } from "./message-values.js";
import { Printer } from "./printer.js";
import { scalarInfo } from "./scalars.js";

/**
 * Emits the body of a codec's `writeJson(message, options)`: the compact JSON text of exactly what
 * `JSON.stringify(toJson(message, options))` writes, built by string concatenation — keys are
 * constants quoted at generation time, values are written by small runtime helpers — with no
 * intermediate JSON object. Fields come in the order `toJson` stores them (field-number order, a
 * oneof at its first member); each piece starts with the comma unless it is the first one written.
 */
export function emitWriteJsonBody(message: DescMessage, scope: FileScope): string {
  const p = new Printer("    ");
  const fields = [...message.fields].sort((a, b) => a.number - b.number);
  // JSON.stringify writes keys that are array indices ("7") before the others; such names (possible
  // only through a custom json_name) take the slow path that keeps that order.
  if (fields.some((f) => isArrayIndex(f.name) || isArrayIndex(f.jsonName))) {
    p.line(`return JSON.stringify(${scope.ref(message, true)}.toJson(message, options));`);
    return p.toString();
  }
  if (fields.length === 0) {
    p.line(`return "{}";`);
    return p.toString();
  }
  const needsProto = fields.some((f) => f.name !== f.jsonName);
  const needsEmit = fields.some((f) => !f.oneof && (f.fieldKind === "list" || f.fieldKind === "map" || isImplicit(f)));
  const needsEnumInt = fields.some((f) => f.enum !== undefined && !isNullValueEnum(f));
  if (needsProto) p.line(`const proto = options?.useProtoFieldName === true;`);
  if (needsEmit) p.line(`const emit = options?.emitDefaultValues === true;`);
  if (needsEnumInt) p.line(`const enumInt = options?.enumAsInteger === true;`);
  p.line(`let s = "{";`);
  const doneOneofs = new Set<string>();
  for (const field of fields) {
    if (field.oneof !== undefined) {
      if (doneOneofs.has(field.oneof.localName)) continue;
      doneOneofs.add(field.oneof.localName);
      writeOneof(p, field.oneof.fields, scope);
    } else {
      writeField(p, field, scope);
    }
  }
  p.line(`return s + "}";`);
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
 * Expression of the field's key text, `"name":` — with the comma unless nothing was written yet
 * (`s` is still `{`) — followed by `open` (e.g. the quote of an int64 string).
 */
function key(field: DescField, open = ""): string {
  const one = (name: string): [string, string] => [literal(`${JSON.stringify(name)}:${open}`), literal(`,${JSON.stringify(name)}:${open}`)];
  const [jsonFirst, jsonNext] = one(field.jsonName);
  if (field.name === field.jsonName) return `(s.length === 1 ? ${jsonFirst} : ${jsonNext})`;
  const [protoFirst, protoNext] = one(field.name);
  return `(s.length === 1 ? (proto ? ${protoFirst} : ${jsonFirst}) : (proto ? ${protoNext} : ${jsonNext}))`;
}

/** The statement appending the field's key and the JSON text of value `v`. */
function append(field: DescField, v: string, scope: FileScope): string {
  if (field.fieldKind !== "list" && field.fieldKind !== "map" && field.scalar !== undefined && isLong(field.scalar)) {
    // A 64-bit integer is a quoted decimal string; the quote goes into the key constant.
    return `s += ${key(field, '"')} + ${v} + '"';`;
  }
  return `s += ${key(field)} + ${jsonTextOf(field, v, scope)};`;
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
  return scalarText(field.scalar as ScalarType, v, scope);
}

function writeField(p: Printer, field: DescField, scope: FileScope): void {
  const absent = field.fieldKind === "list" ? "[]" : field.fieldKind === "map" ? "{}" : isOptionalProperty(field) ? "undefined" : zeroValue(field, scope);
  p.block(`{`, `}`, () => {
    p.line(`const v = ${memberAccess(field, absent)};`);
    switch (field.fieldKind) {
      case "list":
        if (isIdentity(field)) {
          // toJson stores a copy of the array itself: its text is JSON.stringify's (a flat string).
          p.line(`if (v.length !== 0 || emit) s += ${key(field)} + JSON.stringify(v);`);
          return;
        }
        p.block(`if (v.length !== 0 || emit) {`, `}`, () => {
          p.line(`s += ${key(field)} + "[";`);
          p.block(`for (let i = 0; i < v.length; i++) {`, `}`, () => {
            p.line(`if (i !== 0) s += ",";`);
            p.line(`s += ${jsonTextOf(field, `(v[i] as ${singularType(field, scope)})`, scope)};`);
          });
          p.line(`s += "]";`);
        });
        return;
      case "map":
        if (isIdentity(field)) {
          // toJson copies the own keys (Object.keys order) and values as they are: JSON.stringify's text.
          p.line(`if (${scope.rt("jsonHasKeys")}(v) || emit) s += ${key(field)} + JSON.stringify(v);`);
          return;
        }
        p.line(`const keys = Object.keys(v);`);
        p.block(`if (keys.length !== 0 || emit) {`, `}`, () => {
          const valueType = singularType(field, scope);
          p.line(`const entries = v as { [key: string]: ${valueType} };`);
          p.line(`s += ${key(field)} + "{";`);
          p.block(`for (let i = 0; i < keys.length; i++) {`, `}`, () => {
            p.line(`const k = keys[i] as string;`);
            p.line(`if (i !== 0) s += ",";`);
            p.line(`s += ${scope.rt("jsonTextString")}(k) + ":" + ${jsonTextOf(field, `(entries[k] as ${valueType})`, scope)};`);
          });
          p.line(`s += "}";`);
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
              : scalarInfo(field.scalar as ScalarType).notZero("v");
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
        p.line(`case "${field.localName}":`);
        p.line(`  ${append(field, "o.value", scope)}`);
        p.line(`  break;`);
      }
    });
  });
}
