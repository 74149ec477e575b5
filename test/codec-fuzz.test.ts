// Seeded, bounded fuzzing of the generated decoders of every fixture message type (and the well-known
// types they import): random bytes and mutated valid encodings go to `decode`, random and mutated JSON
// values to `fromJson`, mutated JSON text to `fromJsonString`. The only error any of them may throw is
// the concern's ProtobufError; whatever they accept must re-encode, and decode again to the same message.
//
// Reproduce a failure with the seed it prints: TRISTUB_FUZZ_SEED=<seed> npx vitest run test/codec-fuzz.test.ts
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { toBinary, type DescMessage } from "@bufbuild/protobuf";
import { beforeAll, describe, expect, test } from "vitest";
import { compileFixture, fixtureConcerns, snapshotsDir } from "./support/fixtures.js";
import { createRng, esLocalNamesCollide, plainDiff, randomMessage, type Rng } from "./support/random-message.js";

const seed = Number(process.env["TRISTUB_FUZZ_SEED"] ?? 0x7215b);
/** Iterations per decoder family. */
const binaryIterations = 20_000;
const jsonIterations = 20_000;
const jsonTextIterations = 5_000;
const seedsPerType = 6;

interface Codec {
  readonly typeName: string;
  encode(message: object): Uint8Array;
  decode(bytes: Uint8Array, options?: { maxDepth?: number }): object;
  toJson(message: object, options?: object): unknown;
  fromJson(json: unknown, options?: object): object;
  fromJsonString(json: string, options?: object): object;
}

interface Target {
  readonly concern: string;
  readonly codec: Codec;
  readonly error: new (...args: never[]) => Error;
  readonly registry: unknown;
  /** Valid encodings (from protobuf-es) and their JSON forms (from the codec, when it has one). */
  readonly binarySeeds: Uint8Array[];
  readonly jsonSeeds: unknown[];
  /** Numbers of length-delimited fields of the message's own type: where binary input can nest deeply. */
  readonly recursiveFields: number[];
  /** JSON keys of fields that can nest arbitrarily deep JSON (the message itself, Struct, Value, ListValue). */
  readonly deepJsonKeys: { readonly key: string; readonly shape: "object" | "array" }[];
}

const targets: Target[] = [];
/** Strings worth trying anywhere in JSON: names of enum values and fields, special forms, odd text. */
const jsonWords = new Set<string>([
  "", "0", "-0", "1", "-1", "01", "1.5", "1e2", "0x10", " 1", "NaN", "Infinity", "-Infinity", "nan", "true", "null",
  "2147483648", "-2147483649", "4294967296", "9223372036854775808", "18446744073709551616", "-9223372036854775808",
  "AQ==", "AQ", "-_8", "+/8=", "A", "AQ=", "!", "é", "\ud800", "😀", "__proto__", "constructor", "toString", "@type", "value",
  "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2021-02-30T00:00:00Z", "1970-01-01T00:00:00+25:00",
  "1s", "-0.5s", "315576000001s", "1.5", "fooBar", "foo_bar", "a,b", "type.googleapis.com/", "type.googleapis.com/google.protobuf.Duration",
  "type.googleapis.com/google.protobuf.Struct", "type.googleapis.com/google.protobuf.Empty", "type.googleapis.com/nowhere.Missing",
]);

