import { Code } from "../status-code.js";
import { TripleError } from "../triple-error.js";

// gRPC-Web (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): gRPC envelopes over any
// HTTP version, with the trailers as the last envelope of the body (flag 0x80, an HTTP/1-style header
// block) so that browsers, which cannot read HTTP trailers, see the status. Pure (no node:*).

/** Envelope flag bit of the trailer frame (`0x80`; `0x81` is a compressed trailer frame). */
export const grpcWebFlagTrailers = 0x80;

/** What a gRPC-Web content type says: base64 text (`grpc-web-text`) or binary, and the codec. */
export interface GrpcWebContentType {
  readonly text: boolean;
  readonly codec: "proto" | "json";
}

/**
 * Parses a gRPC-Web content type (parameters ignored, case-insensitive): `application/grpc-web`,
 * `…+proto`, `…+json`, and the base64 forms `application/grpc-web-text`, `…-text+proto`. Undefined for
 * anything else, including `grpc-web-text+json` (JSON is text already; no peer sends it).
 */
export function grpcWebParseContentType(value: string | undefined): GrpcWebContentType | undefined {
  if (value === undefined) return undefined;
  const base = (value.split(";")[0] ?? "").trim().toLowerCase();
  switch (base) {
    case "application/grpc-web":
    case "application/grpc-web+proto":
      return { text: false, codec: "proto" };
    case "application/grpc-web+json":
      return { text: false, codec: "json" };
    case "application/grpc-web-text":
    case "application/grpc-web-text+proto":
      return { text: true, codec: "proto" };
    default:
      return undefined;
  }
}

/** The response content type for a gRPC-Web request of this kind (the codec always named). */
export function grpcWebContentType(text: boolean, codec: "proto" | "json"): string {
  return text ? "application/grpc-web-text+proto" : `application/grpc-web+${codec}`;
}

/** A header value must not carry a line break (it would forge another trailer line). */
function grpcWebCheckValue(name: string, value: string): void {
  if (/[\r\n]/.test(value) || !/^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/.test(name)) {
    throw new TripleError(Code.INTERNAL, `invalid gRPC-Web trailer ${JSON.stringify(name)}`);
  }
}

/**
 * Encodes trailers as a gRPC-Web trailer block: `name: value\r\n` per value, names lower-case (as the
 * protocol requires). Throws INTERNAL on a name that is not an HTTP token or a value with CR/LF.
 */
export function grpcWebTrailersEncode(trailers: Headers | Readonly<Record<string, string | readonly string[]>>): Uint8Array {
  let text = "";
  const add = (value: string, name: string): void => {
    grpcWebCheckValue(name, value);
    text += `${name.toLowerCase()}: ${value}\r\n`;
  };
  if (trailers instanceof Headers) trailers.forEach(add);
  else {
    for (const [name, value] of Object.entries(trailers)) {
      if (typeof value === "string") add(value, name);
      else for (const v of value) add(v, name);
    }
  }
  return new TextEncoder().encode(text);
}

/** The whole trailer frame: flag 0x80, 4-byte length, the trailer block. */
export function grpcWebTrailerFrame(trailers: Headers | Readonly<Record<string, string | readonly string[]>>): Uint8Array {
  const block = grpcWebTrailersEncode(trailers);
  const frame = new Uint8Array(5 + block.length);
  frame[0] = grpcWebFlagTrailers;
  new DataView(frame.buffer).setUint32(1, block.length);
  frame.set(block, 5);
  return frame;
}

/**
 * Parses a trailer block (the payload of a 0x80 frame): lines `name: value` separated by CRLF (a bare
 * LF is accepted), names lower-cased (servers may send `Grpc-Status`), values trimmed, repeated names
 * appended. Empty lines are skipped. Throws INTERNAL on a line without a colon, an invalid name, or
 * bytes that are not UTF-8.
 */
export function grpcWebTrailersParse(block: Uint8Array): Headers {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(block);
  } catch (cause) {
    throw new TripleError(Code.INTERNAL, "protocol error: gRPC-Web trailers are not UTF-8", { cause });
  }
  const trailers = new Headers();
  for (const line of text.split("\n")) {
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (trimmed.trim().length === 0) continue;
    const colon = trimmed.indexOf(":");
    const name = colon < 0 ? "" : trimmed.slice(0, colon).trim().toLowerCase();
    if (name.length === 0 || !/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) {
      throw new TripleError(Code.INTERNAL, `protocol error: malformed gRPC-Web trailer line ${JSON.stringify(trimmed.slice(0, 64))}`);
    }
    trailers.append(name, trimmed.slice(colon + 1).trim());
  }
  return trailers;
}

/**
 * Classifies a gRPC-Web envelope by its flags: a message (bit 0 = compressed) or the trailer frame
 * (bit 7). Other bits are a protocol error (INTERNAL).
 */
export function grpcWebEnvelopeIsTrailers(flags: number): boolean {
  if ((flags & ~(grpcWebFlagTrailers | 0x01)) !== 0) {
    throw new TripleError(Code.INTERNAL, `protocol error: invalid gRPC-Web envelope flags 0x${flags.toString(16).padStart(2, "0")}`);
  }
  return (flags & grpcWebFlagTrailers) !== 0;
}
