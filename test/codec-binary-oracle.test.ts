// Differential tests of the generated binary codecs against @bufbuild/protobuf (which passes the
// protobuf conformance suite): seeded random messages of every fixture type, in both directions.
import { fromBinary, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { compileFixture } from "./support/fixtures.js";
import { snapshotCodec } from "./support/generated.js";
import { createRng, fromPlain, listMessages, esLocalNamesCollide, plainDiff, randomMessage, toPlain } from "./support/random-message.js";

const concerns = ["scalars", "repeated", "maps", "oneofs", "enums", "nested-imports", "wkt", "proto2", "editions", "name-clashes", "multi-package", "services", "comments", "field-order", "extensions"];
const messagesPerType = 1000;

for (const concern of concerns) {
  describe(`binary codec ≡ protobuf-es: ${concern}`, async () => {
    const { registry } = await compileFixture(concern);
    // Messages protobuf-es cannot hold (colliding localNames) are compared in test/name-collisions.test.ts.
    const types = listMessages(registry, concern).filter((desc) => !esLocalNamesCollide(desc));
    test("fixture has message types", () => expect(types.length).toBeGreaterThan(0));
    for (const desc of types) {
      test(desc.typeName, async () => {
        const codec = await snapshotCodec(concern, desc);
        const rng = createRng(hashSeed(desc.typeName));
        for (let i = 0; i < messagesPerType; i++) {
          const original = randomMessage(desc, rng);
          const expected = toPlain(desc, original);
          // protobuf-es encodes → ours decodes into the same plain object.
          const decoded = codec.decode(toBinary(desc, original));
          failIf(sameMessage(decoded, expected), desc, i, "decode(es bytes)");
          // ours encodes → protobuf-es decodes the same message.
          const back = fromBinary(desc, codec.encode(decoded));
          failIf(sameMessage(toPlain(desc, back), expected), desc, i, "es decode(our bytes)");
        }
      });
    }
  });
}

describe("unknown fields survive a round trip", async () => {
  const { registry } = await compileFixture("scalars");
  const desc = listMessages(registry, "scalars")[0] as DescMessage;
  test(desc.typeName, async () => {
    const codec = await snapshotCodec("scalars", desc);
    const rng = createRng(7);
    const original = randomMessage(desc, rng);
    // field 1000 varint 150, field 1001 length-delimited "hi", field 1002 fixed32, field 1003 fixed64, a group 1004.
    const unknown = Uint8Array.from([
      0xc0, 0x3e, 0x96, 0x01, 0xca, 0x3e, 0x02, 0x68, 0x69, 0xd5, 0x3e, 1, 2, 3, 4,
      0xd9, 0x3e, 1, 2, 3, 4, 5, 6, 7, 8, 0xe3, 0x3e, 0x08, 0x01, 0xe4, 0x3e,
    ]);
    const bytes = concat(toBinary(desc, original), unknown);
    const decoded = codec.decode(bytes);
    expect(decoded["$unknown"]).toEqual(unknown);
    const reencoded = codec.encode(decoded);
    const viaEs = fromBinary(desc, reencoded);
    expect(sameMessage(toPlain(desc, viaEs), { ...toPlain(desc, original), $unknown: unknown })).toBeUndefined();
    // and protobuf-es's unknown fields, re-encoded by protobuf-es, decode to the same bytes in ours
    expect(codec.decode(toBinary(desc, fromPlain(desc, decoded)))["$unknown"]).toEqual(unknown);
  });
});

function failIf(diff: string | undefined, desc: DescMessage, i: number, what: string): void {
  if (diff !== undefined) expect.fail(`${desc.typeName} #${i} ${what}: ${diff}`);
}

/**
 * Compares plain messages where a property holding `undefined` counts as absent: generated messages
 * keep unset explicit-presence fields as `undefined` properties (one object shape per type).
 */
function sameMessage(actual: unknown, expected: unknown): string | undefined {
  return plainDiff(dropUndefined(actual), dropUndefined(expected));
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) Object.defineProperty(out, k, { value: dropUndefined(v), enumerable: true, writable: true });
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
