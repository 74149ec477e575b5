import { type DescField, ScalarType } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";

/** Expression converting a scalar value `v` to its proto3 JSON form. */
export function jsonWriteScalar(type: ScalarType, v: string, scope: FileScope): string {
  switch (type) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return `${scope.rt("jsonWriteFloat")}(${v})`;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return `${v}.toString()`;
    case ScalarType.BYTES:
      return `${scope.rt("jsonWriteBytes")}(${v})`;
    default:
      return v;
  }
}

/** Expression reading JSON value `v` as a scalar of `type`; errors name `path`. */
export function jsonReadScalar(type: ScalarType, v: string, path: string, scope: FileScope): string {
  const fn = ((): string => {
    switch (type) {
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return "jsonReadInt32";
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return "jsonReadUint32";
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return "jsonReadInt64";
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return "jsonReadUint64";
      case ScalarType.FLOAT:
        return "jsonReadFloat";
      case ScalarType.DOUBLE:
        return "jsonReadDouble";
      case ScalarType.BOOL:
        return "jsonReadBool";
      case ScalarType.STRING:
        return "jsonReadString";
      case ScalarType.BYTES:
        return "jsonReadBytes";
    }
  })();
  const call = `${scope.rt(fn)}(${v}, ${JSON.stringify(path)})`;
  // Inline fast paths for the common, already well-typed case; the helper handles (and rejects) the rest.
  switch (type) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return `(typeof ${v} === "number" && (${v} | 0) === ${v} ? ${v} | 0 : ${call})`;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return `(typeof ${v} === "number" && ${v} >>> 0 === ${v} ? ${v} >>> 0 : ${call})`;
    case ScalarType.DOUBLE:
      return `(typeof ${v} === "number" && ${v} - ${v} === 0 ? ${v} : ${call})`;
    case ScalarType.FLOAT:
      // At most float32's largest finite value (which NaN is not): in range. Beyond it, the helper decides.
      return `(typeof ${v} === "number" && Math.abs(${v}) <= 3.4028234663852886e38 ? ${v} : ${call})`;
    case ScalarType.BOOL:
      return `(typeof ${v} === "boolean" ? ${v} : ${call})`;
    default:
      return call;
  }
}

/** Expression reading a JSON object key `k` as the canonical string key of a map with key `type`. */
export function jsonReadMapKey(type: ScalarType, k: string, path: string, scope: FileScope): string {
  const p = JSON.stringify(path);
  switch (type) {
    case ScalarType.STRING:
      return `${scope.rt("jsonReadMapKeyString")}(${k}, ${p})`;
    case ScalarType.BOOL:
      return `${scope.rt("jsonReadMapKeyBool")}(${k}, ${p})`;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return `${scope.rt("jsonReadMapKeyInt")}(${k}, true, ${p})`;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return `${scope.rt("jsonReadMapKeyInt")}(${k}, false, ${p})`;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return `${scope.rt("jsonReadMapKeyLong")}(${k}, true, ${p})`;
    default:
      return `${scope.rt("jsonReadMapKeyLong")}(${k}, false, ${p})`;
  }
}

/** The field path used in JSON error messages: `pkg.Message.field_name`. */
export function jsonPath(field: DescField): string {
  return `${field.parent.typeName}.${field.name}`;
}

/** Is this the enum `google.protobuf.NullValue`, whose JSON form is `null`? */
export function isNullValueEnum(field: DescField): boolean {
  return field.enum?.typeName === "google.protobuf.NullValue";
}

/** Is this a field of type `google.protobuf.Value`, for which JSON `null` is a value, not "unset"? */
export function isValueMessage(field: DescField): boolean {
  return field.message?.typeName === "google.protobuf.Value";
}

const wellKnownJsonTypes = new Set(
  ["Any", "Timestamp", "Duration", "FieldMask", "Struct", "Value", "ListValue", "Empty"]
    .concat(["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((n) => `${n}Value`))
    .map((n) => `google.protobuf.${n}`),
);

/**
 * Is this a field of a well-known message type? Their codecs name the type in errors
 * (`google.protobuf.Timestamp: …`), so fields of them read and write through a runtime helper that
 * prefixes errors with the field's path.
 */
export function isWellKnownMessage(field: DescField): boolean {
  return field.message !== undefined && wellKnownJsonTypes.has(field.message.typeName);
}
