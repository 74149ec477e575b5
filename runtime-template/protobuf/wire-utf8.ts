import { ProtobufError } from "./protobuf-error.js";

/**
 * Strict UTF-8 decoder for long strings in wireUtf8Decode().
 *
 * ignoreBOM keeps a leading U+FEFF: in protobuf it is text, not a byte-order
 * mark, and the manual short-string path keeps it too.
 */
const wireUtf8FatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Lossy UTF-8 decoder (invalid sequences become U+FFFD) for long strings in wireUtf8Decode(). */
const wireUtf8LossyDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Byte sequences shorter than this are decoded by the manual loop in
 * wireUtf8Decode(). Measured on Node 20, the loop beats TextDecoder up to
 * about 26 bytes and is ~10% slower at 32; browsers' TextDecoder calls cost
 * more, so the cut-off leans toward the loop.
 */
const WIRE_UTF8_SHORT = 32;

/**
 * Decodes the UTF-8 bytes buf[start, end) into a string, throwing
 * ProtobufError on invalid input when `fatal`, else replacing each maximal
 * invalid subpart with U+FFFD exactly like a non-fatal TextDecoder.
 *
 * Short strings, the vast majority of protobuf string fields, are decoded by
 * a manual loop into a pre-sized array of UTF-16 code units (one
 * String.fromCharCode.apply call, which beats both string concatenation and
 * calling into TextDecoder for a few bytes); overlongs, surrogates (U+D800..U+DFFF), code points above
 * U+10FFFF and truncated sequences are rejected, as the Encoding Standard
 * requires. A leading byte-order mark is preserved.
 */
export function wireUtf8Decode(buf: Uint8Array, start: number, end: number, fatal: boolean): string {
  if (end - start >= WIRE_UTF8_SHORT) {
    const bytes = buf.subarray(start, end);
    if (!fatal) return wireUtf8LossyDecoder.decode(bytes);
    try {
      return wireUtf8FatalDecoder.decode(bytes);
    } catch (e) {
      throw new ProtobufError("invalid utf-8 in string field", { cause: e });
    }
  }
  const n = end - start;
  if (n === 0) return "";
  if (n <= 8) {
    const ascii = wireUtf8Ascii8(buf, start, n);
    if (ascii !== undefined) return ascii;
  }
  // Each byte yields at most one UTF-16 code unit (4 bytes yield 2).
  const units = new Array<number>(n);
  let k = 0;
  let i = start;
  while (i < end) {
    const b0 = buf[i++]!;
    if (b0 < 0x80) {
      units[k++] = b0;
      continue;
    }
    let need: number;
    let cp: number;
    // Bounds for the first continuation byte; they exclude overlongs,
    // surrogates and code points above U+10FFFF.
    let lower = 0x80;
    let upper = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      if (b0 === 0xe0) lower = 0xa0;
      else if (b0 === 0xed) upper = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      if (b0 === 0xf0) lower = 0x90;
      else if (b0 === 0xf4) upper = 0x8f;
    } else {
      if (fatal) throw new ProtobufError("invalid utf-8 in string field");
      units[k++] = 0xfffd;
      continue;
    }
    for (; need > 0; need--) {
      // A bad continuation byte is not consumed: it may start the next sequence.
      if (i >= end) break;
      const b = buf[i]!;
      if (b < lower || b > upper) break;
      i++;
      cp = (cp << 6) | (b & 0x3f);
      lower = 0x80;
      upper = 0xbf;
    }
    if (need > 0) {
      if (fatal) throw new ProtobufError("invalid utf-8 in string field");
      units[k++] = 0xfffd;
    } else if (cp < 0x10000) {
      units[k++] = cp;
    } else {
      cp -= 0x10000;
      units[k++] = (cp >> 10) | 0xd800;
      units[k++] = (cp & 0x3ff) | 0xdc00;
    }
  }
  if (k !== n) units.length = k;
  return String.fromCharCode.apply(null, units);
}

/**
 * Encodes `s` as UTF-8 into `buf` at offset `pos`, returning the offset after
 * the last byte written; `buf` must have room for 3 bytes per UTF-16 code
 * unit. Lone surrogates become U+FFFD (EF BF BD), exactly as TextEncoder does.
 *
 * BinaryWriter.string() uses this for short strings, where a plain loop is
 * cheaper than calling TextEncoder.encodeInto() with a subarray.
 */
export function wireUtf8Encode(s: string, buf: Uint8Array, pos: number): number {
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = (c >> 6) | 0xc0;
      buf[pos++] = (c & 63) | 0x80;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[pos++] = (c >> 18) | 0xf0;
          buf[pos++] = ((c >> 12) & 63) | 0x80;
          buf[pos++] = ((c >> 6) & 63) | 0x80;
          buf[pos++] = (c & 63) | 0x80;
          continue;
        }
        c = 0xfffd;
      }
      buf[pos++] = (c >> 12) | 0xe0;
      buf[pos++] = ((c >> 6) & 63) | 0x80;
      buf[pos++] = (c & 63) | 0x80;
    }
  }
  return pos;
}

/**
 * Decodes 1 to 8 bytes that are all ASCII with one `String.fromCharCode` call of fixed arity (no
 * array, no apply: about 40% faster than the general loop for such strings, the most common
 * protobuf strings); undefined when a byte is not ASCII.
 */
function wireUtf8Ascii8(buf: Uint8Array, i: number, n: number): string | undefined {
  for (let j = i; j < i + n; j++) if (buf[j]! >= 0x80) return undefined;
  const c = String.fromCharCode;
  switch (n) {
    case 1:
      return c(buf[i]!);
    case 2:
      return c(buf[i]!, buf[i + 1]!);
    case 3:
      return c(buf[i]!, buf[i + 1]!, buf[i + 2]!);
    case 4:
      return c(buf[i]!, buf[i + 1]!, buf[i + 2]!, buf[i + 3]!);
    case 5:
      return c(buf[i]!, buf[i + 1]!, buf[i + 2]!, buf[i + 3]!, buf[i + 4]!);
    case 6:
      return c(buf[i]!, buf[i + 1]!, buf[i + 2]!, buf[i + 3]!, buf[i + 4]!, buf[i + 5]!);
    case 7:
      return c(buf[i]!, buf[i + 1]!, buf[i + 2]!, buf[i + 3]!, buf[i + 4]!, buf[i + 5]!, buf[i + 6]!);
    default:
      return c(buf[i]!, buf[i + 1]!, buf[i + 2]!, buf[i + 3]!, buf[i + 4]!, buf[i + 5]!, buf[i + 6]!, buf[i + 7]!);
  }
}
