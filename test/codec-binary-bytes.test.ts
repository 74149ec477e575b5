// Byte-exact binary encoding: for seeded random messages of every fixture type, the bytes tristub writes
// equal the bytes @bufbuild/protobuf's toBinary writes (field-number order, unknown fields last, as
// protoc does) — so hashes and signatures over encoded messages agree across implementations.
import { toBinary, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, test } from "vitest";
import { compileFixture } from "./support/fixtures.js";
import { snapshotCodec } from "./support/generated.js";
import { createRng, esLocalNamesCollide, listMessages, randomMessage, randomUnknownFields } from "./support/random-message.js";

const concerns = ["field-order", "scalars", "repeated", "maps", "oneofs", "enums", "nested-imports", "wkt", "proto2", "editions", "name-clashes"];
const messagesPerType = 300;

for (const concern of concerns) {
  describe(`encode(decode(es bytes)) = es bytes: ${concern}`, async () => {
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
          // Unknown fields on the top-level message (protobuf-es writes them after the known ones).
          if (rng.bool(0.3)) (original as { $unknown?: unknown }).$unknown = randomUnknownFields(desc, rng);
          const esBytes = toBinary(desc, original);
          const ours = codec.encode(codec.decode(esBytes));
          if (!bytesEqual(ours, esBytes)) expect.fail(`${desc.typeName} #${i}: ${firstDifference(ours, esBytes)}`);
        }
      });
    }
  });
}

describe("descriptor.proto (declared out of field-number order) encodes as protobuf-es does", async () => {
  const { registry } = await compileFixture("field-order");
  const holder = registry.getMessage("fieldorder.DescriptorHolder") as DescMessage;
  test("the FileDescriptorProto of descriptor.proto itself, byte for byte", async () => {
    const codec = await snapshotCodec("field-order", holder);
    const descriptorFile = registry.getFile("google/protobuf/descriptor.proto");
    expect(descriptorFile).toBeDefined();
    const proto = descriptorFile!.proto;
    const esBytes = toBinary(holder, { $typeName: "fieldorder.DescriptorHolder", file: proto } as never);
    // Sanity: the descriptor alone is large (the issue saw the first difference at byte 29532).
    expect(toBinary(FileDescriptorProtoSchema, proto).length).toBeGreaterThan(29532);
    const ours = codec.encode(codec.decode(esBytes));
    expect(firstDifference(ours, esBytes)).toBe("equal");
  });
  test("the fixture really declares fields out of number order", () => {
    const fieldLike = registry.getMessage("fieldorder.FieldLike") as DescMessage;
    const numbers = fieldLike.fields.map((f) => f.number);
    expect(numbers).not.toEqual([...numbers].sort((a, b) => a - b));
  });
});

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return firstDifference(a, b) === "equal";
}

/** "equal", or where two byte strings first differ. */
function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `bytes differ at ${i} (ours ${a[i]}, es ${b[i]}; lengths ${a.length}/${b.length})`;
  return a.length === b.length ? "equal" : `lengths differ: ours ${a.length}, es ${b.length}`;
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
