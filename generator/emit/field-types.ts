import { type DescField, type DescMessage, type DescOneof, ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { FileScope } from "../model/file-scope.js";
import { propertyName } from "../model/member-names.js";
import { messageValueType, unwrappedScalar } from "./message-values.js";
import { fieldScalarInfo, isLongAsString, literalOf, scalarInfo, zeroLiteral } from "./scalars.js";

/**
 * Does this field have explicit presence in the generated shape, i.e. an optional property that is
 * `undefined` when unset? True for message fields, proto2/proto3 `optional` and editions EXPLICIT.
 * Oneof members are represented by their oneof instead.
 */
export function isOptionalProperty(field: DescField): boolean {
  if (field.fieldKind === "message") return true;
  if (field.fieldKind === "list" || field.fieldKind === "map") return false;
  return field.presence === FeatureSet_FieldPresence.EXPLICIT;
}

/** Is the 32-bit integer map key typed as a number index (as protobuf-es does)? */
export function isNumberMapKey(key: ScalarType): boolean {
  switch (key) {
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return true;
    default:
      return false;
  }
}

/** The TypeScript type of one value of a singular field (without `undefined`). */
export function singularType(field: DescField, scope: FileScope): string {
  switch (field.fieldKind) {
    case "scalar":
      return fieldScalarInfo(field).tsType;
    case "enum":
      return scope.ref(field.enum, false);
    case "message": {
      const unwrapped = unwrappedScalar(field);
      return unwrapped !== undefined ? scalarInfo(unwrapped).tsType : messageValueType(field, scope);
    }
    case "list":
      switch (field.listKind) {
        case "scalar":
          return fieldScalarInfo(field).tsType;
        case "enum":
          return scope.ref(field.enum, false);
        case "message":
          return messageValueType(field, scope);
      }
    // falls through (unreachable: every list kind returns)
    case "map":
      return mapValueType(field, scope);
  }
}

function mapValueType(field: DescField & { fieldKind: "map" }, scope: FileScope): string {
  switch (field.mapKind) {
    case "scalar":
      return scalarInfo(field.scalar).tsType;
    case "enum":
      return scope.ref(field.enum, false);
    case "message":
      return messageValueType(field, scope);
  }
}

/** The property type of a field as declared in the message interface. */
export function propertyType(field: DescField, scope: FileScope): string {
  const value = singularType(field, scope);
  switch (field.fieldKind) {
    case "list":
      return `${value}[]`;
    case "map":
      return `{ [key: ${isNumberMapKey(field.mapKey) ? "number" : "string"}]: ${value} }`;
    default:
      return isOptionalProperty(field) ? `${value} | undefined` : value;
  }
}

/** The union type of a oneof: one `{ case, value }` arm per member plus the unset arm. */
export function oneofType(oneof: DescOneof, scope: FileScope): string {
  const arms = oneof.fields.map((f) => `{ case: "${propertyName(f)}"; value: ${singularType(f, scope)} }`);
  arms.push("{ case: undefined; value?: undefined }");
  return arms.join(" | ");
}

/** The zero value a field takes in `create()` and before decoding. */
export function zeroValue(field: DescField, scope: FileScope): string {
  switch (field.fieldKind) {
    case "list":
      return "[]";
    case "map":
      return "{}";
    case "message":
      return "undefined";
    case "enum":
      if (isOptionalProperty(field)) return "undefined";
      return declaredDefault(field) ?? String(field.enum.values[0]?.number ?? 0);
    case "scalar":
      if (isOptionalProperty(field)) return "undefined";
      return declaredDefault(field) ?? (isLongAsString(field) ? fieldScalarInfo(field).zero : zeroLiteral(field.scalar, (n) => scope.rt(n)));
  }
}

/** A field's proto2 `[default = …]` as a literal, for documentation (absent fields stay `undefined`). */
export function declaredDefault(field: DescField): string | undefined {
  if (field.fieldKind !== "scalar" && field.fieldKind !== "enum") return undefined;
  const value = field.getDefaultValue();
  if (value === undefined) return undefined;
  return isLongAsString(field) ? JSON.stringify(String(value)) : literalOf(value);
}

/** The object literal every new message of this type starts from (one shape for `create` and decode). */
export function initialLiteral(message: DescMessage, scope: FileScope): string {
  const parts = message.members.map((member) =>
    member.kind === "oneof" ? `${propertyName(member)}: { case: undefined }` : `${propertyName(member)}: ${zeroValue(member, scope)}`,
  );
  return `{ ${parts.join(", ")} }`;
}

/** Properties every plain object inherits: reading one that a message lacks finds the inherited value. */
const inheritedProperties = new Set([
  "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "toString",
  "valueOf", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__", "__proto__",
]);

/**
 * Expression reading a member of `message` for encoding. A member named like an `Object.prototype`
 * property is read only if it is an own property — a message literal that leaves it out must not
 * encode the inherited function — and counts as `absent` otherwise.
 */
export function memberAccess(member: DescField | DescOneof, absent: string): string {
  const name = propertyName(member);
  if (!isInheritedName(name)) return `message.${name}`;
  return `(Object.hasOwn(message, ${JSON.stringify(name)}) ? message.${name} : ${absent})`;
}

/** Is `name` a property every plain object inherits (so a missing own property still reads as something)? */
export function isInheritedName(name: string): boolean {
  return inheritedProperties.has(name);
}
