import type { ExtensionCodec, ExtensionHolder, MessageWithUnknown } from "./message-type.js";
import { BinaryReader } from "./wire-reader.js";
import { BinaryWriter } from "./wire-writer.js";

/**
 * An extension of message type `E` with values of type `V`: generated code exports one per field of
 * every `extend` block (`extend Foo { int32 bar = 100; }` → `bar: Extension<Foo, number>`). Read and
 * write it with {@link getExtension} and {@link setExtension}. Its value lives in the message's
 * `$unknown` as wire records — as in protobuf-es — so it survives binary encode/decode untouched, and
 * JSON writes it as `"[pkg.bar]"` when the type registry knows the extension.
 */
export interface Extension<E extends object, V> extends ExtensionCodec<V> {
  /** Never set: carries the extended message's type, so that `getExtension(message, extension)` is checked. */
  readonly $extendee?: E;
}

/**
 * The value of an extension on a message: decoded from its records in `$unknown` (several records
 * merge: the last scalar wins, messages merge, lists append), or, when it has none, the extension's
 * default — `[default = …]` or the zero value, `[]` when repeated, an empty message.
 */
export function getExtension<E extends object, V>(message: E, extension: Extension<E, V>): V {
  const holder = extensionRead((message as MessageWithUnknown).$unknown, extension);
  return holder.value === undefined ? extension.defaultValue() : holder.value;
}

/**
 * Sets an extension on a message: its records in `$unknown` are replaced by the value's encoding (a
 * singular value is written even when it equals its default, as explicit presence requires).
 */
export function setExtension<E extends object, V>(message: E, extension: Extension<E, V>, value: V): void {
  extensionStore(message as MessageWithUnknown, extension, { value });
}

/** Does the message carry the extension (any record of its field number)? */
export function hasExtension<E extends object, V>(message: E, extension: Extension<E, V>): boolean {
  const unknown = (message as MessageWithUnknown).$unknown;
  return unknown !== undefined && extensionRecords(unknown, extension.number, true).length > 0;
}

/** Removes an extension (every record of its field number) from a message. */
export function clearExtension<E extends object, V>(message: E, extension: Extension<E, V>): void {
  extensionStore(message as MessageWithUnknown, extension, { value: undefined });
}

/**
 * The value of a custom option: `element` is a node of a generated `file_…` options tree (generated
 * with `custom_options`), whose `options` are the encoded extension fields of its
 * `google.protobuf.*Options`; `extension` is the option's generated `extend` field. Unset options give
 * the extension's default, as {@link getExtension} does.
 */
export function getOption<V>(element: { readonly options?: Uint8Array | undefined }, extension: ExtensionCodec<V>): V {
  const holder = extensionRead(element.options, extension);
  return holder.value === undefined ? extension.defaultValue() : holder.value;
}

/** Is the custom option set on the element (see {@link getOption})? */
export function hasOption(element: { readonly options?: Uint8Array | undefined }, extension: ExtensionCodec<unknown>): boolean {
  return element.options !== undefined && extensionRecords(element.options, extension.number, true).length > 0;
}

/** Decodes the records of an extension's field number in `unknown` into a new holder. */
export function extensionRead<V>(unknown: Uint8Array | undefined, extension: ExtensionCodec<V>): ExtensionHolder<V> {
  const holder: ExtensionHolder<V> = { value: extension.repeated ? ([] as V) : undefined };
  if (unknown === undefined) return holder;
  const records = extensionRecords(unknown, extension.number, true);
  if (records.length > 0) extension.read(new BinaryReader(records), records.length, 0, holder);
  return holder;
}

/** Replaces a message's records of an extension's field number by the encoding of `holder`. */
export function extensionStore<V>(message: MessageWithUnknown, extension: ExtensionCodec<V>, holder: ExtensionHolder<V>): void {
  const writer = new BinaryWriter(64);
  extension.write(holder, writer);
  const encoded = writer.finish();
  const rest = message.$unknown === undefined ? undefined : extensionRecords(message.$unknown, extension.number, false);
  const size = (rest?.length ?? 0) + encoded.length;
  if (size === 0) {
    delete message.$unknown;
    return;
  }
  // A new buffer: `$unknown` may be a view that decoding appends to in place, or a pooled slab.
  const out = new Uint8Array(size);
  if (rest !== undefined) out.set(rest);
  out.set(encoded, rest?.length ?? 0);
  message.$unknown = out;
}

/**
 * The records of wire-format fields `unknown` holds whose field number is `number` (`keep`) or is not
 * (`!keep`), concatenated in their order: the former read as one message body.
 */
export function extensionRecords(unknown: Uint8Array, number: number, keep: boolean): Uint8Array {
  const reader = new BinaryReader(unknown);
  const ranges: number[] = [];
  let size = 0;
  while (reader.pos < reader.end) {
    const start = reader.pos;
    const tag = reader.uint32();
    reader.skip(tag & 7, tag >>> 3, 0);
    if ((tag >>> 3 === number) !== keep) continue;
    const last = ranges.length - 1;
    if (last > 0 && ranges[last] === start) ranges[last] = reader.pos;
    else ranges.push(start, reader.pos);
    size += reader.pos - start;
  }
  if (ranges.length === 2 && size === unknown.length) return unknown;
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const part = unknown.subarray(ranges[i], ranges[i + 1]);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The distinct field numbers of the records in `unknown`, in order of first appearance. */
export function extensionNumbers(unknown: Uint8Array): number[] {
  const reader = new BinaryReader(unknown);
  const numbers: number[] = [];
  while (reader.pos < reader.end) {
    const tag = reader.uint32();
    reader.skip(tag & 7, tag >>> 3, 0);
    if (!numbers.includes(tag >>> 3)) numbers.push(tag >>> 3);
  }
  return numbers;
}
