import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { FileScope } from "../model/file-scope.js";
import { propertyName, jsonKey } from "../model/member-names.js";
import { isOptionalProperty, memberAccess, singularType, zeroValue } from "./field-types.js";
import { isNullValueEnum, isWellKnownMessage, jsonPath, jsonWriteScalar } from "./json-common.js";
import { holdsJsonObject, unwrappedScalar } from "./message-values.js";
import { Printer } from "./printer.js";
import { fieldScalarInfo, isLongAsString } from "./scalars.js";

/**
 * Emits the body of a codec's `toJson(message, options)`: fields in field-number order (as protobuf-es
 * and protojson write them), each with its presence rule and a direct value conversion.
 */
export function emitToJsonBody(message: DescMessage, scope: FileScope): string {
  const p = new Printer("    ");
  const fields = [...message.fields].sort((a, b) => a.number - b.number);
  const needsProto = fields.some((f) => f.name !== jsonKey(f));
  const needsEmit = fields.some((f) => !f.oneof && (f.fieldKind === "list" || f.fieldKind === "map" || isImplicit(f)));
  const needsEnumInt = fields.some((f) => f.enum !== undefined && !isNullValueEnum(f));
  if (needsProto) p.line(`const proto = options?.useProtoFieldName === true;`);
  if (needsEmit) p.line(`const emit = options?.emitDefaultValues === true;`);
  if (needsEnumInt) p.line(`const enumInt = options?.enumAsInteger === true;`);
  p.line(`const json: ${scope.rt("JsonObject", false)} = {};`);
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
  // Extensions travel in $unknown; those the registry knows are written as "[pkg.ext]" keys.
  if (message.proto.extensionRange.length > 0) {
    p.line(`if (message.$unknown !== undefined) ${scope.rt("jsonWriteExtensions")}(${JSON.stringify(message.typeName)}, message, json, options);`);
  }
  p.line(`return json;`);
  return p.toString();
}

function isImplicit(field: DescField): boolean {
  return (
    (field.fieldKind === "scalar" || field.fieldKind === "enum") &&
    field.presence === FeatureSet_FieldPresence.IMPLICIT
  );
}

/** The statement storing `value` under the field's JSON key (proto name when asked). */
function store(field: DescField, value: string, scope: FileScope): string {
  const key = field.name === jsonKey(field) ? JSON.stringify(field.name) : `proto ? ${JSON.stringify(field.name)} : ${JSON.stringify(jsonKey(field))}`;
  if (field.name === "__proto__" || jsonKey(field) === "__proto__") {
    return `${scope.rt("protobufMapSet")}(json, ${key}, ${value});`;
  }
  return `json[${key}] = ${value};`;
}

/** Expression converting one singular value `v` of the field (or list/map element) to JSON. */
export function jsonValueOf(field: DescField, v: string, scope: FileScope): string {
  if (field.enum !== undefined) {
    if (isNullValueEnum(field)) return "null";
    return `${scope.rt("jsonWriteEnum")}(${scope.ref(field.enum, true, "$json")}, ${v}, enumInt)`;
  }
  if (field.message !== undefined) {
    const unwrapped = unwrappedScalar(field);
    if (unwrapped !== undefined) return jsonWriteScalar(unwrapped, v, scope);
    if (holdsJsonObject(field)) return `${scope.rt("jsonCheckStruct")}(${v}, ${JSON.stringify(jsonPath(field))})`;
    if (isWellKnownMessage(field)) {
      return `${scope.rt("jsonWriteWellKnown")}(${scope.ref(field.message, true)}, ${v}, options, ${JSON.stringify(jsonPath(field))})`;
    }
    return `${scope.ref(field.message, true)}.toJson(${v}, options)`;
  }
  // A string-typed 64-bit integer ([jstype = JS_STRING]) is written in canonical decimal form.
  return jsonWriteScalar(field.scalar as NonNullable<DescField["scalar"]>, isLongAsString(field) ? `BigInt(${v})` : v, scope);
}

export function writeField(p: Printer, field: DescField, scope: FileScope): void {
  const access = memberAccess(field, field.fieldKind === "list" ? "[]" : field.fieldKind === "map" ? "{}" : isOptionalProperty(field) ? "undefined" : zeroValue(field, scope));
  p.block(`{`, `}`, () => {
    p.line(`const v = ${access};`);
    switch (field.fieldKind) {
      case "list": {
        const item = jsonValueOf(field, "x", scope);
        const items = item === "x" ? `v.slice()` : /\bx\b/.test(item) ? `v.map((x) => ${item})` : `v.map(() => ${item})`;
        p.line(`if (v.length !== 0 || emit) ${store(field, items, scope)}`);
        return;
      }
      case "map": {
        p.line(`const keys = Object.keys(v);`);
        p.block(`if (keys.length !== 0 || emit) {`, `}`, () => {
          p.line(`const map: ${scope.rt("JsonObject", false)} = {};`);
          const valueType = singularType(field, scope);
          const value = jsonValueOf(field, `(entries[k] as ${valueType})`, scope);
          // A value written without looking at it (NullValue is always `null`) needs no `entries`.
          if (/\bentries\b/.test(value)) p.line(`const entries = v as { [key: string]: ${valueType} };`);
          p.line(`for (const k of keys) ${scope.rt("protobufMapSet")}(map, k, ${value});`);
          p.line(store(field, "map", scope));
        });
        return;
      }
      default:
        if (isOptionalProperty(field)) {
          p.line(`if (v !== undefined) ${store(field, jsonValueOf(field, "v", scope), scope)}`);
        } else if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) {
          p.line(store(field, jsonValueOf(field, "v", scope), scope));
        } else {
          const notZero =
            field.fieldKind === "enum"
              ? `v !== ${field.enum.values[0]?.number ?? 0}`
              : fieldScalarInfo(field as DescField & { scalar: NonNullable<DescField["scalar"]> }).notZero("v");
          p.line(`if (${notZero} || emit) ${store(field, jsonValueOf(field, "v", scope), scope)}`);
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
        p.line(`  ${store(field, jsonValueOf(field, "o.value", scope), scope)}`);
        p.line(`  break;`);
      }
    });
  });
}
