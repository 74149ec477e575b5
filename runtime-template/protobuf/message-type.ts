import type { BinaryReader } from "./wire-reader.js";
import type { BinaryWriter } from "./wire-writer.js";

/**
 * Any JSON value, as `JSON.parse` returns it. Used for `google.protobuf.Struct` fields, which generated
 * code holds as plain JSON objects (like protobuf-es v2), and by the JSON codecs.
 */
export type JsonValue = number | string | boolean | null | JsonObject | JsonValue[];

/** A JSON object: the TypeScript shape of a `google.protobuf.Struct` field. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The generated companion of every message type: construction, binary and proto3 JSON codecs.
 *
 * `create`, `encode`/`decode` and the `toJson`/`fromJson` family are the public API. `write`, `read`,
 * `writeJson` and `readJson` are the per-field code the generator emits; `write`/`read` work on a shared
 * writer/reader so that nested messages, RPC envelopes and length prefixes are written in place
 * without intermediate buffers.
 */
export interface MessageCodec<T extends object> {
  /** Fully-qualified protobuf name, e.g. `greet.GreetRequest`. */
  readonly typeName: string;
  /** A new message with every field at its default, then the fields of `init` copied over. */
  create(init?: Partial<T>): T;
  /** Serializes to the protobuf binary format. */
  encode(message: T): Uint8Array;
  /** Parses the protobuf binary format; throws {@link ProtobufError} on malformed input. */
  decode(bytes: Uint8Array, options?: BinaryDecodeOptions): T;
  /** Appends the message's fields (without a length prefix) to `writer`. */
  write(message: T, writer: BinaryWriter): void;
  /**
   * Reads fields up to offset `end` (or up to the END_GROUP tag of field `group`, when non-zero),
   * merging into `target` when given, at nesting `depth`.
   */
  read(reader: BinaryReader, end: number, depth: number, target: T | undefined, group: number): T;
  /** Converts to the canonical proto3 JSON value (ready for `JSON.stringify`). */
  toJson(message: T, options?: JsonWriteOptions): JsonValue;
  /** Serializes to proto3 JSON text. */
  toJsonString(message: T, options?: JsonWriteOptions): string;
  /**
   * Writes compact proto3 JSON text, exactly `JSON.stringify(toJson(message, options))` but without the
   * intermediate JSON value: the generated per-field code behind `toJsonString`.
   */
  writeJson(message: T, options: JsonWriteOptions | undefined): string;
  /** Reads a proto3 JSON value (as `JSON.parse` returns it); throws {@link ProtobufError} on bad input. */
  fromJson(json: JsonValue, options?: JsonReadOptions): T;
  /** Parses proto3 JSON text. */
  fromJsonString(json: string, options?: JsonReadOptions): T;
  /** Reads a JSON value at nesting `depth`: the generated per-field code behind `fromJson`. */
  readJson(json: JsonValue, options: JsonReadOptions, depth: number): T;
}

/** Options for binary decoding. */
export interface BinaryDecodeOptions {
  /** Deepest nesting of messages accepted before decoding fails, to bound recursion; default 100. */
  readonly maxDepth?: number;
}

/** Shape every generated message shares: the raw bytes of fields its schema does not declare. */
export interface MessageWithUnknown {
  $unknown?: Uint8Array;
}

/** Options for writing proto3 JSON. */
export interface JsonWriteOptions {
  /** Also write fields that hold their zero value (implicit presence), and empty lists and maps. */
  readonly emitDefaultValues?: boolean;
  /** Use proto field names (`user_name`, as dubbo-go writes) instead of lowerCamelCase JSON names. */
  readonly useProtoFieldName?: boolean;
  /** Write enum values as numbers instead of names. */
  readonly enumAsInteger?: boolean;
  /** Resolves the type URLs of `google.protobuf.Any` values. */
  readonly registry?: TypeRegistry;
  /** Indentation for `toJsonString`; 0 (default) writes compact JSON. */
  readonly prettySpaces?: number;
}

/** Options for reading proto3 JSON. */
export interface JsonReadOptions {
  /** Skip object keys and enum names the schema does not know instead of failing. */
  readonly ignoreUnknownFields?: boolean;
  /** Resolves the type URLs of `google.protobuf.Any` values. */
  readonly registry?: TypeRegistry;
  /** Deepest nesting of messages accepted, to bound recursion; default 100. */
  readonly maxDepth?: number;
}

/**
 * Looks up message codecs by fully-qualified name, e.g. to pack and unpack `google.protobuf.Any`, and
 * extensions, for the `"[pkg.ext]"` keys of JSON. The extension lookups are optional so that a
 * registry of messages alone (`{ getMessage }`) stays a registry; without them JSON has no extensions.
 */
export interface TypeRegistry {
  getMessage(typeName: string): MessageCodec<object> | undefined;
  /** The extension of this fully-qualified name (`pkg.ext`, `pkg.Msg.ext` when nested). */
  getExtension?(typeName: string): ExtensionCodec | undefined;
  /** The extension of message type `extendee` with this field number. */
  getExtensionFor?(extendee: string, number: number): ExtensionCodec | undefined;
}

/**
 * What the runtime needs of one extension (the `Extension` every generated `extend` field is, which
 * adds the extended message's type). Extension values live in the extended message's `$unknown` as
 * their wire records, so binary encoding and decoding never look at extensions; these functions move a
 * value between those records and a holder `{ value }`: `read` reads records (all of one field number)
 * into it, `write` writes it as records, `toJson` stores it under `"[typeName]"` in a JSON object and
 * `readJson` reads it from that key's JSON value. `read` and `readJson` are the same generated code as a
 * message field's.
 */
export interface ExtensionCodec<V = unknown> {
  /** Fully-qualified name of the extension field, e.g. `pkg.ext` (its JSON key is `[pkg.ext]`). */
  readonly typeName: string;
  /** Fully-qualified name of the message type it extends. */
  readonly extendee: string;
  /** Field number. */
  readonly number: number;
  /** Is it a repeated field (its holder starts as `[]`)? */
  readonly repeated: boolean;
  /** The value of an unset extension: its `[default = …]` or zero value, `[]`, or an empty message. */
  defaultValue(): V;
  read(reader: BinaryReader, end: number, depth: number, holder: ExtensionHolder<V>): void;
  write(holder: ExtensionHolder<V>, writer: BinaryWriter): void;
  toJson(holder: ExtensionHolder<V>, options: JsonWriteOptions | undefined, json: JsonObject): void;
  readJson(json: JsonValue, options: JsonReadOptions, depth: number, holder: ExtensionHolder<V>): void;
}

/** An extension value on its way to or from wire records: unset is `undefined` (or `[]` when repeated). */
export interface ExtensionHolder<V> {
  value: V | undefined;
  $unknown?: Uint8Array;
}