async function loadTargets(): Promise<void> {
  for (const concern of fixtureConcerns()) {
    const dir = join(snapshotsDir, concern);
    const runtime = (await import(pathToFileURL(join(dir, "tristub-runtime.ts")).href)) as Record<string, unknown>;
    const registryModule = (await import(pathToFileURL(join(dir, "tristub-registry.ts")).href)) as Record<string, unknown>;
    const error = runtime["ProtobufError"] as Target["error"];
    const registry = registryModule["typeRegistry"];
    const { registry: files } = await compileFixture(concern);
    const modules = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.startsWith("tristub-"))
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
      .sort();
    for (const file of modules) {
      const module = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module).sort(([a], [b]) => a.localeCompare(b))) {
        if (!isCodec(value)) continue;
        const desc = files.getMessage(value.typeName);
        const rng = createRng(seed ^ hash(value.typeName));
        const binarySeeds: Uint8Array[] = [new Uint8Array(0)];
        const jsonSeeds: unknown[] = [{}];
        // protobuf-es cannot build messages whose members share a localName (see esLocalNamesCollide).
        if (desc !== undefined && !esLocalNamesCollide(desc)) {
          collectWords(desc);
          for (let i = 0; i < seedsPerType; i++) {
            const bytes = toBinary(desc, randomMessage(desc, rng));
            binarySeeds.push(bytes);
            try {
              jsonSeeds.push(value.toJson(value.decode(bytes), { registry }));
            } catch {
              // e.g. an Any of an unregistered type: no JSON form.
            }
          }
        } else if (desc === undefined && name !== "typeRegistry") {
          throw new Error(`${concern}/${file}: no descriptor for ${value.typeName}`);
        }
        const recursiveFields: number[] = [];
        const deepJsonKeys: Target["deepJsonKeys"][number][] = [];
        for (const field of desc?.fields ?? []) {
          const type = field.message?.typeName;
          const delimited = "delimitedEncoding" in field && field.delimitedEncoding === true;
          if (type === value.typeName && !delimited && field.fieldKind !== "map") recursiveFields.push(field.number);
          if (type === value.typeName || type === "google.protobuf.Struct") deepJsonKeys.push({ key: field.jsonName, shape: "object" });
          if (type === "google.protobuf.Value" || type === "google.protobuf.ListValue") deepJsonKeys.push({ key: field.jsonName, shape: "array" });
        }
        targets.push({ concern, codec: value, error, registry, binarySeeds, jsonSeeds, recursiveFields, deepJsonKeys });
      }
    }
  }
}

function isCodec(value: unknown): value is Codec {
  return typeof value === "object" && value !== null && typeof (value as Codec).typeName === "string" && typeof (value as Codec).decode === "function";
}

