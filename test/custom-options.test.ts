// Custom options (test/fixtures/custom-options, generated with custom_options): getOption/hasOption on
// the generated `file_…` trees give what protobuf-es 2.17's getOption/hasOption give on its own
// descriptors of the same protos — scalar, enum, message and repeated options on files, messages,
// fields, oneofs, enums, enum values, services and methods — and options nobody set read as defaults.
import { MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { fromBinary, fromJson, getOption as esGetOption, hasOption as esHasOption, toBinary, toJson, type AnyDesc, type DescExtension, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import * as opts from "../snapshots/custom-options/options.js";
import { file_service } from "../snapshots/custom-options/service.js";
import { MethodOptions } from "../snapshots/custom-options/google/protobuf/descriptor.js";
import { getExtension, getOption, hasOption, type Extension } from "../snapshots/custom-options/tristub-runtime.js";
import { generate } from "../generator/generate.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileFixture, fixturesDir, snapshotsDir } from "./support/fixtures.js";
import { bufBin, pluginBin, readTree, run, runTristub, useTempDir, writeConfig } from "./support/process.js";

const registry: FileRegistry = (await compileFixture("custom-options")).registry;
const file = registry.getFile("service.proto");
if (file === undefined) throw new Error("service.proto is not compiled");
const esExtension = (name: string): DescExtension => registry.getExtension(`fixtures.opts.${name}`) as DescExtension;
const esHttpRule = registry.getMessage("fixtures.opts.HttpRule") as DescMessage;
const account = registry.getMessage("fixtures.opts.Account") as DescMessage;
const service = file.services[0];
if (service === undefined) throw new Error("no service");
const method = (name: string) => service.methods.find((m) => m.name === name) as AnyDesc;
const tree = file_service;

type Element = { readonly options?: Uint8Array };
/** Elements of our tree next to protobuf-es's descriptors of the same elements. */
const elements: [string, Element, AnyDesc][] = [
  ["file", tree, file],
  ["message Account", tree.messages.Account, account],
  ["message Account.Audit", tree.messages.Account_Audit, registry.getMessage("fixtures.opts.Account.Audit") as AnyDesc],
  ["field Account.id", tree.messages.Account.fields.id, account.field["id"] as AnyDesc],
  ["field Account.email", tree.messages.Account.fields.email, account.field["email"] as AnyDesc],
  ["field Account.pager", tree.messages.Account.fields.pager, account.field["pager"] as AnyDesc],
  ["field Account.Audit.by", tree.messages.Account_Audit.fields.by, (registry.getMessage("fixtures.opts.Account.Audit") as DescMessage).field["by"] as AnyDesc],
  ["oneof Account.contact", tree.messages.Account.oneofs.contact, account.oneofs[0] as AnyDesc],
  ["enum Tier", tree.enums.Tier, registry.getEnum("fixtures.opts.Tier") as AnyDesc],
  ["enum value TIER_GOLD", tree.enums.Tier.values.TIER_GOLD, registry.getEnum("fixtures.opts.Tier")?.values[1] as AnyDesc],
  ["enum value TIER_UNSPECIFIED", tree.enums.Tier.values.TIER_UNSPECIFIED, registry.getEnum("fixtures.opts.Tier")?.values[0] as AnyDesc],
  ["service", tree.services.AccountService, service],
  ["method GetAccount", tree.services.AccountService.methods.GetAccount, method("GetAccount")],
  ["method DeleteAccount", tree.services.AccountService.methods.DeleteAccount, method("DeleteAccount")],
  ["method Plain", tree.services.AccountService.methods.Plain, method("Plain")],
  ["field Extension legacy_column", opts.file_options.extensions.legacy_column, registry.getExtension("fixtures.opts.legacy_column") as AnyDesc],
  ["field Extension column", opts.file_options.extensions.column, registry.getExtension("fixtures.opts.column") as AnyDesc],
];

/** Every option extension of options.proto, with how to compare values (messages by their bytes). */
const options: [Extension<object, unknown>, (v: unknown) => unknown, (v: unknown) => unknown][] = [];
const same = (v: unknown): unknown => v;
const ourRule = (v: unknown): unknown => opts.HttpRule.encode(v as opts.HttpRule);
const esRule = (v: unknown): unknown => toBinary(esHttpRule, v as never);
for (const ext of [
  opts.timeout_ms, opts.visibility, opts.scopes, opts.idempotent, opts.retry_codes, opts.service_owner, opts.file_owner, opts.file_revision,
  opts.sensitive, opts.column, opts.weight, opts.legacy_column, opts.required_choice, opts.enum_label, opts.display,
]) {
  options.push([ext as Extension<object, unknown>, same, same]);
}
options.push([opts.http as Extension<object, unknown>, ourRule, esRule], [opts.message_rule as Extension<object, unknown>, ourRule, esRule]);

/** Pairs of an element and an option that applies to its kind (same extendee). */
const extendeeOf: Record<string, string> = {
  file: "FileOptions", message: "MessageOptions", field: "FieldOptions", oneof: "OneofOptions", enum: "EnumOptions",
  "enum value": "EnumValueOptions", service: "ServiceOptions", method: "MethodOptions",
};
const pairs = elements.flatMap(([label, ours, es]) => {
  const kind = label.replace(/ [A-Z].*$/, "").replace(/ TIER.*$/, "");
  return options.filter(([ext]) => ext.extendee === `google.protobuf.${extendeeOf[kind]}`).map(([ext, a, b]) => [`${label} (${ext.typeName})`, ours, es, ext, a, b] as const);
});

describe("custom options against protobuf-es's getOption", () => {
  test("every element kind has options to compare", () => {
    expect(new Set(pairs.map((pair) => pair[3].extendee)).size).toBe(8);
    expect(pairs.length).toBe(47);
  });

  test.each(pairs)("%s", (_, ours, es, ext, mapOurs, mapEs) => {
    const esExt = esExtension(ext.typeName.replace(/^fixtures\.opts\./, ""));
    expect(hasOption(ours, ext)).toBe(esHasOption(es, esExt));
    expect(mapOurs(getOption(ours, ext))).toEqual(mapEs(esGetOption(es, esExt)));
  });

  test("the values are the ones service.proto sets", () => {
    const get = tree.services.AccountService.methods.GetAccount;
    expect(getOption(get, opts.http)).toEqual(opts.HttpRule.create({ get: "/v1/accounts/{id}", tags: ["read", "public"] }));
    expect(getOption(get, opts.timeout_ms)).toBe(1500);
    expect(getOption(get, opts.visibility)).toBe(opts.Visibility.VISIBILITY_PUBLIC);
    expect(getOption(get, opts.scopes)).toEqual(["accounts.read", "accounts.admin"]);
    expect(getOption(get, opts.retry_codes)).toEqual([14, 4]);
    expect(getOption(tree, opts.file_revision)).toBe(-42n);
    expect(getOption(tree.enums.Tier.values.TIER_GOLD, opts.display)).toBe("Gold ★");
    expect(hasOption(tree.services.AccountService.methods.Plain, opts.http)).toBe(false);
    expect(getOption(tree.services.AccountService.methods.Plain, opts.timeout_ms)).toBe(0);
    expect(getOption(opts.file_options.extensions.legacy_column, opts.weight)).toBe(0.5);
  });

  test("the options bytes are a MethodOptions message's extension records", () => {
    const decoded = MethodOptions.decode(tree.services.AccountService.methods.DeleteAccount.options);
    expect(getExtension(decoded, opts.visibility)).toBe(opts.Visibility.VISIBILITY_INTERNAL);
    expect(getExtension(decoded, opts.http).post).toBe("/v1/accounts/{id}:delete");
  });

  test("an options message writes and reads its extensions in JSON as protobuf-es does", () => {
    const bytes = tree.services.AccountService.methods.GetAccount.options;
    const esJson = toJson(MethodOptionsSchema, fromBinary(MethodOptionsSchema, bytes), { registry });
    expect(MethodOptions.toJson(MethodOptions.decode(bytes))).toEqual(esJson);
    expect(esJson).toMatchObject({ "[fixtures.opts.visibility]": "VISIBILITY_PUBLIC", "[fixtures.opts.scopes]": ["accounts.read", "accounts.admin"] });
    expect(MethodOptions.encode(MethodOptions.fromJson(esJson))).toEqual(toBinary(MethodOptionsSchema, fromJson(MethodOptionsSchema, esJson, { registry })));
  });
});

describe("the custom_options option", () => {
  const fixture = join(fixturesDir, "custom-options");
  const expected = (): Map<string, string> => readTree(join(snapshotsDir, "custom-options"));
  const generatedIn = (dir: string): Map<string, string> => {
    const tree = readTree(dir);
    tree.delete(".tristub-manifest");
    return tree;
  };

  test("--custom-options (alone or =true), the config key and the plugin parameter give the snapshot", async (context) => {
    const dir = useTempDir(context);
    const protos = ["options.proto", "service.proto"];
    const base = ["generate", ...protos, "-I", fixture];
    expect(await runTristub([...base, "--out", join(dir, "bare"), "--custom-options"], dir)).toMatchObject({ code: 0 });
    expect(generatedIn(join(dir, "bare"))).toEqual(expected());
    expect(await runTristub([...base, "--custom-options=true", "--out", join(dir, "eq")], dir)).toMatchObject({ code: 0 });
    expect(generatedIn(join(dir, "eq"))).toEqual(expected());
    writeConfig(dir, [{ protos: protos.map((p) => join(fixture, p)), include: [fixture], out: "cfg", options: { custom_options: "true" } }]);
    expect(await runTristub(["generate"], dir)).toMatchObject({ code: 0 });
    expect(generatedIn(join(dir, "cfg"))).toEqual(expected());
    writeFileSync(
      join(dir, "buf.gen.yaml"),
      `version: v2\nplugins:\n  - local: [${JSON.stringify(process.execPath)}, ${JSON.stringify(pluginBin)}]\n    out: plugin\n    opt: custom_options=true\ninputs:\n  - directory: ${JSON.stringify(fixture)}\n`,
    );
    const plugin = await run(bufBin, ["generate"], dir);
    expect(plugin, plugin.stderr).toMatchObject({ code: 0 });
    expect(generatedIn(join(dir, "plugin"))).toEqual(expected());
    const bad = await runTristub([...base, "--out", join(dir, "bad"), "--custom-options=maybe"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--custom-options: invalid value "maybe" \(expected false, true\)/);
  });
});

describe("custom_options off", () => {
  test("no file_… trees and no getOption in the runtime", async () => {
    const files = generate(await compileFixture("custom-options"));
    const service = files.find((f) => f.name === "service.ts")?.content ?? "";
    expect(service).not.toContain("file_service");
    expect(files.find((f) => f.name === "tristub-runtime.ts")?.content).not.toContain("getOption");
    expect(files.find((f) => f.name === "tristub-runtime.ts")?.content).toContain("getExtension");
  });
});
