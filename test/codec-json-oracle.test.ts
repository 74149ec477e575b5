// Differential tests of the generated proto3 JSON codecs against @bufbuild/protobuf: for every fixture
// message type, seeded random messages go through both implementations in both directions, with every
// combination of the write options that change the output.
import { createRegistry, fromJson, toJson, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { generate } from "../generator/generate.js";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { allocateFileNames, fileExtensions, outputPathOf } from "../generator/model/names.js";
import { loadRuntimeManifest } from "../generator/runtime/manifest.js";
import { runtimeNames } from "../generator/runtime/select.js";
import { compileFixture, snapshotsDir } from "./support/fixtures.js";
import { snapshotCodec, snapshotRuntime, type AnyCodec } from "./support/generated.js";
import { createRng, listMessages, esLocalNamesCollide, plainDiff, randomMessage, toPlain } from "./support/random-message.js";

const concerns = ["scalars", "repeated", "maps", "oneofs", "enums", "nested-imports", "wkt", "proto2", "editions", "name-clashes", "multi-package", "field-order", "extensions"];
const messagesPerType = 1000;
const optionSets = [
  {},
  { useProtoFieldName: true },
  { emitDefaultValues: true },
  { useProtoFieldName: true, emitDefaultValues: true, enumAsInteger: true },
];

/** Every combination of the write options, compact (the direct text writer) and pretty (via toJson). */
const textOptionSets = [false, true].flatMap((useProtoFieldName) =>
  [false, true].flatMap((emitDefaultValues) =>
    [false, true].flatMap((enumAsInteger) => [0, 2].map((prettySpaces) => ({ useProtoFieldName, emitDefaultValues, enumAsInteger, prettySpaces }))),
  ),
);

/** The text a call returns, or the class and message of what it throws. */
function outcome(run: () => string): string {
  try {
    return `text ${run()}`;
  } catch (error) {
    return `throws ${(error as Error).name}: ${(error as Error).message}`;
  }
}

for (const concern of concerns) {
  describe(`JSON codec ≡ protobuf-es: ${concern}`, async () => {
    const { registry: files } = await compileFixture(concern);
    const esRegistry = createRegistry(files);
    // Messages protobuf-es cannot hold (colliding localNames) are compared in test/name-collisions.test.ts.
    const types = listMessages(files, concern).filter((desc) => !esLocalNamesCollide(desc));
    for (const desc of types) {
      test(desc.typeName, async () => {
        const codec = await snapshotCodec(concern, desc);
        const ourRegistry = await registryFor(concern, files);
        const rng = createRng(hashSeed(desc.typeName) ^ 0x5eed);
        let compared = 0;
        for (let i = 0; i < messagesPerType; i++) {
          const original = randomMessage(desc, rng);
          const options = optionSets[i % optionSets.length] ?? {};
          const esOptions = { registry: esRegistry, useProtoFieldName: options.useProtoFieldName === true, alwaysEmitImplicit: options.emitDefaultValues === true, enumAsInteger: options.enumAsInteger === true };
          const ours = codec.decode(codec.encode(fromEsPlain(desc, original)));
          // The direct text writer behind toJsonString ≡ JSON.stringify(toJson()), for every option set.
          for (const set of textOptionSets) {
            const textOptions = { ...set, registry: ourRegistry };
            const direct = outcome(() => codec.toJsonString(ours, textOptions));
            const viaValue = outcome(() => JSON.stringify(codec.toJson(ours, textOptions), null, set.prettySpaces ?? 0));
            if (direct !== viaValue) expect.fail(`${desc.typeName} #${i} toJsonString ${JSON.stringify(set)}: ${direct} ≠ ${viaValue}`);
          }
          let esJson: unknown;
          try {
            esJson = toJson(desc, original, esOptions);
          } catch {
            // e.g. a Value holding NaN, an Any of an unregistered type: tristub must refuse as well.
            expect(() => codec.toJson(ours, { ...options, registry: ourRegistry }), `${desc.typeName} #${i}`).toThrow();
            continue;
          }
          const ourJson = codec.toJson(ours, { ...options, registry: ourRegistry });
          // Same JSON (key order aside), through a text round trip as a peer would see it.
          fail(plainDiff(JSON.parse(JSON.stringify(ourJson)), JSON.parse(JSON.stringify(esJson))), desc, i, "toJson");
          // protobuf-es JSON → our decoder; our JSON → protobuf-es decoder; both must read what
          // protobuf-es reads from its own JSON (JSON cannot keep unknown fields or non-canonical bytes).
          const expected = stripUnknown(toPlain(desc, fromJson(desc, esJson as never, { registry: esRegistry })));
          fail(same(codec.fromJson(esJson as never, { registry: ourRegistry }), expected), desc, i, "fromJson(es json)");
          const back = fromJson(desc, JSON.parse(codec.toJsonString(ours, { ...options, registry: ourRegistry })), { registry: esRegistry });
          fail(same(stripUnknown(toPlain(desc, back)), expected), desc, i, "es fromJson(our json)");
          compared++;
        }
        expect(compared).toBeGreaterThan(messagesPerType / 5);
      });
    }
  });
}

const registries = new Map<string, unknown>();

/** Our type registry over every message codec the concern's golden output declares. */
async function registryFor(concern: string, files: Awaited<ReturnType<typeof compileFixture>>["registry"]) {
  let registry = registries.get(concern);
  if (registry === undefined) {
    const runtime = await snapshotRuntime(concern);
    const codecs: AnyCodec[] = [];
    const generated = await compileFixture(concern);
    const outputFiles = new Set(generate(generated).map((f) => f.name));
    for (const file of files.files) {
      if (!outputFiles.has(file.proto.name.replace(/\.proto$/, ".ts"))) continue;
      for (const desc of allMessages(file.messages)) {
        if (desc.proto.options?.mapEntry) continue;
        codecs.push(await snapshotCodec(concern, desc));
      }
      // Extensions too, as the output's own registry has them (protobuf-es's registry knows them).
      const extensions = fileExtensions(file);
      if (extensions.length === 0) continue;
      const names = allocateFileNames(file, runtimeNames(loadRuntimeManifest()));
      const module = (await import(pathToFileURL(join(snapshotsDir, concern, outputPathOf(file.proto.name))).href)) as Record<string, AnyCodec>;
      for (const extension of extensions) codecs.push(module[names.get(extension) as string] as AnyCodec);
    }
    registry = (runtime["createTypeRegistry"] as (c: AnyCodec[]) => unknown)(codecs);
    registries.set(concern, registry);
  }
  return registry as never;
}

function allMessages(messages: readonly DescMessage[]): DescMessage[] {
  return messages.flatMap((m) => [m, ...allMessages(m.nestedMessages)]);
}

function fromEsPlain(desc: DescMessage, message: Parameters<typeof toPlain>[1]): Record<string, unknown> {
  return toPlain(desc, message);
}

function stripUnknown(value: Record<string, unknown>): Record<string, unknown> {
  const { $unknown: _, ...rest } = value;
  return rest;
}

function same(actual: unknown, expected: unknown): string | undefined {
  return plainDiff(dropUndefined(actual), dropUndefined(expected));
}

/** Also folds -0 into 0: JSON text cannot carry the sign of zero (`JSON.stringify(-0)` is "0"). */
function dropUndefined(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined && k !== "$unknown") Object.defineProperty(out, k, { value: dropUndefined(v), enumerable: true, writable: true });
  }
  return out;
}

function fail(diff: string | undefined, desc: DescMessage, i: number, what: string): void {
  if (diff !== undefined) expect.fail(`${desc.typeName} #${i} ${what}: ${diff}`);
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export type { Registry };