function collectWords(desc: DescMessage): void {
  for (const field of desc.fields) {
    jsonWords.add(field.name);
    jsonWords.add(field.jsonName);
    for (const value of field.enum?.values ?? []) jsonWords.add(value.name);
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Binary mutations
// ---------------------------------------------------------------------------------------------

/** Byte sequences that stress the wire reader when inserted anywhere. */
const interestingBytes: number[][] = [
  [0x00], [0x80], [0xff], [0x7f], [0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // 11-byte varint
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 10-byte -1
  [0x80, 0x80, 0x80, 0x80, 0x08], // 2^31
  [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1
  [0x0b], [0x0c], [0x0e], [0x0f], [0x03], [0x04], [0x06], [0x07], // groups and wire types 6/7 of fields 0 and 1
  [0x83, 0x01], [0x84, 0x01], // start/end group of field 16
  [0xc3, 0x28], [0xed, 0xa0, 0x80], // invalid UTF-8
];

function randomBytes(rng: Rng, max: number): Uint8Array {
  const out = new Uint8Array(rng.int(0, max));
  for (let i = 0; i < out.length; i++) out[i] = rng.bool(0.3) ? rng.pick([0, 1, 2, 8, 10, 0x7f, 0x80, 0xff]) : rng.int(0, 255);
  return out;
}

function mutateBytes(rng: Rng, input: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  let bytes = Array.from(input);
  const steps = rng.int(1, 4);
  for (let s = 0; s < steps; s++) {
    const at = rng.int(0, bytes.length);
    switch (rng.int(0, 7)) {
      case 0: // bit flip
        if (bytes.length > 0) {
          const i = Math.min(at, bytes.length - 1);
          bytes[i] = (bytes[i] as number) ^ (1 << rng.int(0, 7));
        }
        break;
      case 1: // truncation
        bytes = bytes.slice(0, at);
        break;
      case 2: {
        // duplication of a slice
        const end = rng.int(at, bytes.length);
        const where = rng.int(0, bytes.length);
        bytes.splice(where, 0, ...bytes.slice(at, end));
        break;
      }
      case 3: {
        // splice with another valid encoding
        const other = Array.from(rng.pick(others));
        bytes = bytes.slice(0, at).concat(other.slice(rng.int(0, other.length)));
        break;
      }
      case 4: // insertion of interesting bytes
        bytes.splice(at, 0, ...rng.pick(interestingBytes));
        break;
      case 5: // deletion
        bytes.splice(at, rng.int(1, 4));
        break;
      case 6: // overwrite with a random byte
        if (at < bytes.length) bytes[at] = rng.int(0, 255);
        break;
      default: // concatenation of two encodings (merging)
        bytes = bytes.concat(Array.from(rng.pick(others)));
    }
  }
  return Uint8Array.from(bytes);
}

/** Wraps the input in `levels` levels of length-delimited field `field`: deep recursion. */
function nest(field: number, inner: Uint8Array, levels: number): Uint8Array {
  const reversed: number[] = Array.from(inner).reverse();
  for (let i = 0; i < levels; i++) {
    let n = reversed.length;
    const header = [field * 8 + 2];
    while (n > 127) {
      header.push((n & 127) | 128);
      n >>>= 7;
    }
    header.push(n);
    for (let j = header.length - 1; j >= 0; j--) reversed.push(header[j] as number);
  }
  return Uint8Array.from(reversed.reverse());
}

// ---------------------------------------------------------------------------------------------
// JSON mutations
// ---------------------------------------------------------------------------------------------

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.pick([0, -0, 1, -1, 1.5, -2.5, 1e21, 1e-7, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 64, 3.5e38, Number.MAX_VALUE]);
    case 3:
    case 4:
      return rng.pick([...jsonWords]);
    case 5:
      return rng.int(-1000, 1000);
    case 6:
      return Array.from({ length: rng.int(0, 3) }, () => randomJson(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(0, 3); i > 0; i--) setOwn(object, rng.pick([...jsonWords]), randomJson(rng, depth + 1));
      return object;
    }
  }
}

function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(out, key, clone((value as Record<string, unknown>)[key]));
  return out;
}

/** Every container (object or array) inside a JSON value down to depth 200, the value itself first. */
function containers(value: unknown, out: (Record<string, unknown> | unknown[])[] = [], depth = 0): (Record<string, unknown> | unknown[])[] {
  if (value === null || typeof value !== "object" || depth > 200) return out;
  const container = value as Record<string, unknown> | unknown[];
  out.push(container);
  for (const child of Object.values(container)) containers(child, out, depth + 1);
  return out;
}

function mutateJson(rng: Rng, input: unknown, others: readonly unknown[]): unknown {
  let root = clone(input);
  const steps = rng.int(1, 3);
  for (let s = 0; s < steps; s++) {
    const all = containers(root);
    if (all.length === 0 || rng.bool(0.05)) {
      root = randomJson(rng);
      continue;
    }
    const target = rng.pick(all);
    const keys = Object.keys(target);
    const key = keys.length > 0 ? rng.pick(keys) : undefined;
    const set = (k: string, v: unknown): void => {
      if (Array.isArray(target)) target[Number(k)] = v;
      else setOwn(target, k, v);
    };
    switch (rng.int(0, 7)) {
      case 0: // replace a value with a random one
        if (key !== undefined) set(key, randomJson(rng));
        break;
      case 1: // delete a key
        if (key !== undefined) {
          if (Array.isArray(target)) target.splice(Number(key), 1);
          else delete target[key];
        }
        break;
      case 2: // add a key or item
        if (Array.isArray(target)) target.push(randomJson(rng));
        else setOwn(target, rng.pick([...jsonWords]), randomJson(rng));
        break;
      case 3: // wrap a value in an array or object
        if (key !== undefined) set(key, rng.bool() ? [target[key as never]] : { [rng.pick([...jsonWords])]: target[key as never] });
        break;
      case 4: // graft a subtree of another seed
        if (key !== undefined) {
          const donors = containers(clone(rng.pick(others)));
          set(key, donors.length > 0 ? rng.pick(donors) : randomJson(rng));
        }
        break;
      case 5: // rename a key
        if (key !== undefined && !Array.isArray(target)) {
          const v = target[key];
          delete target[key];
          setOwn(target, rng.pick([...jsonWords]), v);
        }
        break;
      case 6: // nest past the default depth limit
        if (key !== undefined) set(key, nestJson(rng, target[key as never], rng.int(50, 150)));
        break;
      default: // numbers near limits as strings and numbers
        if (key !== undefined) set(key, rng.pick(["-0", 0.5, "1e400", -1, "4294967295", 4294967295, "-2147483648", 1e-50, "1.0", true]));
    }
  }
  if (rng.bool(0.01)) {
    // Now and then, far deeper than the stack could hold if decoders recursed without a limit.
    const all = containers(root);
    const target = all.length > 0 ? rng.pick(all) : undefined;
    const key = target === undefined ? undefined : Object.keys(target)[0];
    if (target !== undefined && key !== undefined) (target as Record<string, unknown>)[key] = nestJson(rng, (target as Record<string, unknown>)[key], 20_000);
  }
  return root;
}

function nestJson(rng: Rng, inner: unknown, levels: number): unknown {
  const key = rng.pick([...jsonWords]);
  let value = inner;
  for (let i = levels; i > 0; i--) value = rng.bool() ? [value] : { [key]: value };
  return value;
}

const textAlphabet = '{}[],:"\\0123456789-+.eEtrufalsn xAQ=@_';

function mutateText(rng: Rng, text: string): string {
  let out = text;
  for (let s = rng.int(1, 3); s > 0; s--) {
    const at = rng.int(0, out.length);
    switch (rng.int(0, 3)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + rng.int(1, 3));
        break;
      case 1:
        out = out.slice(0, at) + textAlphabet.charAt(rng.int(0, textAlphabet.length - 1)) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at);
        break;
      default:
        out = out.slice(0, at) + out.slice(rng.int(0, out.length));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

function hex(bytes: Uint8Array): string {
  const all = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return all.length > 400 ? `${all.slice(0, 400)}… (${bytes.length} bytes)` : all;
}

function shown(json: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(json) ?? String(json);
  } catch {
    text = String(json);
  }
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** Runs `decode`: it may return or throw the concern's ProtobufError, nothing else. */
function attempt<T>(target: Target, what: () => string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof target.error)) {
      expect.fail(`seed ${seed}: ${target.codec.typeName} threw ${String(error)} (not a ProtobufError) for ${what()}\n${(error as Error).stack ?? ""}`);
    }
    return undefined;
  }
}

