import { base64Encode } from "../protobuf/base64.js";

// Helpers of the generated `writeJson` methods, which write compact proto3 JSON text directly (no
// intermediate JSON object, no `JSON.stringify` of it). Each returns exactly the text that
// `JSON.stringify` writes for the value the matching `toJson` conversion returns.

/** Characters `JSON.stringify` escapes: `"`, `\`, C0 controls, and (when lone) UTF-16 surrogates. */
const jsonTextNeedsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as a JSON string literal, exactly as `JSON.stringify` writes it. Strings with nothing to
 * escape (the common case) are just quoted, which is about twice as fast as calling `JSON.stringify`;
 * anything else (quotes, backslashes, control characters, any surrogate) goes through it.
 */
export function jsonTextString(value: string): string {
  return jsonTextNeedsEscape.test(value) ? JSON.stringify(value) : '"' + value + '"';
}

/**
 * A string's JSON text without its quotes: the string itself when there is nothing to escape (no
 * copy), else the inside of `JSON.stringify`'s literal. The generated writers put the quotes into
 * their key constants.
 */
export function jsonTextStringBody(value: string): string {
  return jsonTextNeedsEscape.test(value) ? JSON.stringify(value).slice(1, -1) : value;
}

/** A 32-bit integer (or any number `toJson` writes as is): `null` for NaN and ±Infinity, as JSON has it. */
export function jsonTextNumber(value: number): string {
  return value - value === 0 ? "" + value : "null";
}

/** A float or double: non-finite values as the quoted strings proto3 JSON prescribes; -0 as `0`. */
export function jsonTextFloat(value: number): string {
  if (value - value === 0) return "" + value;
  return value !== value ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"';
}

/** Bytes as a quoted standard, padded base64 string. */
export function jsonTextBytes(value: Uint8Array): string {
  return '"' + base64Encode(value) + '"';
}

/** An enum value as its quoted name, or as a number for undeclared values or when asked to. */
export function jsonTextEnum(names: { readonly [n: number]: string }, value: number, asInteger: boolean): string {
  if (!asInteger) {
    const name = names[value];
    if (name !== undefined) return jsonTextString(name);
  }
  return jsonTextNumber(value);
}

/** Whether an object (a map field) has an own enumerable key; cheaper than `Object.keys(…).length`. */
export function jsonHasKeys(object: object): boolean {
  for (const key in object) {
    if (Object.hasOwn(object, key)) return true;
  }
  return false;
}
