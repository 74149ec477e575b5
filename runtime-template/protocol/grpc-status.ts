import { base64Decode, base64Encode } from "../protobuf/base64.js";
import { Code, codeFromGrpcStatus } from "./status-code.js";
import { TripleError, type ErrorDetail } from "./triple-error.js";
import { BinaryReader } from "../protobuf/wire-reader.js";
import { BinaryWriter } from "../protobuf/wire-writer.js";

const grpcHex = "0123456789ABCDEF";

/**
 * Percent-encodes a `grpc-message`: UTF-8 bytes outside 0x20..0x7E, `%`, and also `+` (which the
 * Java client would otherwise decode as a space) become `%XX`.
 */
export function grpcPercentEncode(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25 || c === 0x2b) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = "";
  for (const byte of new TextEncoder().encode(message)) {
    if (byte < 0x20 || byte > 0x7e || byte === 0x25 || byte === 0x2b) {
      out += "%" + grpcHex[byte >> 4] + grpcHex[byte & 15];
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return out;
}

/**
 * Decodes a `grpc-message` leniently, as gRPC requires: `%XX` escapes become bytes, malformed escapes
 * and raw characters stay as they are, and invalid UTF-8 becomes U+FFFD.
 */
export function grpcPercentDecode(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const codePoint = value.codePointAt(i) as number;
      bytes.push(...new TextEncoder().encode(String.fromCodePoint(codePoint)));
      if (codePoint > 0xffff) i++;
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** Serializes a `google.rpc.Status` (code, message, details) for `grpc-status-details-bin`. */
export function grpcStatusDetailsEncode(code: number, message: string, details: readonly ErrorDetail[]): string {
  const writer = new BinaryWriter(64);
  if (code !== 0) {
    writer.uint32(8);
    writer.int32(code);
  }
  if (message.length > 0) {
    writer.uint32(18);
    writer.string(message);
  }
  for (const detail of details) {
    writer.uint32(26);
    const start = writer.fork();
    writer.uint32(10);
    writer.string(detail.typeUrl);
    writer.uint32(18);
    writer.bytes(detail.value);
    writer.join(start);
  }
  return base64Encode(writer.finish()).replace(/=+$/, "");
}

/** Parses `grpc-status-details-bin` (padded or unpadded base64 of `google.rpc.Status`). */
export function grpcStatusDetailsDecode(value: string): { code: number; message: string; details: ErrorDetail[] } {
  const reader = new BinaryReader(base64Decode(value.trim()));
  let code = 0;
  let message = "";
  const details: ErrorDetail[] = [];
  while (reader.pos < reader.end) {
    const tag = reader.uint32();
    if (tag === 8) code = reader.int32();
    else if (tag === 18) message = reader.stringLossy();
    else if (tag === 26) {
      const end = reader.lengthEnd();
      let typeUrl = "";
      let bytes: Uint8Array = new Uint8Array(0);
      while (reader.pos < end) {
        const inner = reader.uint32();
        if (inner === 10) typeUrl = reader.stringLossy();
        else if (inner === 18) bytes = reader.bytes();
        else reader.skip(inner & 7, inner >>> 3, 0);
      }
      details.push({ typeUrl, value: bytes });
    } else reader.skip(tag & 7, tag >>> 3, 0);
  }
  return { code, message, details };
}

/** Trailer fields that carry a status: what a server sends and a client reads. */
export interface GrpcStatusFields {
  readonly [name: string]: string | string[] | number | undefined;
}

/**
 * Reads the status of a finished call from trailers (or a trailers-only response). Returns undefined
 * for OK, a {@link TripleError} otherwise, and INTERNAL when `grpc-status` is missing.
 * `grpc-status-details-bin` wins over the plain fields when it parses, as dubbo-go and grpc do.
 * `metadata` builds the error's metadata, so an OK status costs no `Headers`.
 */
export function grpcStatusFromTrailers(fields: GrpcStatusFields, metadata: () => Headers): TripleError | undefined {
  const status = grpcFirst(fields["grpc-status"]);
  if (status === undefined) {
    return new TripleError(Code.INTERNAL, "protocol error: missing grpc-status trailer", { metadata: metadata() });
  }
  const code = codeFromGrpcStatus(status);
  if (code === Code.OK) return undefined;
  let message = grpcPercentDecode(grpcFirst(fields["grpc-message"]) ?? "");
  let details: ErrorDetail[] = [];
  const bin = grpcFirst(fields["grpc-status-details-bin"]);
  if (bin !== undefined) {
    try {
      const parsed = grpcStatusDetailsDecode(bin);
      details = parsed.details;
      if (parsed.message.length > 0) message = parsed.message;
    } catch {
      // A corrupt details header must not hide the status itself.
    }
  }
  return new TripleError(code as Code, message, { metadata: metadata(), details });
}

function grpcFirst(value: string | string[] | number | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value);
}
