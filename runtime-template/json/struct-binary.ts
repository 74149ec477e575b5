import type { JsonObject, JsonValue } from "../protobuf/message-type.js";
import { protobufDepthError, protobufMapSet, protobufWireTypeError } from "../protobuf/message-codec.js";
import { ProtobufError } from "../protobuf/protobuf-error.js";
import type { BinaryReader } from "../protobuf/wire-reader.js";
import type { BinaryWriter } from "../protobuf/wire-writer.js";

/**
 * Writes a JSON object as the fields of a `google.protobuf.Struct` (a map of `google.protobuf.Value`),
 * so `Struct` fields can be held as plain objects yet travel in the standard binary form.
 */
export function protobufWriteStruct(object: JsonObject, writer: BinaryWriter): void {
  for (const key of Object.keys(object)) {
    writer.uint32(10); // Struct.fields entry
    const entry = writer.fork();
    writer.uint32(10); // key
    writer.string(key);
    writer.uint32(18); // value
    const value = writer.fork();
    structWriteValue(object[key] as JsonValue, writer);
    writer.join(value);
    writer.join(entry);
  }
}

/** Writes one JSON value as the fields of a `google.protobuf.Value`. */
function structWriteValue(value: JsonValue, writer: BinaryWriter): void {
  if (value === null) {
    writer.uint32(8); // null_value = NULL_VALUE
    writer.uint32(0);
  } else if (typeof value === "number") {
    writer.uint32(17);
    writer.double(value);
  } else if (typeof value === "string") {
    writer.uint32(26);
    writer.string(value);
  } else if (typeof value === "boolean") {
    writer.uint32(32);
    writer.bool(value);
  } else if (Array.isArray(value)) {
    writer.uint32(50); // list_value
    const list = writer.fork();
    for (const item of value) {
      writer.uint32(10);
      const itemStart = writer.fork();
      structWriteValue(item, writer);
      writer.join(itemStart);
    }
    writer.join(list);
  } else {
    writer.uint32(42); // struct_value
    const struct = writer.fork();
    protobufWriteStruct(value, writer);
    writer.join(struct);
  }
}

/**
 * Reads the fields of a `google.protobuf.Struct` ending at `end` into a plain JSON object, merging into
 * `target` when given (a repeated occurrence of a singular Struct field merges its entries, later
 * entries replacing earlier ones with the same key, as for any map).
 */
export function protobufReadStruct(reader: BinaryReader, end: number, depth: number, target?: JsonObject): JsonObject {
  if (depth > reader.maxDepth) throw protobufDepthError("google.protobuf.Struct", reader.maxDepth);
  const object: JsonObject = target ?? {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag !== 10) {
      structSkip(reader, tag, depth, "google.protobuf.Struct", 1);
      continue;
    }
    const entryEnd = reader.lengthEnd();
    let key = "";
    let value: JsonValue = null;
    while (reader.pos < entryEnd) {
      const entryTag = reader.uint32();
      if (entryTag === 10) key = reader.string();
      else if (entryTag === 18) value = structReadValue(reader, reader.lengthEnd(), depth + 1, value);
      else structSkip(reader, entryTag, depth, "google.protobuf.Struct.FieldsEntry", 2);
    }
    structCheckEnd(reader, entryEnd);
    protobufMapSet(object, key, value);
  }
  structCheckEnd(reader, end);
  return object;
}

/**
 * Reads the fields of a `google.protobuf.Value`; a value with no kind set reads as `null`. `previous` is
 * the value read so far for the same field: a repeated `struct_value` or `list_value` merges into it.
 */
function structReadValue(reader: BinaryReader, end: number, depth: number, previous: JsonValue): JsonValue {
  if (depth > reader.maxDepth) throw protobufDepthError("google.protobuf.Value", reader.maxDepth);
  let value: JsonValue = previous;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 8:
        reader.int32();
        value = null;
        break;
      case 17:
        value = reader.double();
        break;
      case 26:
        value = reader.string();
        break;
      case 32:
        value = reader.bool();
        break;
      case 42: {
        const merge = value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
        value = protobufReadStruct(reader, reader.lengthEnd(), depth + 1, merge);
        break;
      }
      case 50: {
        const listEnd = reader.lengthEnd();
        const list: JsonValue[] = Array.isArray(value) ? value : [];
        while (reader.pos < listEnd) {
          const itemTag = reader.uint32();
          if (itemTag === 10) list.push(structReadValue(reader, reader.lengthEnd(), depth + 2, null));
          else structSkip(reader, itemTag, depth + 1, "google.protobuf.ListValue", 1);
        }
        structCheckEnd(reader, listEnd);
        value = list;
        break;
      }
      default:
        structSkip(reader, tag, depth, "google.protobuf.Value", 6);
    }
  }
  structCheckEnd(reader, end);
  return value;
}

/**
 * Skips a field of a Struct, Value, ListValue or Struct entry that the plain JSON object cannot hold.
 * Fields 1..`declared` are the message's own: arriving with another wire type, they are an error, as in
 * generated decoders; undeclared fields are skipped (their bytes are dropped).
 */
function structSkip(reader: BinaryReader, tag: number, depth: number, typeName: string, declared: number): void {
  const fieldNo = tag >>> 3;
  if ((tag & 7) === 4) throw new ProtobufError(`${typeName}: unexpected end-group tag for field ${fieldNo}`);
  if (fieldNo >= 1 && fieldNo <= declared) throw protobufWireTypeError(typeName, tag);
  reader.skip(tag & 7, fieldNo, depth);
}

function structCheckEnd(reader: BinaryReader, end: number): void {
  if (reader.pos !== end) throw new ProtobufError("google.protobuf.Struct: a field runs past the end of its message");
}