function checkBinary(target: Target, bytes: Uint8Array, iteration: number, options: { maxDepth: number } | undefined): boolean {
  const what = (): string => `#${iteration} bytes ${hex(bytes)}${options ? ` maxDepth ${options.maxDepth}` : ""}`;
  const message = attempt(target, what, () => target.codec.decode(bytes, options));
  if (message === undefined) return false;
  // Without a depth limit the message may be too deep to compare (or to encode: that fails cleanly too).
  if (options !== undefined && options.maxDepth > 1000) return true;
  let again: object;
  try {
    again = target.codec.decode(target.codec.encode(message), options);
  } catch (error) {
    return expect.fail(`seed ${seed}: ${target.codec.typeName} ${what()} decoded, but does not re-encode and decode: ${String(error)}`);
  }
  const diff = plainDiff(again, message);
  if (diff !== undefined) expect.fail(`seed ${seed}: ${target.codec.typeName} ${what()}: decode(encode(m)) differs from m at ${diff}`);
  return true;
}

function checkJson(target: Target, json: unknown, iteration: number, options: { maxDepth?: number }): boolean {
  const what = (): string => `#${iteration} JSON ${shown(json)} options ${shown({ ...options, registry: undefined })}`;
  const message = attempt(target, what, () => target.codec.fromJson(json, options));
  if (message === undefined) return false;
  if ((options.maxDepth ?? 0) > 1000) return true;
  let again: object;
  try {
    const written = target.codec.toJson(message, { registry: target.registry });
    again = target.codec.fromJson(JSON.parse(JSON.stringify(written)), { registry: target.registry });
  } catch (error) {
    return expect.fail(`seed ${seed}: ${target.codec.typeName} ${what()} was accepted, but does not write and read back: ${String(error)}`);
  }
  const diff = plainDiff(normalizeZero(again), normalizeZero(message));
  if (diff !== undefined) expect.fail(`seed ${seed}: ${target.codec.typeName} ${what()}: fromJson(toJson(m)) differs from m at ${diff}`);
  return true;
}

