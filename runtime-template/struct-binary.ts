import type { JsonObject, JsonValue } from "./json-value.js";
import { protobufDepthError, protobufMapSet } from "./message-codec.js";
import { ProtobufError } from "./protobuf-error.js";
import type { BinaryReader } from "./wire-reader.js";
import type { BinaryWriter } from "./wire-writer.js";

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

/** Reads the fields of a `google.protobuf.Struct` ending at `end` into a plain JSON object. */
export function protobufReadStruct(reader: BinaryReader, end: number, depth: number): JsonObject {
  if (depth > reader.maxDepth) throw protobufDepthError("google.protobuf.Struct", reader.maxDepth);
  const object: JsonObject = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag !== 10) {
      structSkip(reader, tag, depth);
      continue;
    }
    const entryEnd = reader.lengthEnd();
    let key = "";
    let value: JsonValue = null;
    while (reader.pos < entryEnd) {
      const entryTag = reader.uint32();
      if (entryTag === 10) key = reader.string();
      else if (entryTag === 18) value = structReadValue(reader, reader.lengthEnd(), depth + 1);
      else structSkip(reader, entryTag, depth);
    }
    structCheckEnd(reader, entryEnd);
    protobufMapSet(object, key, value);
  }
  structCheckEnd(reader, end);
  return object;
}

/** Reads the fields of a `google.protobuf.Value`; a value with no kind set reads as `null`. */
function structReadValue(reader: BinaryReader, end: number, depth: number): JsonValue {
  if (depth > reader.maxDepth) throw protobufDepthError("google.protobuf.Value", reader.maxDepth);
  let value: JsonValue = null;
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
      case 42:
        value = protobufReadStruct(reader, reader.lengthEnd(), depth + 1);
        break;
      case 50: {
        const listEnd = reader.lengthEnd();
        const list: JsonValue[] = [];
        while (reader.pos < listEnd) {
          const itemTag = reader.uint32();
          if (itemTag === 10) list.push(structReadValue(reader, reader.lengthEnd(), depth + 2));
          else structSkip(reader, itemTag, depth);
        }
        structCheckEnd(reader, listEnd);
        value = list;
        break;
      }
      default:
        structSkip(reader, tag, depth);
    }
  }
  structCheckEnd(reader, end);
  return value;
}

function structSkip(reader: BinaryReader, tag: number, depth: number): void {
  if ((tag & 7) === 4) throw new ProtobufError("google.protobuf.Struct: unexpected end-group tag");
  reader.skip(tag & 7, tag >>> 3, depth);
}

function structCheckEnd(reader: BinaryReader, end: number): void {
  if (reader.pos !== end) throw new ProtobufError("google.protobuf.Struct: a field runs past the end of its message");
}
