import type { DescField, ScalarType } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";

const wrapperTypes = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map(
    (n) => `google.protobuf.${n}Value`,
  ),
);

/**
 * The scalar a singular, non-oneof field of a `google/protobuf/wrappers.proto` type is unwrapped to, as
 * protobuf-es v2 does (`google.protobuf.Int32Value x` → `x?: number`); undefined for other fields.
 */
export function unwrappedScalar(field: DescField): ScalarType | undefined {
  if (field.fieldKind !== "message" || field.oneof !== undefined) return undefined;
  if (!wrapperTypes.has(field.message.typeName)) return undefined;
  const inner = field.message.fields[0];
  return inner?.fieldKind === "scalar" ? inner.scalar : undefined;
}

/**
 * Does this field hold a `google.protobuf.Struct` as a plain JSON object (protobuf-es v2's shape)?
 * True for Struct-typed fields of every kind, except inside `google.protobuf.Value` itself.
 */
export function holdsJsonObject(field: DescField): boolean {
  return field.message?.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value";
}

/** The TypeScript type of one message value of the field: the message interface or `JsonObject`. */
export function messageValueType(field: DescField & { message: NonNullable<DescField["message"]> }, scope: FileScope): string {
  return holdsJsonObject(field) ? scope.rt("JsonObject", false) : scope.ref(field.message, false);
}

/** A statement writing the fields of message value `v` (no tag, no length). */
export function writeMessageValue(field: DescField & { message: NonNullable<DescField["message"]> }, scope: FileScope, v: string): string {
  if (holdsJsonObject(field)) return `${scope.rt("protobufWriteStruct")}(${v}, writer);`;
  return `${scope.ref(field.message, true)}.write(${v}, writer);`;
}

/**
 * An expression reading one message value that ends at `end` (or at the END_GROUP of `group`),
 * merging into `merge` when the message is read into an existing value.
 */
export function readMessageValue(
  field: DescField & { message: NonNullable<DescField["message"]> },
  scope: FileScope,
  end: string,
  merge: string,
  group: number,
): string {
  if (holdsJsonObject(field)) return `${scope.rt("protobufReadStruct")}(reader, ${end}, depth + 1)`;
  return `${scope.ref(field.message, true)}.read(reader, ${end}, depth + 1, ${merge}, ${group})`;
}
