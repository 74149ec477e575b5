import { ProtobufError } from "./protobuf-error.js";

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decoding table: standard and URL-safe alphabets both map to their 6-bit values; -1 is invalid. */
const base64DecodeTable: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) table[base64Alphabet.charCodeAt(i)] = i;
  table[45] = 62; // '-'
  table[95] = 63; // '_'
  return table;
})();

/** The part of Node's `Buffer` that base64-encodes a view without copying it. */
interface Base64NodeBuffer {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: "base64"): string };
}

/** Node's `Buffer` where there is one (not in browsers), for its native base64 encoder. */
const base64NodeBuffer: Base64NodeBuffer | undefined = (globalThis as { Buffer?: Base64NodeBuffer }).Buffer;

/**
 * Encodes bytes as standard base64 with padding: the proto3 JSON form of `bytes`, and the form of
 * binary metadata (`-bin` headers). Uses Node's native encoder when there is one; written out
 * otherwise, so the generated code does not need `Buffer`.
 */
export function base64Encode(bytes: Uint8Array): string {
  if (base64NodeBuffer !== undefined) return base64NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
  const n = bytes.length;
  const codes: number[] = new Array<number>(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    codes[o++] = base64Alphabet.charCodeAt(v >>> 18);
    codes[o++] = base64Alphabet.charCodeAt((v >>> 12) & 63);
    codes[o++] = base64Alphabet.charCodeAt((v >>> 6) & 63);
    codes[o++] = base64Alphabet.charCodeAt(v & 63);
  }
  if (i < n) {
    const b1 = i + 1 < n ? (bytes[i + 1] as number) : 0;
    const v = ((bytes[i] as number) << 16) | (b1 << 8);
    codes[o++] = base64Alphabet.charCodeAt(v >>> 18);
    codes[o++] = base64Alphabet.charCodeAt((v >>> 12) & 63);
    codes[o++] = i + 1 < n ? base64Alphabet.charCodeAt((v >>> 6) & 63) : 61;
    codes[o++] = 61; // '='
  }
  // One flat string (no concatenation rope); chunked to stay within argument-count limits.
  if (codes.length <= 8192) return String.fromCharCode.apply(null, codes);
  let out = "";
  for (let c = 0; c < codes.length; c += 8192) out += String.fromCharCode.apply(null, codes.slice(c, c + 8192));
  return out;
}

/**
 * Decodes standard or URL-safe base64, with or without padding (all accepted by proto3 JSON and by
 * gRPC metadata). Throws {@link ProtobufError} on any other character or an impossible length.
 */
export function base64Decode(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--; // strip '=' padding
  if (text.length - end > 2 || end % 4 === 1) throw new ProtobufError("invalid base64 string");
  if (text.length % 4 !== 0 && text.length !== end) throw new ProtobufError("invalid base64 padding");
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  const table = base64DecodeTable;
  let o = 0;
  let i = 0;
  // Whole groups of four characters, three bytes each. An invalid character's -1 sets the sign bit.
  for (; i + 3 < end; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 128) throw new ProtobufError("invalid base64 string");
    const v = ((table[c0] as number) << 18) | ((table[c1] as number) << 12) | ((table[c2] as number) << 6) | (table[c3] as number);
    if (v < 0) throw new ProtobufError("invalid base64 string");
    out[o] = v >>> 16;
    out[o + 1] = v >>> 8;
    out[o + 2] = v;
    o += 3;
  }
  // The last two or three characters (unpadded or before the padding).
  let bits = 0;
  let count = 0;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (base64DecodeTable[c] as number) : -1;
    if (v < 0) throw new ProtobufError("invalid base64 string");
    bits = (bits << 6) | v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[o++] = (bits >>> count) & 0xff;
    }
  }
  return out;
}
