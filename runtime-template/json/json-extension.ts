import type { JsonObject, JsonReadOptions, JsonValue, JsonWriteOptions, MessageWithUnknown } from "../protobuf/message-type.js";
import { extensionNumbers, extensionRead, extensionStore } from "../protobuf/extension.js";
import { ProtobufError } from "../protobuf/protobuf-error.js";
import { jsonUnknownKey, jsonUnknownKeys } from "./json-codec.js";
import { getDefaultTypeRegistry } from "./json-registry.js";

/**
 * Writes the extensions a message carries (as records in `$unknown`) into its JSON object, each under
 * `"[full.name]"`: the last step of `toJson` for messages that declare extension ranges. Only
 * extensions the registry (`options.registry`, else the output's default) knows are written; JSON has
 * no place for other unknown fields.
 */
export function jsonWriteExtensions(typeName: string, message: MessageWithUnknown, json: JsonObject, options: JsonWriteOptions | undefined): void {
  const unknown = message.$unknown;
  const registry = options?.registry ?? getDefaultTypeRegistry();
  if (unknown === undefined || registry?.getExtensionFor === undefined) return;
  for (const number of extensionNumbers(unknown)) {
    const extension = registry.getExtensionFor(typeName, number);
    if (extension !== undefined) extension.toJson(extensionRead(unknown, extension), options, json);
  }
}

/**
 * Reads the `"[full.name]"` keys of a JSON object that name extensions of `typeName` the registry
 * knows, storing each value as the extension's records in `$unknown`; returns how many keys it read,
 * so that `readJson` can still reject the keys nobody knows (unless unknown fields are ignored).
 */
export function jsonReadExtensions(
  typeName: string,
  object: { readonly [key: string]: JsonValue },
  message: MessageWithUnknown,
  options: JsonReadOptions,
  depth: number,
): number {
  const registry = options.registry ?? getDefaultTypeRegistry();
  if (registry?.getExtension === undefined) return 0;
  let read = 0;
  for (const key in object) {
    if (key.charCodeAt(0) !== 91 || key.charCodeAt(key.length - 1) !== 93) continue; // "[…]"
    const extension = registry.getExtension(key.slice(1, -1));
    if (extension === undefined || extension.extendee !== typeName) continue;
    const holder = { value: extension.repeated ? [] : undefined };
    extension.readJson(object[key] as JsonValue, options, depth, holder);
    extensionStore(message, extension, holder);
    read++;
  }
  return read;
}

/**
 * `jsonUnknownKeys` for a message with extension ranges: names the key that was really not taken —
 * never a `"[pkg.ext]"` key `jsonReadExtensions` read — and, for an extension key, why: no such
 * extension in the type registry (`options.registry`, else the output's default), or one of another
 * message.
 */
export function jsonUnknownExtensionKeys(
  typeName: string,
  object: { readonly [key: string]: JsonValue },
  known: readonly string[],
  aliases: readonly (readonly [string, string])[],
  options: JsonReadOptions,
): ProtobufError {
  const registry = options.registry ?? getDefaultTypeRegistry();
  const taken = [...known];
  for (const key in object) {
    if (known.includes(key)) continue;
    if (key.charCodeAt(0) !== 91 || key.charCodeAt(key.length - 1) !== 93) return jsonUnknownKey(typeName, key);
    const name = key.slice(1, -1);
    const extension = registry?.getExtension?.(name);
    if (extension === undefined) {
      return new ProtobufError(`${typeName}: unknown field "${key}" in JSON: the type registry has no extension ${name} (pass one that has it as the registry option)`);
    }
    if (extension.extendee !== typeName) {
      return new ProtobufError(`${typeName}: unknown field "${key}" in JSON: extension ${name} extends ${extension.extendee}, not ${typeName}`);
    }
    taken.push(key);
  }
  // Every key was taken: a field under both of its names.
  return jsonUnknownKeys(typeName, object, taken, aliases);
}
