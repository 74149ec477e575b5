// Names that meet once converted to TypeScript (test/fixtures/name-clashes/collisions.proto): every
// field keeps its own property, binary and JSON keep every value apart, and RPCs whose names meet are
// each served on their own path. protobuf-es keeps colliding fields in ONE property, so it cannot hold
// these messages; the oracle here is protobuf-es over a *mirror* of the schema: the same numbers, types
// and JSON keys, with field and oneof names that do not collide (f<number>, o<index>).
import { clone, create, createFileRegistry, fromBinary, fromJson, toBinary, toJson, type DescField, type DescMessage, type DescOneof, type FileRegistry, type JsonValue } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, test } from "vitest";
import { createClashing$1Client, registerClashing$1, type Clashing$1Handler } from "../snapshots/name-clashes/collisions.js";
import { createTripleServer } from "../snapshots/name-clashes/tristub-runtime.js";
import { jsonKey, methodPropertyName, propertyName } from "../generator/model/member-names.js";
import { compileFixture } from "./support/fixtures.js";
import { snapshotCodec, type AnyCodec } from "./support/generated.js";
import { createRng, plainDiff, randomMessage, toPlain } from "./support/random-message.js";

const typeNames = ["FieldCollisions", "OneofCollisions"].map((n) => `fixtures.name_clashes.collisions.${n}`);
const roundsPerType = 300;

async function loadSchemas(): Promise<{ registry: FileRegistry; mirror: FileRegistry }> {
  const { registry } = await compileFixture("name-clashes");
  const file = registry.getFile("collisions.proto");
  if (file === undefined) throw new Error("collisions.proto is not compiled");
  const proto = clone(FileDescriptorProtoSchema, file.proto);
  for (const [i, messageProto] of proto.messageType.entries()) {
    const desc = file.messages[i] as DescMessage;
    for (const fieldProto of messageProto.field) {
      const field = desc.fields.find((f) => f.number === fieldProto.number) as DescField;
      fieldProto.name = `f${fieldProto.number}`;
      fieldProto.jsonName = jsonKey(field);
    }
    messageProto.oneofDecl.forEach((o, index) => (o.name = `o${index}`));
  }
  const mirror = createFileRegistry(create(FileDescriptorSetSchema, { file: [proto] }));
  return { registry, mirror };
}

/** Our plain message → the mirror's plain shape (properties renamed by field number, recursively). */
function toMirror(desc: DescMessage, mirrorDesc: DescMessage, ours: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const mirrorField = (field: DescField): DescField => mirrorDesc.fields.find((f) => f.number === field.number) as DescField;
  const convert = (field: DescField, value: unknown): unknown => {
    if (field.message === undefined || value === undefined) return value;
    const target = mirrorField(field).message as DescMessage;
    return toMirror(field.message, target, value as Record<string, unknown>);
  };
  for (const member of desc.members) {
    const value = ours[propertyName(member)];
    if (member.kind === "oneof") {
      const adt = value as { case: string | undefined; value?: unknown };
      const mirrorOneof = mirrorDesc.oneofs[desc.oneofs.indexOf(member)] as DescOneof;
      const field = member.fields.find((f) => propertyName(f) === adt.case);
      out[mirrorOneof.localName] = field === undefined ? { case: undefined } : { case: mirrorField(field).localName, value: convert(field, adt.value) };
      continue;
    }
    const name = mirrorField(member).localName;
    if (member.fieldKind === "list") out[name] = (value as unknown[]).map((v) => convert(member, v));
    else if (member.fieldKind === "map") out[name] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, convert(member, v)]));
    else if (value !== undefined) out[name] = convert(member, value);
  }
  if (ours["$unknown"] !== undefined) out["$unknown"] = ours["$unknown"];
  return out;
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, dropUndefined(v)]));
}

