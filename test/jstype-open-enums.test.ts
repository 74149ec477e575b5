// `[jstype = JS_STRING]` 64-bit integers are decimal strings (JS_NUMBER / JS_NORMAL stay bigint), as in
// protobuf-es v2; open enums are typed so that numbers the schema does not declare are representable,
// closed (proto2) enums are not. Values are compared with @bufbuild/protobuf in both directions.
import { create, fromBinary, fromJson, toBinary, toJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, expectTypeOf, test } from "vitest";
import { EnumFields, Planet } from "../snapshots/enums/enums.js";
import { Level } from "../snapshots/proto2/proto2.js";
import { JsStringDefaults } from "../snapshots/proto2/proto2.js";
import { JsTypes } from "../snapshots/scalars/scalars.js";
import { compileFixture } from "./support/fixtures.js";

describe("jstype", async () => {
  const { registry } = await compileFixture("scalars");
  const desc = registry.getMessage("fixtures.scalars.JsTypes") as DescMessage;
  const full = {
    int64String: "-9223372036854775808",
    uint64String: "18446744073709551615",
    sint64String: "-1",
    fixed64String: "9007199254740993",
    sfixed64String: "-9007199254740993",
    optionalString: "0",
    packedStrings: ["1", "-2", "9223372036854775807"],
    fixedStrings: ["18446744073709551615"],
    choice: { case: "oneofString" as const, value: "42" },
    int64Number: -5n,
    uint64Normal: 18446744073709551615n,
  };

  test("JS_STRING fields are strings (zero \"0\"), JS_NUMBER and JS_NORMAL stay bigint", () => {
    const empty = JsTypes.create();
    expect(empty.int64String).toBe("0");
    expect(empty.packedStrings).toEqual([]);
    expect(empty.int64Number).toBe(0n);
    expectTypeOf(empty.int64String).toEqualTypeOf<string>();
    expectTypeOf(empty.int64Number).toEqualTypeOf<bigint>();
    expectTypeOf(empty.uint64Normal).toEqualTypeOf<bigint>();
    // protobuf-es types them the same way.
    const es = create(desc) as unknown as Record<string, unknown>;
    expect(typeof es["int64String"]).toBe("string");
    expect(typeof es["int64Number"]).toBe("bigint");
  });

  test("binary and JSON agree with protobuf-es in both directions", () => {
    const message = JsTypes.create(full);
    const bytes = JsTypes.encode(message);
    expect(bytes).toEqual(toBinary(desc, create(desc, full as never)));
    const es = fromBinary(desc, bytes) as unknown as Record<string, unknown>;
    expect(es["uint64String"]).toBe("18446744073709551615");
    expect(es["packedStrings"]).toEqual(["1", "-2", "9223372036854775807"]);
    expect(JsTypes.decode(toBinary(desc, create(desc, full as never)))).toEqual(message);
    const json = JsTypes.toJson(message);
    expect(json).toEqual(toJson(desc, create(desc, full as never)));
    expect(JsTypes.fromJson(json)).toEqual(message);
    expect(toJson(desc, fromJson(desc, json as JsonValue))).toEqual(json);
    expect(JSON.parse(JsTypes.toJsonString(message))).toEqual(json);
  });

  test("a non-canonical string is written in canonical form; implicit \"0\" is not written", () => {
    const message = JsTypes.create({ int64String: "007", sint64String: "0" });
    expect(JsTypes.toJson(message)).toEqual({ int64String: "7" });
    expect(JsTypes.decode(JsTypes.encode(message)).int64String).toBe("7");
    expect(JsTypes.encode(JsTypes.create({ int64String: "0" }))).toEqual(new Uint8Array(0));
  });

  test("proto2 defaults of JS_STRING fields are strings", async () => {
    const { registry: p2 } = await compileFixture("proto2");
    const d = p2.getMessage("fixtures.proto2.JsStringDefaults") as DescMessage;
    const message = JsStringDefaults.create({ requiredString: "-3", unpackedStrings: ["1", "2"] });
    expect(message.requiredString).toBe("-3");
    expectTypeOf(message.withDefault).toEqualTypeOf<string | undefined>();
    expect(JsStringDefaults.encode(message)).toEqual(toBinary(d, create(d, { requiredString: "-3", unpackedStrings: ["1", "2"] } as never)));
  });
});

describe("open enums", async () => {
  const { registry } = await compileFixture("enums");
  const desc = registry.getMessage("fixtures.enums.EnumFields") as DescMessage;

  test("an open enum's type holds undeclared numbers, which survive binary and JSON like in protobuf-es", () => {
    const unknown: Planet = 99; // compiles: open enums are `… | (number & {})`
    const message = EnumFields.create({ planet: unknown, planets: [Planet.PLANET_EARTH, 7] });
    const bytes = EnumFields.encode(message);
    const es = fromBinary(desc, bytes) as unknown as Record<string, unknown>;
    expect(es["planet"]).toBe(99);
    expect(es["planets"]).toEqual([Planet.PLANET_EARTH, 7]);
    expect(EnumFields.decode(toBinary(desc, es as never)).planet).toBe(99);
    expect(EnumFields.toJson(message)).toMatchObject({ planet: 99, planets: ["PLANET_EARTH", 7] });
    expect(EnumFields.fromJson(EnumFields.toJson(message)).planet).toBe(99);
  });

  test("a closed (proto2) enum's type is exactly its declared values", () => {
    expectTypeOf<Level>().not.toEqualTypeOf<number>();
    // @ts-expect-error a closed enum does not take undeclared numbers
    const invalid: Level = 99;
    expect(invalid).toBe(99);
    expectTypeOf<99>().toMatchTypeOf<Planet>();
  });
});
