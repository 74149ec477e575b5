// Pieces both conformance programs share: the runner's stdin/stdout framing (4-byte big-endian length,
// then a binary protobuf message), header conversion between the runner's `Header` list and the
// runtime's `Headers`, `google.protobuf.Any` packing, and delays.
import type { Header } from "./gen/connectrpc/conformance/v1/service.js";
import type { Any } from "./gen/google/protobuf/any.js";
import type { MessageCodec } from "./gen/tristub-runtime.js";

/** Largest framed message accepted on stdin (the runner's messages are small; this bounds a bad length). */
const maxFrameBytes = 64 * 1024 * 1024;

/**
 * Reads length-prefixed messages from `input` until EOF, decoding each with `codec`. Throws on a frame
 * longer than 64 MiB or a stream that ends inside a frame.
 */
export async function* readFramed<T extends object>(input: NodeJS.ReadableStream, codec: MessageCodec<T>): AsyncGenerator<T> {
  let pending = Buffer.alloc(0);
  for await (const chunk of input) {
    pending = pending.length === 0 ? Buffer.from(chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > maxFrameBytes) throw new Error(`stdin frame of ${length} bytes exceeds ${maxFrameBytes}`);
      if (pending.length < 4 + length) break;
      const message = codec.decode(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
      yield message;
    }
  }
  if (pending.length > 0) throw new Error(`stdin ended inside a frame (${pending.length} bytes left)`);
}

/** Writes one length-prefixed message to stdout in a single write (so concurrent results never interleave). */
export function writeFramed<T extends object>(codec: MessageCodec<T>, message: T): Promise<void> {
  const body = codec.encode(message);
  const frame = Buffer.alloc(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, 4);
  return new Promise((resolve, reject) => process.stdout.write(frame, (error) => (error ? reject(error) : resolve())));
}

/** Packs `message` as a `google.protobuf.Any` with the usual `type.googleapis.com/` prefix. */
export function packAny<T extends object>(codec: MessageCodec<T>, message: T): Any {
  return { typeUrl: `type.googleapis.com/${codec.typeName}`, value: codec.encode(message) };
}

/** The fully-qualified type name an Any's URL names (everything after the last `/`). */
export function anyTypeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
}

/** Unpacks `any` as `codec`'s type; throws when the Any holds another type. */
export function unpackAny<T extends object>(any: Any, codec: MessageCodec<T>): T {
  const name = anyTypeName(any);
  if (name !== codec.typeName) throw new Error(`expected ${codec.typeName} in Any, got ${name}`);
  return codec.decode(any.value);
}

/** Converts runtime `Headers` into the runner's header list (one entry per name). */
export function headersToProto(headers: Headers | undefined): Header[] {
  const out: Header[] = [];
  headers?.forEach((value, name) => out.push({ name, value: [value] }));
  return out;
}

/** Appends the runner's header list to runtime `Headers` (every value of every header). */
export function appendProtoHeaders(target: Headers, headers: readonly Header[]): void {
  for (const header of headers) for (const value of header.value) target.append(header.name, value);
}

/** Resolves after `ms` milliseconds (at once for 0), or rejects when `signal` aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Writes a line to stderr (stdout carries the protocol). */
export function logError(line: string): void {
  process.stderr.write(`${line}\n`);
}