describe("colliding names: generated properties", async () => {
  const { registry } = await loadSchemas();
  test("each colliding field has its own property (lowest number keeps the plain name)", () => {
    const desc = registry.getMessage(typeNames[0] as string) as DescMessage;
    const names = Object.fromEntries(desc.fields.map((f) => [f.name, propertyName(f)]));
    expect(names).toEqual({
      foo_bar: "fooBar", fooBar: "fooBar$1", a_b_c: "aBC", aBC: "aBC$1", constructor: "constructor$", constructor_: "constructor$1",
      CamelCase: "CamelCase", CamelCase_: "CamelCase$1", CamelCase__: "CamelCase$2", toJSON: "toJSON$", to_j_s_o_n: "toJSON$1",
      fooBar2: "fooBar2", foo_bar2: "fooBar2$1",
    });
    expect(Object.fromEntries(desc.fields.map((f) => [f.name, jsonKey(f)]))).toMatchObject({ foo_bar: "foo_bar", fooBar: "fooBar", constructor: "constructor", constructor_: "constructor_" });
  });
  test("oneofs and their cases", () => {
    const desc = registry.getMessage(typeNames[1] as string) as DescMessage;
    expect(desc.members.map((m) => propertyName(m))).toEqual(["myChoice", "myChoice$1", "valueOf$"]);
    expect((desc.oneofs[0] as DescOneof).fields.map((f) => propertyName(f))).toEqual(["cD", "cD$1", "cD$2"]);
  });
  test("RPCs: Call/call apart, Close and close never take the client's own close()", () => {
    const service = registry.getService("fixtures.name_clashes.collisions.Clashing");
    expect(service?.methods.map((m) => methodPropertyName(m))).toEqual(["call", "call$1", "close$", "close$1", "toString$", "constructor$"]);
  });
});

describe("colliding names ≡ protobuf-es over a non-colliding mirror (binary and JSON)", async () => {
  const { registry, mirror } = await loadSchemas();
  for (const typeName of typeNames) {
    test(typeName, async () => {
      const desc = registry.getMessage(typeName) as DescMessage;
      const mirrorDesc = mirror.getMessage(typeName) as DescMessage;
      const codec: AnyCodec = await snapshotCodec("name-clashes", desc);
      const rng = createRng(0x5eed + typeName.length);
      const check = (label: string, i: number, ours: Record<string, unknown>, expected: Record<string, unknown>): void => {
        const diff = plainDiff(dropUndefined(toMirror(desc, mirrorDesc, ours)), dropUndefined(expected));
        if (diff !== undefined) expect.fail(`${typeName} #${i} ${label}: ${diff}`);
      };
      for (let i = 0; i < roundsPerType; i++) {
        const original = randomMessage(mirrorDesc, rng);
        const expected = toPlain(mirrorDesc, original);
        const esBytes = toBinary(mirrorDesc, original);
        const decoded = codec.decode(esBytes);
        check("decode(es bytes)", i, decoded, expected);
        const ourBytes = codec.encode(decoded);
        expect(ourBytes).toEqual(esBytes);
        check("es decode(our bytes)", i, decoded, toPlain(mirrorDesc, fromBinary(mirrorDesc, ourBytes)));
        const esJson = toJson(mirrorDesc, original) as JsonValue;
        const fromEsJson = codec.fromJson(esJson);
        check("fromJson(es JSON)", i, fromEsJson, expected);
        expect(codec.toJson(fromEsJson)).toEqual(esJson);
        check("es fromJson(our JSON)", i, fromEsJson, toPlain(mirrorDesc, fromJson(mirrorDesc, codec.toJson(fromEsJson) as JsonValue)));
      }
    });
  }
});

describe("RPCs whose names meet are served apart over a real socket", () => {
  test("call / call$1 / close$ / close$1 / toString$ / constructor$ each reach their own handler; close() closes", async () => {
    const seen: string[] = [];
    const handler: Clashing$1Handler = {
      call: (r) => (seen.push("Call"), { ...r, fooBar: 1 }),
      call$1: (r) => (seen.push("call"), { ...r, fooBar$1: 2 }),
      close$: (r) => (seen.push("Close"), { ...r, myChoice: "Close" }),
      close$1: (r) => (seen.push("close"), { ...r, myChoice: "close" }),
      toString$: (r) => (seen.push("ToString"), { ...r, kind: 1 }),
      constructor$: (r) => (seen.push("Constructor"), { ...r, kind: 3 }),
    };
    const server = createTripleServer();
    registerClashing$1(server, handler);
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    const client = createClashing$1Client({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      expect((await client.call({ fooBar: 7, toJSON$: [], toJSON$1: {} })).fooBar).toBe(1);
      expect(await client.call$1({ fooBar: 7, toJSON$: [], toJSON$1: {} })).toMatchObject({ fooBar: 7, fooBar$1: 2 });
      expect((await client.close$({ myChoice$1: { case: undefined }, valueOf$: { case: undefined } })).myChoice).toBe("Close");
      expect((await client.close$1({ myChoice$1: { case: "cD$1", value: 5 }, valueOf$: { case: undefined } })).myChoice$1).toEqual({ case: "cD$1", value: 5 });
      expect((await client.toString$({ kinds: [] })).kind).toBe(1);
      expect((await client.constructor$({ kinds: [4] })).kind).toBe(3);
      expect(seen).toEqual(["Call", "call", "Close", "close", "ToString", "Constructor"]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
