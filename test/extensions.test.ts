// Extensions (test/fixtures/extensions): every generated `Extension` against protobuf-es 2.17 as the
// oracle — the bytes a set extension encodes to (byte for byte, in both directions), the value read
// back, the `"[pkg.ext]"` JSON form — plus defaults, merging of several records, has/clear, unknown
// extensions kept, and the type registry's extension lookups.
import {
  create,
  fromBinary,
  fromJson,
  getExtension as esGetExtension,
  setExtension as esSetExtension,
  toBinary,
  toJson,
  type DescExtension,
  type DescMessage,
  type FileRegistry,
  type JsonValue,
} from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import * as gen from "../snapshots/extensions/extensions.js";
import * as editions from "../snapshots/extensions/editions_ext.js";
import { Target } from "../snapshots/extensions/extendee.js";
import { typeRegistry } from "../snapshots/extensions/tristub-registry.js";
import {
  clearExtension,
  createTypeRegistry,
  getExtension,
  hasExtension,
  ProtobufError,
  setExtension,
  type Extension,
} from "../snapshots/extensions/tristub-runtime.js";
import { compileFixture } from "./support/fixtures.js";

const { Base, Note, GroupExt, Scope, Level } = gen;
const registry: FileRegistry = (await compileFixture("extensions")).registry;
const esMessage = (name: string): DescMessage => registry.getMessage(name) as DescMessage;
const esExtension = (name: string): DescExtension => registry.getExtension(name) as DescExtension;
const esBase = esMessage("fixtures.ext.Base");
const esNote = (init: { text?: string; stars?: number }) => create(esMessage("fixtures.ext.Note"), init);

/** One extension with a value in tristub's shape and the same value in protobuf-es's shape. */
interface Case {
  readonly extension: Extension<gen.Base, unknown>;
  readonly value: unknown;
  readonly esValue: unknown;
}

const cases: Case[] = [
  { extension: gen.int_ext, value: -5, esValue: -5 },
  { extension: gen.int_ext, value: 0, esValue: 0 },
  { extension: gen.string_ext, value: "héllo ✓", esValue: "héllo ✓" },
  { extension: gen.long_ext, value: -9007199254740993n, esValue: -9007199254740993n },
  { extension: gen.bool_ext, value: true, esValue: true },
  { extension: gen.bytes_ext, value: new Uint8Array([0, 1, 255]), esValue: new Uint8Array([0, 1, 255]) },
  { extension: gen.double_ext, value: -0.125, esValue: -0.125 },
  { extension: gen.level_ext, value: Level.LEVEL_LOW, esValue: 1 },
  { extension: gen.note_ext, value: Note.create({ text: "n", stars: 3 }), esValue: esNote({ text: "n", stars: 3 }) },
  { extension: gen.packed_ext, value: [1, -2, 300000], esValue: [1, -2, 300000] },
  { extension: gen.unpacked_ext, value: [7, 8], esValue: [7, 8] },
  { extension: gen.strings_ext, value: ["a", "", "c"], esValue: ["a", "", "c"] },
  { extension: gen.notes_ext, value: [Note.create({ text: "x" }), Note.create({ stars: 9 })], esValue: [esNote({ text: "x" }), esNote({ stars: 9 })] },
  { extension: gen.levels_ext, value: [2, 1, 2], esValue: [2, 1, 2] },
  { extension: gen.groupext, value: GroupExt.create({ a: 42 }), esValue: create(esMessage("fixtures.ext.GroupExt"), { a: 42 }) },
  { extension: gen.fixed_ext, value: 18446744073709551615n, esValue: 18446744073709551615n },
  { extension: gen.string_long_ext, value: "18446744073709551615", esValue: "18446744073709551615" },
  { extension: gen.float_ext, value: 1.5, esValue: 1.5 },
  { extension: gen.Scope_scope_ext as Extension<gen.Base, unknown>, value: Scope.create({ name: "s" }), esValue: create(esMessage("fixtures.ext.Scope"), { name: "s" }) },
  { extension: gen.Scope_nested_ext as Extension<gen.Base, unknown>, value: 4294967295, esValue: 4294967295 },
];

/** A protobuf-es Base with `id` set and the case's extension set. */
function esWith(c: Case) {
  const message = create(esBase, { id: 7 });
  esSetExtension(message, esExtension(c.extension.typeName), c.esValue as never);
  return message;
}