/** JSON text cannot carry -0 (`JSON.stringify(-0)` is "0"). */
function normalizeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(normalizeZero);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(out, key, normalizeZero((value as Record<string, unknown>)[key]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe(`decoder fuzzing (seed ${seed})`, () => {
  beforeAll(loadTargets, 120_000);

  test("every fixture concern has codecs", () => {
    expect(new Set(targets.map((t) => t.concern))).toEqual(new Set(fixtureConcerns()));
    expect(targets.length).toBeGreaterThan(50);
  });

  test(`binary: ${binaryIterations} random and mutated inputs`, () => {
    const rng = createRng(seed);
    let accepted = 0;
    const recursive = targets.filter((t) => t.recursiveFields.length > 0);
    for (let i = 0; i < binaryIterations; i++) {
      const deep = rng.next();
      const target = rng.pick(deep < 0.03 ? recursive : targets);
      let bytes = rng.bool(0.2) ? randomBytes(rng, 48) : mutateBytes(rng, rng.pick(target.binarySeeds), target.binarySeeds);
      let options = rng.bool(0.1) ? { maxDepth: rng.int(0, 3) } : undefined;
      if (deep < 0.002) {
        // Far deeper than the stack holds, with the depth limit lifted: must still fail cleanly (or decode).
        bytes = nest(rng.pick(target.recursiveFields), bytes, 200_000);
        options = { maxDepth: 1e9 };
      } else if (deep < 0.03) {
        bytes = nest(rng.pick(target.recursiveFields), bytes, rng.int(95, 105));
      }
      if (checkBinary(target, bytes, i, options)) accepted++;
    }
    // Both outcomes must be exercised, or the mutations are too weak (or too strong) to mean anything.
    expect(accepted).toBeGreaterThan(binaryIterations / 20);
    expect(accepted).toBeLessThan(binaryIterations * 0.95);
  });

  test(`JSON values: ${jsonIterations} random and mutated inputs`, () => {
    const rng = createRng(seed ^ 0x15);
    let accepted = 0;
    const deepTargets = targets.filter((t) => t.deepJsonKeys.length > 0);
    for (let i = 0; i < jsonIterations; i++) {
      if (rng.bool(0.005)) {
        // A field nested far deeper than the stack could hold if decoders recursed without a limit.
        const target = rng.pick(deepTargets);
        const { key, shape } = rng.pick(target.deepJsonKeys);
        let value: unknown = {};
        for (let level = 0; level < 20_000; level++) value = shape === "array" ? [value] : { [key]: value };
        checkJson(target, { [key]: value }, i, rng.pick([{}, { maxDepth: 1e9 }]));
        continue;
      }
      const target = rng.pick(targets);
      const json = rng.bool(0.1) ? randomJson(rng) : mutateJson(rng, rng.pick(target.jsonSeeds), target.jsonSeeds);
      const options = rng.pick([{ registry: target.registry }, { registry: target.registry, ignoreUnknownFields: true }, {}, { registry: target.registry, maxDepth: rng.pick([0, 1, 2, 4, 1e9]) }]);
      if (checkJson(target, json, i, options)) accepted++;
    }
    expect(accepted).toBeGreaterThan(jsonIterations / 20);
    expect(accepted).toBeLessThan(jsonIterations * 0.95);
  });

  test(`JSON text: ${jsonTextIterations} mutated inputs`, () => {
    const rng = createRng(seed ^ 0x7e47);
    for (let i = 0; i < jsonTextIterations; i++) {
      const target = rng.pick(targets);
      const text = mutateText(rng, JSON.stringify(rng.pick(target.jsonSeeds)));
      const message = attempt(target, () => `#${i} text ${JSON.stringify(text)}`, () => target.codec.fromJsonString(text, { registry: target.registry, ignoreUnknownFields: rng.bool() }));
      if (message !== undefined) expect(() => target.codec.toJson(message, { registry: target.registry }), `seed ${seed} #${i}`).not.toThrow();
    }
  });
});
