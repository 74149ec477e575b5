import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { FileScope } from "../model/file-scope.js";
import { propertyName, jsonKey } from "../model/member-names.js";
import { initialLiteral, isInheritedName, isNumberMapKey, isOptionalProperty, singularType, zeroValue } from "./field-types.js";
import { isNullValueEnum, isValueMessage, isWellKnownMessage, jsonPath, jsonReadMapKey, jsonReadScalar } from "./json-common.js";
import { holdsJsonObject, unwrappedScalar } from "./message-values.js";
import { isLongAsString } from "./scalars.js";
import { Printer } from "./printer.js";

/**
 * Emits the body of a codec's `readJson(json, options, depth)`. Each field is looked up by name —
 * its JSON name, then its proto name — which V8 compiles to fast, monomorphic property loads; the
 * object's keys are only counted afterwards, to reject unknown (or doubly named) fields unless
 * `ignoreUnknownFields` is set. JSON `null` means "default", except for `google.protobuf.Value` and
 * `NullValue`, where it is a value.
 */
export function emitReadJsonBody(message: DescMessage, scope: FileScope): string {
  const p = new Printer("    ");
  const typeName = JSON.stringify(message.typeName);
  const jsonValue = scope.rt("JsonValue", false);
  p.line(`${scope.rt("jsonCheckDepth")}(depth, options, ${typeName});`);
  p.line(`const object = ${scope.rt("jsonExpectObject")}(json, ${typeName});`);
  p.line(`const message: ${scope.ref(message, false)} = ${initialLiteral(message, scope)};`);
  if (message.fields.some((f) => f.enum !== undefined)) {
    p.line(`const ignoreUnknown = options.ignoreUnknownFields === true;`);
  }
  const known: string[] = [];
  const extensible = message.proto.extensionRange.length > 0;
  if (message.fields.length > 0 || extensible) p.line(`let seen = 0;`);
  if (message.fields.length > 0) p.line(`let v: ${jsonValue} | undefined;`);
  for (const field of message.fields) {
    const names = [...new Set([jsonKey(field), field.name])];
    known.push(...names);
    names.forEach((name, i) => {
      const load = isInheritedName(name)
        ? `(Object.hasOwn(object, ${JSON.stringify(name)}) ? object[${JSON.stringify(name)}] : undefined)`
        : `object[${JSON.stringify(name)}]`;
      p.line(i === 0 ? `v = ${load};` : `if (v === undefined) v = ${load};`);
    });
    p.block(`if (v !== undefined) {`, `}`, () => {
      p.line(`seen++;`);
      readField(p, field, scope);
    });
  }
  const count = `${scope.rt("jsonKeyCount")}(object)`;
  if (extensible) {
    // Keys left over may be "[pkg.ext]" extensions the registry knows: they are stored in $unknown.
    p.line(`if (seen !== ${count}) seen += ${scope.rt("jsonReadExtensions")}(${typeName}, object, message, options, depth);`);
  }
  p.block(`if (options.ignoreUnknownFields !== true && ${message.fields.length > 0 || extensible ? "seen" : "0"} !== ${count}) {`, `}`, () => {
    const aliases = message.fields.filter((f) => jsonKey(f) !== f.name).map((f) => [jsonKey(f), f.name]);
    // With extension ranges, the error must skip the "[pkg.ext]" keys that were read, and say why others were not.
    const explain = extensible ? `${scope.rt("jsonUnknownExtensionKeys")}(${typeName}, object, ${JSON.stringify(known)}, ${JSON.stringify(aliases)}, options)` : `${scope.rt("jsonUnknownKeys")}(${typeName}, object, ${JSON.stringify(known)}, ${JSON.stringify(aliases)})`;
    p.line(`throw ${explain};`);
  });
  p.line(`return message;`);
  return p.toString();
}

/** Expression reading one singular JSON value `v` of the field (or a list/map element). */
function valueOf(field: DescField, v: string, scope: FileScope): string {
  const path = jsonPath(field);
  if (field.enum !== undefined) {
    throw new Error("enums are read by readEnum");
  }
  if (field.message !== undefined) {
    const unwrapped = unwrappedScalar(field);
    if (unwrapped !== undefined) return jsonReadScalar(unwrapped, v, path, scope);
    if (holdsJsonObject(field)) return `${scope.rt("jsonReadStruct")}(${v}, options, depth + 1, ${JSON.stringify(path)})`;
    if (isWellKnownMessage(field)) {
      return `${scope.rt("jsonReadWellKnown")}(${scope.ref(field.message, true)}, ${v}, options, depth + 1, ${JSON.stringify(path)})`;
    }
    return `${scope.ref(field.message, true)}.readJson(${v}, options, depth + 1)`;
  }
  const read = jsonReadScalar(field.scalar as NonNullable<DescField["scalar"]>, v, path, scope);
  // A string-typed 64-bit integer ([jstype = JS_STRING]) is kept in canonical decimal form.
  return isLongAsString(field) ? `${read}.toString()` : read;
}