/** The tristub value of an extension as plain data (messages through their binary encoding). */
function comparable(extension: Extension<gen.Base, unknown>, value: unknown): unknown {
  const codec = { [gen.note_ext.typeName]: Note, [gen.notes_ext.typeName]: Note, [gen.groupext.typeName]: GroupExt, [gen.Scope_scope_ext.typeName]: Scope }[extension.typeName];
  if (codec === undefined) return value;
  const encode = (v: unknown): Uint8Array => codec.encode(v as never);
  return Array.isArray(value) ? value.map(encode) : encode(value);
}

describe("extensions against protobuf-es", () => {
  test.each(cases.map((c, i) => [`${c.extension.typeName} #${i}`, c] as const))("%s: same bytes both ways, same value read back", (_, c) => {
    const esBytes = toBinary(esBase, esWith(c));
    const ours = Base.create({ id: 7 });
    setExtension(ours, c.extension, c.value);
    expect(hasExtension(ours, c.extension)).toBe(true);
    expect(Base.encode(ours)).toEqual(esBytes);
    const decoded = Base.decode(esBytes);
    expect(comparable(c.extension, getExtension(decoded, c.extension))).toEqual(comparable(c.extension, c.value));
    const back = fromBinary(esBase, Base.encode(decoded));
    expect(toBinary(esBase, back)).toEqual(esBytes);
  });

  test.each(cases.map((c, i) => [`${c.extension.typeName} #${i}`, c] as const))("%s: JSON \"[name]\" key equals protobuf-es's, and reads back", (_, c) => {
    const esJson = toJson(esBase, esWith(c), { registry });
    const ours = Base.create({ id: 7 });
    setExtension(ours, c.extension, c.value);
    expect(Base.toJson(ours)).toEqual(esJson);
    expect(JSON.parse(Base.toJsonString(ours))).toEqual(esJson);
    const read = Base.fromJson(esJson);
    expect(Base.encode(read)).toEqual(toBinary(esBase, fromJson(esBase, esJson, { registry })));
  });

  test("several extensions at once keep their set order, after the fields, as protobuf-es writes them", () => {
    const es = create(esBase, { id: 1, tags: ["t"] });
    const ours = Base.create({ id: 1, tags: ["t"] });
    for (const c of [cases[2], cases[9], cases[8], cases[0]] as Case[]) {
      esSetExtension(es, esExtension(c.extension.typeName), c.esValue as never);
      setExtension(ours, c.extension, c.value);
    }
    expect(Base.encode(ours)).toEqual(toBinary(esBase, es));
    expect(Base.toJson(ours)).toEqual(toJson(esBase, es, { registry }));
  });

  test("an extension of a message declared in another file", () => {
    const es = create(esMessage("fixtures.ext.other.Target"), { name: "t" });
    esSetExtension(es, esExtension("fixtures.ext.target_note"), "note");
    const ours = Target.create({ name: "t" });
    setExtension(ours, gen.target_note, "note");
    expect(Target.encode(ours)).toEqual(toBinary(esMessage("fixtures.ext.other.Target"), es));
    expect(Target.toJson(ours)).toEqual({ name: "t", "[fixtures.ext.target_note]": "note" });
  });
});

