import type { ExtensionCodec, JsonReadOptions, JsonValue, JsonWriteOptions, MessageCodec, TypeRegistry } from "../protobuf/message-type.js";
import { protobufStackOverflow } from "../protobuf/message-codec.js";
import { protobufDefaultMaxDepth } from "../protobuf/limits.js";
import { ProtobufError } from "../protobuf/protobuf-error.js";

/**
 * Builds a {@link TypeRegistry} over the given message codecs and generated extensions (later ones
 * win on duplicate names): messages for `google.protobuf.Any`, extensions for `"[pkg.ext]"` JSON keys.
 */
export function createTypeRegistry(types: readonly (MessageCodec<object> | ExtensionCodec)[]): TypeRegistry {
  const messages = new Map<string, MessageCodec<object>>();
  const extensions = new Map<string, ExtensionCodec>();
  const byNumber = new Map<string, ExtensionCodec>();
  for (const type of types) {
    if (!("extendee" in type)) {
      messages.set(type.typeName, type);
      continue;
    }
    extensions.set(type.typeName, type);
    byNumber.set(`${type.extendee}/${type.number}`, type);
  }
  return {
    getMessage: (typeName) => messages.get(typeName),
    getExtension: (typeName) => extensions.get(typeName),
    getExtensionFor: (extendee, number) => byNumber.get(`${extendee}/${number}`),
  };
}

const jsonNoOptions: JsonReadOptions = {};

/** Parses JSON text and decodes it with a codec; syntax errors become {@link ProtobufError}. */
export function jsonDecodeString<T extends object>(
  codec: MessageCodec<T>,
  text: string,
  options: JsonReadOptions | undefined,
): T {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new ProtobufError(`${codec.typeName}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  return jsonDecode(codec, json, options);
}

/** Decodes a JSON value with a codec: the body of every generated `fromJson()`. */
export function jsonDecode<T extends object>(codec: MessageCodec<T>, json: JsonValue, options: JsonReadOptions | undefined): T {
  try {
    return codec.readJson(json, options ?? jsonNoOptions, 0);
  } catch (error) {
    throw protobufStackOverflow(error, codec.typeName, "decode");
  }
}

/**
 * Reads a field of a well-known type (Timestamp, Any, Value, a wrapper in a list, …) through its codec,
 * so that errors, which name the type (`google.protobuf.Duration: …`), also start with the field path.
 */
export function jsonReadWellKnown<T extends object>(
  codec: MessageCodec<T>,
  json: JsonValue,
  options: JsonReadOptions,
  depth: number,
  path: string,
): T {
  try {
    return codec.readJson(json, options, depth);
  } catch (error) {
    throw jsonInField(error, path);
  }
}

/** Writes a field of a well-known type through its codec, prefixing errors with the field path. */
export function jsonWriteWellKnown<T extends object>(codec: MessageCodec<T>, message: T, options: JsonWriteOptions | undefined, path: string): JsonValue {
  try {
    return codec.toJson(message, options);
  } catch (error) {
    throw jsonInField(error, path);
  }
}

/** Prefixes a ProtobufError's message with a field path (once); returns other errors unchanged. */
function jsonInField(error: unknown, path: string): unknown {
  if (!(error instanceof ProtobufError) || error.message.startsWith(path + ":")) return error;
  return new ProtobufError(`${path}: ${error.message}`, { cause: error });
}

/**
 * Encodes a message to JSON text: the body of every generated `toJsonString()`. Compact text is
 * written directly by the codec's `writeJson`; indented text (`prettySpaces` of 1 or more) is
 * `JSON.stringify` of `toJson`.
 */
export function jsonEncodeString<T extends object>(codec: MessageCodec<T>, message: T, options: JsonWriteOptions | undefined): string {
  const spaces = options?.prettySpaces;
  // JSON.stringify indents only for a space count of at least 1 (after truncation).
  if (spaces === undefined || (typeof spaces === "number" && !(spaces >= 1))) return codec.writeJson(message, options);
  return JSON.stringify(codec.toJson(message, options), null, spaces);
}

/** Fails a JSON decode nested deeper than allowed. */
export function jsonCheckDepth(depth: number, options: JsonReadOptions, typeName: string): void {
  const max = options.maxDepth ?? protobufDefaultMaxDepth;
  if (depth > max) throw new ProtobufError(`${typeName}: JSON nesting exceeds the maximum depth of ${max}`);
}

/** Fails a JSON decode that met a key the message does not declare (unless unknown keys are ignored). */
export function jsonUnknownKey(typeName: string, key: string): ProtobufError {
  return new ProtobufError(`${typeName}: unknown field "${key}" in JSON`);
}

/** Counts an object's keys (cheaper than `Object.keys(…).length`: no array). */
export function jsonKeyCount(object: { readonly [key: string]: JsonValue }): number {
  let n = 0;
  for (const _ in object) n++;
  return n;
}

/**
 * Explains why a JSON object had more keys than the fields it set: a key the message does not
 * declare, or a field given under both its JSON name and its proto name (`aliases` lists the
 * `[jsonName, protoName]` pairs that differ).
 */
export function jsonUnknownKeys(
  typeName: string,
  object: { readonly [key: string]: JsonValue },
  known: readonly string[],
  aliases: readonly (readonly [string, string])[],
): ProtobufError {
  for (const key in object) {
    if (!known.includes(key)) return jsonUnknownKey(typeName, key);
  }
  const both = aliases.find(([json, proto]) => Object.hasOwn(object, json) && Object.hasOwn(object, proto));
  const field = both === undefined ? "" : `.${both[1]}`;
  return new ProtobufError(`${typeName}${field}: field is set twice, under its JSON name and its proto name`);
}

/** Fails a JSON decode that sets two members of one oneof. */
export function jsonOneofTwice(path: string, key: string): ProtobufError {
  return new ProtobufError(`${path}: oneof is set more than once (by "${key}")`);
}
