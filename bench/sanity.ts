// Cross-checks run before anything is timed, so the benchmark never measures broken code:
//  - binary: every implementation's encoding of the sample decodes, in every implementation, to
//    exactly what that implementation decodes from its own encoding, and tristub decodes each
//    encoding to the original sample data;
//  - JSON: every implementation's JSON text parses to the same JSON value as tristub's, and every
//    implementation reads both its own and tristub's JSON back to the original data.
import { isDeepStrictEqual } from "node:util";
import { type OrderData, orderData } from "./data.ts";
import type { Impl, TristubOrderCodec } from "./impls.ts";

/**
 * Copies a value with every Uint8Array subclass (Node's Buffer, which protobufjs's encoder returns and
 * whose slices other decoders keep) turned into a plain Uint8Array, keeping object prototypes.
 */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") {
    const out = Object.create(Object.getPrototypeOf(v) as object) as Record<string, unknown>;
    for (const k of Object.keys(v)) out[k] = normalize((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** The first path at which a and b differ (Buffer and Uint8Array of equal bytes are equal), for error messages. */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  a = normalize(a);
  b = normalize(b);
  if (isDeepStrictEqual(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `${path}: ${show(a)} !== ${show(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return `${path}: differs in non-enumerable state`;
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `${v.constructor.name}(${v.length})`;
  if (typeof v === "object" && v !== null) return `${v.constructor?.name ?? "Object"} ${JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x))}`;
  return JSON.stringify(v) ?? String(v);
}

/** Sorts object keys recursively so that JSON values compare independently of key order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export interface SanityReport {
  /** Encoded size per implementation, bytes. */
  readonly binarySizes: Map<string, number>;
  /** JSON text size per implementation, characters. */
  readonly jsonSizes: Map<string, number>;
  /** Human-readable lines about what was checked. */
  readonly notes: string[];
}

export function checkSanity(impls: readonly Impl[], tristubOrder: TristubOrderCodec): SanityReport {
  const failures: string[] = [];
  const notes: string[] = [];
  const want: OrderData = orderData();
  const viaTristub = (bytes: Uint8Array, what: string): void => {
    const d = firstDifference(tristubOrder.decode(bytes), want);
    if (d !== undefined) failures.push(`${what}: tristub decodes it to something else than the sample (${d})`);
  };

  // Binary.
  const encoded = new Map<string, Uint8Array>();
  for (const impl of impls) encoded.set(impl.key, impl.encode(impl.message));
  for (const y of impls) {
    const own = y.decode(encoded.get(y.key)!);
    for (const x of impls) {
      if (x === y) continue;
      const d = firstDifference(y.decode(encoded.get(x.key)!), own);
      if (d !== undefined) failures.push(`binary: ${y.key} decodes ${x.key}'s encoding differently from its own (${d})`);
    }
    // The decoded value must also re-encode to bytes tristub reads as the sample.
    viaTristub(encoded.get(y.key)!, `binary: ${y.key}'s encoding`);
    viaTristub(y.encode(own), `binary: ${y.key}'s re-encoding of its decode`);
  }
  // tristub documents decoded bytes fields as copies; check that holds for Buffer input too.
  const input = Buffer.from(encoded.get("tristub")!);
  const fromBuffer = tristubOrder.decode(input) as { checksum: Uint8Array };
  const aliases = fromBuffer.checksum.length > 0 && fromBuffer.checksum.buffer === input.buffer;
  if (fromBuffer.checksum.constructor !== Uint8Array || aliases) {
    notes.push(
      `FINDING: tristub's Order.decode(buffer) returns a bytes field as a ${fromBuffer.checksum.constructor.name}` +
        (aliases ? " that aliases the input Buffer" : " (a copy, but not a plain Uint8Array)"),
    );
  }
  const sizes = new Set([...encoded.values()].map((b) => b.length));
  if (sizes.size !== 1) failures.push(`binary: encoded sizes differ: ${[...encoded].map(([k, b]) => `${k}=${b.length}`).join(", ")}`);
  const identical = [...encoded.values()].every((b) => Buffer.compare(b, encoded.get("tristub")!) === 0);
  notes.push(
    `binary: ${impls.length}×${impls.length} cross-decodes equal; all encodings ${encoded.get("tristub")!.length} bytes, ` +
      (identical ? "byte-identical" : "same size (field/map order may differ)"),
  );

  // JSON.
  const tristubText = tristubOrder.toJsonString(impls.find((i) => i.key === "tristub")!.message);
  const canonicalJson = canonical(JSON.parse(tristubText));
  const jsonSizes = new Map<string, number>();
  for (const impl of impls) {
    const text = impl.toJsonText(impl.message);
    jsonSizes.set(impl.key, text.length);
    const d = firstDifference(canonical(JSON.parse(text)), canonicalJson);
    if (d !== undefined) failures.push(`json: ${impl.key}'s JSON differs from tristub's (${d})`);
    viaTristub(impl.encode(impl.fromJsonText(text)), `json: ${impl.key} reading its own JSON`);
    viaTristub(impl.encode(impl.fromJsonText(tristubText)), `json: ${impl.key} reading tristub's JSON`);
  }
  notes.push(`json: all ${impls.length} JSON texts are the same JSON value (${tristubText.length} chars), and every implementation reads its own and tristub's back to the sample`);

  if (failures.length > 0) throw new Error("bench: sanity check failed:\n  " + failures.join("\n  "));
  return { binarySizes: new Map([...encoded].map(([k, b]) => [k, b.length])), jsonSizes, notes };
}