describe("extension values", () => {
  test("unset extensions give their proto2 defaults, [] or an empty message", () => {
    const base = Base.create();
    expect(getExtension(base, gen.int_ext)).toBe(0);
    expect(getExtension(base, gen.string_ext)).toBe("hello");
    expect(getExtension(base, gen.long_ext)).toBe(-7n);
    expect(getExtension(base, gen.double_ext)).toBe(1.5);
    expect(getExtension(base, gen.level_ext)).toBe(Level.LEVEL_HIGH);
    expect(getExtension(base, gen.bytes_ext)).toEqual(new Uint8Array(0));
    expect(getExtension(base, gen.packed_ext)).toEqual([]);
    expect(getExtension(base, gen.note_ext)).toEqual(Note.create());
    expect(getExtension(base, gen.string_long_ext)).toBe("0");
    expect(hasExtension(base, gen.int_ext)).toBe(false);
    for (const ext of [gen.string_ext, gen.long_ext, gen.level_ext]) {
      const esDefault = esGetExtension(create(esBase), esExtension(ext.typeName));
      expect(getExtension(base, ext as Extension<gen.Base, unknown>)).toEqual(esDefault);
    }
  });

  test("a value equal to its default is still written (explicit presence), and clear removes it", () => {
    const base = Base.create();
    setExtension(base, gen.string_ext, "hello");
    expect(hasExtension(base, gen.string_ext)).toBe(true);
    expect(Base.decode(Base.encode(base)).$unknown).toEqual(new Uint8Array([0xaa, 0x06, 5, ...new TextEncoder().encode("hello")]));
    clearExtension(base, gen.string_ext);
    expect(hasExtension(base, gen.string_ext)).toBe(false);
    expect(base.$unknown).toBeUndefined();
    expect(Base.encode(base)).toEqual(new Uint8Array(0));
  });

  test("set replaces every earlier record of the extension and keeps other unknown fields in order", () => {
    const base = Base.decode(new Uint8Array([0xa0, 0x06, 1, 0xf8, 0x3e, 9, 0xa0, 0x06, 2])); // int_ext=1, field 999=9, int_ext=2
    expect(getExtension(base, gen.int_ext)).toBe(2); // the last record wins
    setExtension(base, gen.int_ext, 3);
    expect(base.$unknown).toEqual(new Uint8Array([0xf8, 0x3e, 9, 0xa0, 0x06, 3]));
  });

  test("repeated records merge: lists append (packed and unpacked alike), messages merge", () => {
    // packed_ext (108): one packed record [1, 2], then an unpacked 3, then packed [4].
    const lists = Base.decode(new Uint8Array([0xe2, 0x06, 2, 1, 2, 0xe0, 0x06, 3, 0xe2, 0x06, 1, 4]));
    expect(getExtension(lists, gen.packed_ext)).toEqual([1, 2, 3, 4]);
    expect(esGetExtension(fromBinary(esBase, Base.encode(lists)), esExtension("fixtures.ext.packed_ext"))).toEqual([1, 2, 3, 4]);
    // note_ext (107): {text: "a"} then {stars: 2} merge into one message.
    const note = Base.decode(new Uint8Array([0xda, 0x06, 3, 0x0a, 1, 0x61, 0xda, 0x06, 2, 0x10, 2]));
    expect(getExtension(note, gen.note_ext)).toEqual(Note.create({ text: "a", stars: 2 }));
  });

  test("a closed enum value the enum does not declare reads as the default and its record stays", () => {
    const base = Base.decode(new Uint8Array([0xd0, 0x06, 9])); // level_ext = 9
    expect(getExtension(base, gen.level_ext)).toBe(Level.LEVEL_HIGH);
    expect(Base.encode(base)).toEqual(new Uint8Array([0xd0, 0x06, 9]));
  });

  test("an extension's number with the wrong wire type is a ProtobufError when read", () => {
    const base = Base.decode(new Uint8Array([0xa5, 0x06, 1, 2, 3, 4])); // int_ext as fixed32
    expect(() => getExtension(base, gen.int_ext)).toThrow(ProtobufError);
  });

  test("string extensions follow their file's UTF-8 rule like string fields (proto2: not validated)", () => {
    const base = Base.decode(new Uint8Array([0xaa, 0x06, 1, 0xff]));
    expect(getExtension(base, gen.string_ext)).toBe("\uFFFD");
    expect(esGetExtension(fromBinary(esBase, Base.encode(base)), esExtension("fixtures.ext.string_ext"))).toBe("\uFFFD");
  });
});

describe("extensions nobody registered", () => {
  test("binary keeps them byte for byte", () => {
    const bytes = new Uint8Array([0x08, 1, 0xa0, 0x06, 5, 0xc2, 0x3e, 2, 0x08, 1]); // id=1, int_ext=5, field 1000 LEN
    expect(Base.encode(Base.decode(bytes))).toEqual(bytes);
  });

  test("JSON: a \"[name]\" key the registry does not know is an unknown field (ignorable)", () => {
    const json = { id: 1, "[fixtures.ext.nope]": 3 };
    expect(() => Base.fromJson(json)).toThrow(/unknown field "\[fixtures.ext.nope\]"/);
    expect(Base.fromJson(json, { ignoreUnknownFields: true })).toEqual(Base.create({ id: 1 }));
  });

  test("JSON: an extension of another message is not taken", () => {
    expect(() => Base.fromJson({ "[fixtures.ext.target_note]": "x" })).toThrow(/unknown field "\[fixtures\.ext\.target_note\]".*extends fixtures\.ext\.other\.Target, not fixtures\.ext\.Base/);
  });

  test("JSON: the unknown-key error names the key really not taken (never a registered extension read beside it), and why", () => {
    expect(() => Base.fromJson({ "[fixtures.ext.int_ext]": 5, bogus: 1 })).toThrow(/^fixtures\.ext\.Base: unknown field "bogus" in JSON$/);
    expect(() => Base.fromJson({ "[fixtures.ext.int_ext]": 5, "[fixtures.ext.nope]": 1 })).toThrow(
      /unknown field "\[fixtures\.ext\.nope\]" in JSON: the type registry has no extension fixtures\.ext\.nope/,
    );
    const only = createTypeRegistry([Base]);
    expect(() => Base.fromJson({ id: 1, "[fixtures.ext.int_ext]": 5 }, { registry: only })).toThrow(/the type registry has no extension fixtures\.ext\.int_ext/);
  });

  test("JSON: a registry without extensions writes none and reads none", () => {
    const only = createTypeRegistry([Base]);
    const base = Base.create({ id: 2 });
    setExtension(base, gen.int_ext, 5);
    expect(Base.toJson(base, { registry: only })).toEqual({ id: 2 });
    expect(Base.toJson(base)).toEqual({ id: 2, "[fixtures.ext.int_ext]": 5 });
    expect(() => Base.fromJson({ "[fixtures.ext.int_ext]": 5 }, { registry: only })).toThrow(/unknown field/);
    const withExt = createTypeRegistry([Base, gen.int_ext]);
    expect(getExtension(Base.fromJson({ "[fixtures.ext.int_ext]": 5 }, { registry: withExt }), gen.int_ext)).toBe(5);
  });

  test("JSON null for an extension leaves it unset; a bad value names the extension", () => {
    expect(hasExtension(Base.fromJson({ "[fixtures.ext.int_ext]": null }), gen.int_ext)).toBe(false);
    expect(() => Base.fromJson({ "[fixtures.ext.int_ext]": "x" })).toThrow(/fixtures\.ext\.Base\.\[fixtures\.ext\.int_ext\]/);
  });
});

