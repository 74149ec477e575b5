import { type DescField, ScalarType } from "@bufbuild/protobuf";

/** Protobuf wire types. */
export const WireType = { varint: 0, bit64: 1, len: 2, startGroup: 3, endGroup: 4, bit32: 5 } as const;

/** How one scalar kind is typed, defaulted and put on the wire by generated code. */
export interface ScalarInfo {
  /** TypeScript type of a value. */
  readonly tsType: string;
  /**
   * Literal of the zero (default) value. For bytes it names the runtime's shared empty array, so
   * emitters must pass it through {@link zeroLiteral} to import it.
   */
  readonly zero: string;
  /** Wire type of a single value. */
  readonly wireType: number;
  /** Method of `BinaryWriter` / `BinaryReader` for this kind. */
  readonly method: string;
  /** Bytes per element when the encoding has a fixed width (packed lengths need no fork then). */
  readonly fixedWidth?: number;
  /** Expression that is true when `v` must be written under implicit presence. */
  notZero(v: string): string;
  /** Converts a value to what the writer method takes (string-typed 64-bit integers → bigint). */
  toWire?(v: string): string;
  /** Converts what the reader method returns to the value's type (bigint → string). */
  fromWire?(expr: string): string;
}

const int32Like = (method: string): ScalarInfo => ({
  tsType: "number",
  zero: "0",
  wireType: WireType.varint,
  method,
  notZero: (v) => `${v} !== 0`,
});
const int64Like = (method: string, wireType: number, fixedWidth?: number): ScalarInfo => ({
  tsType: "bigint",
  zero: "0n",
  wireType,
  method,
  ...(fixedWidth !== undefined ? { fixedWidth } : {}),
  notZero: (v) => `${v} !== 0n`,
});
const floatLike = (method: string, wireType: number, fixedWidth: number): ScalarInfo => ({
  tsType: "number",
  zero: "0",
  wireType,
  method,
  fixedWidth,
  // -0 is not the zero value: like protobuf-es and C++, write it.
  notZero: (v) => `(${v} !== 0 || 1 / ${v} < 0)`,
});

const table: Record<ScalarType, ScalarInfo> = {
  [ScalarType.DOUBLE]: floatLike("double", WireType.bit64, 8),
  [ScalarType.FLOAT]: floatLike("float", WireType.bit32, 4),
  [ScalarType.INT64]: int64Like("int64", WireType.varint),
  [ScalarType.UINT64]: int64Like("uint64", WireType.varint),
  [ScalarType.INT32]: int32Like("int32"),
  [ScalarType.FIXED64]: int64Like("fixed64", WireType.bit64, 8),
  [ScalarType.FIXED32]: { ...int32Like("fixed32"), wireType: WireType.bit32, fixedWidth: 4 },
  [ScalarType.BOOL]: {
    tsType: "boolean",
    zero: "false",
    wireType: WireType.varint,
    method: "bool",
    notZero: (v) => `${v} !== false`,
  },
  [ScalarType.STRING]: {
    tsType: "string",
    zero: '""',
    wireType: WireType.len,
    method: "string",
    notZero: (v) => `${v} !== ""`,
  },
  [ScalarType.BYTES]: {
    tsType: "Uint8Array",
    zero: "protobufEmptyBytes",
    wireType: WireType.len,
    method: "bytes",
    notZero: (v) => `${v}.length !== 0`,
  },
  [ScalarType.UINT32]: int32Like("uint32"),
  [ScalarType.SFIXED32]: { ...int32Like("sfixed32"), wireType: WireType.bit32, fixedWidth: 4 },
  [ScalarType.SFIXED64]: int64Like("sfixed64", WireType.bit64, 8),
  [ScalarType.SINT32]: int32Like("sint32"),
  [ScalarType.SINT64]: int64Like("sint64", WireType.varint),
};

/** The generation facts of a scalar kind. */
export function scalarInfo(type: ScalarType): ScalarInfo {
  return table[type];
}

/** Facts for enum values, which travel as int32 varints. */
export const enumWire: ScalarInfo = int32Like("int32");

/** The varint tag value of a field number and wire type. */
export function tagOf(fieldNo: number, wireType: number): number {
  return ((fieldNo << 3) | wireType) >>> 0;
}

/** Can a value of this kind be packed (all but strings, bytes and messages)? */
export function isPackable(type: ScalarType): boolean {
  return type !== ScalarType.STRING && type !== ScalarType.BYTES;
}

/** A proto default value (proto2 `[default = …]`) as a TypeScript literal. */
export function literalOf(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (value === Infinity) return "Infinity";
    if (value === -Infinity) return "-Infinity";
    if (Object.is(value, -0)) return "-0";
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return String(value);
  if (value instanceof Uint8Array) return `new Uint8Array([${[...value].join(", ")}])`;
  throw new Error(`unsupported default value ${String(value)}`);
}

/** The zero value of a scalar kind as an expression, importing the shared empty bytes when needed. */
export function zeroLiteral(type: ScalarType, rt: (name: string) => string): string {
  const zero = scalarInfo(type).zero;
  return zero === "protobufEmptyBytes" ? rt(zero) : zero;
}

/**
 * Is this a 64-bit integer field typed as a decimal `string` (`[jstype = JS_STRING]`), as protobuf-es
 * v2 does (`longAsString`)? Singular and repeated scalars only; map values ignore jstype there too.
 * `JS_NUMBER` keeps `bigint`, like protobuf-es v2: a JS number cannot hold every 64-bit value.
 */
export function isLongAsString(field: DescField): boolean {
  if (field.fieldKind === "scalar") return field.longAsString;
  return field.fieldKind === "list" && field.listKind === "scalar" && field.longAsString;
}

/** The scalar info of a scalar or repeated-scalar field, honouring `[jstype = JS_STRING]`. */
export function fieldScalarInfo(field: DescField & { scalar: ScalarType }): ScalarInfo {
  const info = scalarInfo(field.scalar);
  if (!isLongAsString(field)) return info;
  return {
    ...info,
    tsType: "string",
    zero: `"0"`,
    // Compared as numbers, so "00" or "-0" count as zero too.
    notZero: (v) => `BigInt(${v}) !== 0n`,
    toWire: (v) => `BigInt(${v})`,
    fromWire: (expr) => `${expr}.toString()`,
  };
}
