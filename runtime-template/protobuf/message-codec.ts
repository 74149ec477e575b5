import type { BinaryDecodeOptions, MessageCodec, MessageWithUnknown } from "./message-type.js";
import { protobufDefaultMaxDepth } from "./limits.js";
import { ProtobufError } from "./protobuf-error.js";
import { BinaryReader } from "./wire-reader.js";
import { BinaryWriter } from "./wire-writer.js";

let protobufSharedWriter: BinaryWriter | undefined;

/**
 * The writer `encode()` serializes into, reset for a new message. One is shared because encoding is
 * synchronous and not re-entrant; `finish()` copies the bytes out and drops oversized buffers.
 */
export function protobufWriter(): BinaryWriter {
  if (protobufSharedWriter === undefined) protobufSharedWriter = new BinaryWriter();
  protobufSharedWriter.reset();
  return protobufSharedWriter;
}

/** Encodes a message with its codec: the body of every generated `encode()`. */
export function protobufEncode<T extends object>(codec: MessageCodec<T>, message: T): Uint8Array {
  const writer = protobufWriter();
  try {
    codec.write(message, writer);
  } catch (error) {
    writer.reset();
    throw protobufStackOverflow(error, codec.typeName, "encode");
  }
  return writer.finish();
}


/** Decodes a whole buffer with a codec: the body of every generated `decode()`. */
export function protobufDecode<T extends object>(
  codec: MessageCodec<T>,
  bytes: Uint8Array,
  options: BinaryDecodeOptions | undefined,
): T {
  const reader = new BinaryReader(bytes, options?.maxDepth ?? protobufDefaultMaxDepth);
  try {
    return codec.read(reader, reader.end, 0, undefined, 0);
  } catch (error) {
    throw protobufStackOverflow(error, codec.typeName, "decode");
  }
}

/**
 * Decodes the message in `buf[start, end)` with `reader` (pointed at that range first), without a view
 * of the bytes: how the RPC runtime decodes payloads straight out of received chunks, one reader per call.
 */
export function protobufDecodeRange<T extends object>(codec: MessageCodec<T>, reader: BinaryReader, buf: Uint8Array, start: number, end: number): T {
  reader.reset(buf);
  reader.pos = start;
  reader.end = end;
  try {
    return codec.read(reader, end, 0, undefined, 0);
  } catch (error) {
    throw protobufStackOverflow(error, codec.typeName, "decode");
  }
}

/**
 * Turns a stack overflow into a {@link ProtobufError} and returns any other error unchanged. Nesting is
 * bounded by `maxDepth` (default 100), far below what the stack holds, so only a caller who raised the
 * limit (or built a message deeper than it by hand) can get here; they still get the codec's one error
 * class instead of a RangeError.
 */
export function protobufStackOverflow(error: unknown, typeName: string, what: string): unknown {
  const overflow =
    (error instanceof RangeError && /stack/i.test(error.message)) ||
    (error instanceof Error && error.name === "InternalError" && /recursion/i.test(error.message));
  if (!overflow) return error;
  return new ProtobufError(`${typeName}: message nesting too deep to ${what}: ${(error as Error).message}`, { cause: error });
}

/** Fails a decode nested deeper than the reader allows. */
export function protobufDepthError(typeName: string, maxDepth: number): ProtobufError {
  return new ProtobufError(`${typeName}: message nesting exceeds the maximum depth of ${maxDepth}`);
}

/** Fails a decode where a declared field arrives with a wire type that does not match its type. */
export function protobufWireTypeError(typeName: string, tag: number): ProtobufError {
  return new ProtobufError(`${typeName}: field ${tag >>> 3} has unexpected wire type ${tag & 7}`);
}

/** Accepts the END_GROUP tag of the group being read, and fails on any other. */
export function protobufEndGroup(tag: number, group: number, typeName: string): void {
  if (group === 0 || tag >>> 3 !== group) {
    throw new ProtobufError(`${typeName}: unexpected end-group tag for field ${tag >>> 3}`);
  }
}

/** Checks that a message, packed list or map entry ended exactly at its length and not mid-group. */
export function protobufCheckEnd(reader: BinaryReader, end: number, group: number, typeName: string): void {
  if (reader.pos !== end) {
    throw new ProtobufError(`${typeName}: a field runs past the end of its enclosing message`);
  }
  if (group !== 0) {
    throw new ProtobufError(`${typeName}: premature end of input: missing end-group tag for field ${group}`);
  }
}

/** Skips a field the schema does not declare and keeps its bytes (canonical tag + payload). */
export function protobufUnknown(reader: BinaryReader, message: MessageWithUnknown, tag: number, depth: number): void {
  const start = reader.pos;
  reader.skip(tag & 7, tag >>> 3, depth);
  protobufUnknownBytes(message, tag, reader.buf.subarray(start, reader.pos));
}

/** Keeps a closed enum's undeclared value as an unknown varint field, as protobuf requires. */
export function protobufUnknownVarint(message: MessageWithUnknown, fieldNo: number, value: number): void {
  const writer = new BinaryWriter(16);
  writer.int32(value);
  protobufUnknownBytes(message, (fieldNo << 3) >>> 0, writer.finish());
}

/**
 * How much of each buffer that backs a `$unknown` this runtime built is in use: an append may write
 * past that point in place. Bytes a `$unknown` view already covers are never written again.
 */
const protobufUnknownUsed = new WeakMap<ArrayBufferLike, number>();

/**
 * Appends one unknown field — its tag, then its payload bytes (copied) — to `message.$unknown`. The
 * backing buffer grows geometrically, so a message of n unknown fields decodes in O(n), not O(n²).
 */
export function protobufUnknownBytes(message: MessageWithUnknown, tag: number, payload: Uint8Array): void {
  let tagLength = 1;
  for (let t = tag >>> 7; t !== 0; t >>>= 7) tagLength++;
  const add = tagLength + payload.length;
  const old = message.$unknown;
  const size = old === undefined ? 0 : old.length;
  let out: Uint8Array;
  if (
    old !== undefined &&
    protobufUnknownUsed.get(old.buffer) === old.byteOffset + size &&
    old.byteOffset + size + add <= old.buffer.byteLength
  ) {
    out = new Uint8Array(old.buffer, old.byteOffset, size + add);
  } else {
    out = new Uint8Array(old === undefined ? add : Math.max(size + add, size * 2)).subarray(0, size + add);
    if (old !== undefined) out.set(old);
  }
  let pos = size;
  let t = tag >>> 0;
  while (t > 0x7f) {
    out[pos++] = (t & 0x7f) | 0x80;
    t >>>= 7;
  }
  out[pos++] = t;
  out.set(payload, pos);
  protobufUnknownUsed.set(out.buffer, out.byteOffset + out.length);
  message.$unknown = out;
}

/**
 * Sets `key` on a plain object as an own property: a decoded map entry, a JSON object member. A key
 * `__proto__` is defined instead of assigned (assigning would replace the object's prototype).
 */
export function protobufMapSet<V>(map: { [key: string]: V }, key: string, value: V): void {
  if (key === "__proto__") {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}

/**
 * The value of unset `bytes` fields: one shared empty array instead of an allocation per message
 * (a zero-length array has nothing to mutate).
 */
export const protobufEmptyBytes: Uint8Array = new Uint8Array(0);