describe("the type registry", () => {
  test("the output's registry lists every extension by name and by extendee and number", () => {
    expect(typeRegistry.getExtension?.("fixtures.ext.int_ext")).toBe(gen.int_ext);
    expect(typeRegistry.getExtension?.("fixtures.ext.Scope.nested_ext")).toBe(gen.Scope_nested_ext);
    expect(typeRegistry.getExtensionFor?.("fixtures.ext.Base", 151)).toBe(gen.Scope_nested_ext);
    expect(typeRegistry.getExtensionFor?.("fixtures.ext.other.Target", 500)).toBe(gen.target_note);
    expect(typeRegistry.getExtensionFor?.("fixtures.ext.Base", 199)).toBeUndefined();
    expect(typeRegistry.getExtension?.("fixtures.ext.editions.count")).toBe(editions.count);
    expect(typeRegistry.getMessage("fixtures.ext.Base")).toBe(Base);
  });

  test("extension metadata", () => {
    expect(gen.Scope_nested_ext).toMatchObject({ typeName: "fixtures.ext.Scope.nested_ext", extendee: "fixtures.ext.Base", number: 151, repeated: false });
    expect(gen.notes_ext.repeated).toBe(true);
  });
});

describe("editions", () => {
  const esHolder = esMessage("fixtures.ext.editions.Holder");
  const esItem = esMessage("fixtures.ext.editions.Item");
  const editionCases: [Extension<editions.Holder, unknown>, unknown, unknown][] = [
    [editions.count as Extension<editions.Holder, unknown>, 0, 0],
    [editions.numbers as Extension<editions.Holder, unknown>, [1, 2, 3], [1, 2, 3]],
    [editions.expanded as Extension<editions.Holder, unknown>, [4, 5], [4, 5]],
    [editions.item as Extension<editions.Holder, unknown>, editions.Item.create({ label: "i" }), create(esItem, { label: "i" })],
    [editions.delimited_item as Extension<editions.Holder, unknown>, editions.Item.create({ label: "d" }), create(esItem, { label: "d" })],
    [editions.name as Extension<editions.Holder, unknown>, "n", "n"],
  ];
  test.each(editionCases.map((c) => [c[0].typeName, c] as const))("%s: bytes and JSON equal protobuf-es's", (_, [extension, value, esValue]) => {
    const es = create(esHolder, { id: 1 });
    esSetExtension(es, esExtension(extension.typeName), esValue as never);
    const ours = editions.Holder.create({ id: 1 });
    setExtension(ours, extension, value);
    expect(editions.Holder.encode(ours)).toEqual(toBinary(esHolder, es));
    expect(editions.Holder.toJson(ours)).toEqual(toJson(esHolder, es, { registry }) as JsonValue);
    const back = editions.Holder.decode(toBinary(esHolder, es));
    expect(editions.Holder.encode(back)).toEqual(toBinary(esHolder, es));
  });

  test("defaults: [default = …] and explicit presence", () => {
    const holder = editions.Holder.create();
    expect(getExtension(holder, editions.name)).toBe("unnamed");
    expect(hasExtension(holder, editions.count)).toBe(false);
    setExtension(holder, editions.count, 0);
    expect(hasExtension(holder, editions.count)).toBe(true);
    expect(editions.Holder.encode(holder)).toEqual(new Uint8Array([0x50, 0]));
  });
});