/** Statement(s) reading an enum JSON value `v` and passing the number to `use` (skipped if ignored). */
function readEnum(p: Printer, field: DescField, v: string, scope: FileScope, use: (e: string) => string): void {
  const desc = field.enum;
  if (desc === undefined) return;
  const type = scope.ref(desc, false);
  // NullValue reads from JSON null, and also from its value's name or number like any enum — but as a
  // closed enum: it is always written as `null`, so no other number could survive a JSON round trip.
  const nullValue = isNullValueEnum(field);
  const orNull = nullValue ? `${v} === null ? 0 : ` : "";
  p.line(`const e = ${orNull}${scope.rt("jsonReadEnum")}(${scope.ref(desc, true)}, ${v}, ${desc.open && !nullValue}, ignoreUnknown, ${JSON.stringify(jsonPath(field))});`);
  p.line(`if (e !== undefined) ${use(`e as ${type}`)}`);
}

export function readField(p: Printer, field: DescField, scope: FileScope): void {
  const target = `message.${propertyName(field)}`;
  const path = JSON.stringify(jsonPath(field));
  const nullIsValue = isValueMessage(field) || isNullValueEnum(field);
  if (field.oneof !== undefined) {
    const oneof = `message.${propertyName(field.oneof)}`;
    p.block(nullIsValue ? `{` : `if (v !== null) {`, `}`, () => {
      p.line(`if (${oneof}.case !== undefined) throw ${scope.rt("jsonOneofTwice")}(${JSON.stringify(`${field.parent.typeName}.${field.oneof?.name}`)}, ${JSON.stringify(jsonKey(field))});`);
      const set = (e: string): string => `${oneof} = { case: "${propertyName(field)}", value: ${e} };`;
      if (field.enum !== undefined) readEnum(p, field, "v", scope, set);
      else p.line(set(valueOf(field, "v", scope)));
    });
    return;
  }
  switch (field.fieldKind) {
    case "list":
      p.block(`if (v !== null) {`, `}`, () => {
        p.block(`for (const item of ${scope.rt("jsonExpectArray")}(v, ${path})) {`, `}`, () => {
          if (!nullIsValue) p.line(`if (item === null) throw ${scope.rt("jsonError")}(${path}, "list item must not be null");`);
          if (field.enum !== undefined) readEnum(p, field, "item", scope, (e) => `${target}.push(${e});`);
          else p.line(`${target}.push(${valueOf(field, "item", scope)});`);
        });
      });
      return;
    case "map":
      p.block(`if (v !== null) {`, `}`, () => {
        p.line(`const entries = ${scope.rt("jsonExpectObject")}(v, ${path});`);
        // Integer-like keys are array-index properties, which Object.keys lists twice as fast as for…in.
        const integerKeys = field.mapKey !== ScalarType.STRING && field.mapKey !== ScalarType.BOOL;
        p.block(integerKeys ? `for (const k of Object.keys(entries)) {` : `for (const k in entries) {`, `}`, () => {
          p.line(`const item = entries[k] as ${scope.rt("JsonValue", false)};`);
          if (!nullIsValue) p.line(`if (item === null) throw ${scope.rt("jsonError")}(${path}, "map value must not be null");`);
          p.line(`const mapKey = ${jsonReadMapKey(field.mapKey, "k", jsonPath(field), scope)};`);
          const put = (e: string): string =>
            isNumberMapKey(field.mapKey)
              ? `${target}[mapKey] = ${e};`
              : `${scope.rt("protobufMapSet")}(${target} as { [key: string]: ${singularType(field, scope)} }, mapKey, ${e});`;
          if (field.enum !== undefined) readEnum(p, field, "item", scope, put);
          else p.line(put(valueOf(field, "item", scope)));
        });
      });
      return;
    default: {
      const reset = isOptionalProperty(field) ? "undefined" : zeroValue(field, scope);
      const assign = (e: string): string => `${target} = ${e};`;
      if (nullIsValue) {
        if (field.enum !== undefined) readEnum(p, field, "v", scope, assign);
        else p.line(assign(valueOf(field, "v", scope)));
        return;
      }
      if (field.enum !== undefined) {
        p.line(`if (v === null) ${target} = ${reset};`);
        p.block(`else {`, `}`, () => readEnum(p, field, "v", scope, assign));
        return;
      }
      const required = field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED && field.fieldKind !== "message";
      p.line(assign(`v === null ? ${required ? zeroValue(field, scope) : reset} : ${valueOf(field, "v", scope)}`));
    }
  }
}
