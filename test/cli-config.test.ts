// tristub.config.json (`tristub generate` without files), configurations sharing an output directory
// (never deleting or replacing another configuration's files silently), and the generator options as
// flags, configuration entries and plugin parameters alike.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, type TestContext } from "vitest";
import { fixturesDir, repoRoot } from "./support/fixtures.js";
import { bufBin, pluginBin, readEntries, readTree, run, runTristub, useTempDir, writeConfig, type RunResult } from "./support/process.js";

const servicesDir = join(fixturesDir, "services");

function servicesWorkspace(context: TestContext): string {
  const dir = useTempDir(context);
  cpSync(servicesDir, join(dir, "proto"), { recursive: true });
  return dir;
}

function expectOk(result: RunResult): void {
  expect(result, result.stderr).toMatchObject({ code: 0, stdout: "", stderr: "" });
}

function expectFailure(result: RunResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^tristub: /);
  expect(result.stderr).toMatch(pattern);
}

describe("tristub.config.json", () => {
  test("generate without arguments writes every configured output, each like the command line would", async (context) => {
    const dir = servicesWorkspace(context);
    writeConfig(dir, [
      { name: "clients", protos: ["proto/greet.proto"], include: ["proto"], out: "web/gen", options: { services: "client" } },
      { protos: ["proto"], include: ["proto"], out: "server/gen", options: { services: "server", import_extension: "ts" } },
    ]);
    expectOk(await runTristub(["generate"], dir));
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "cli-web", "--services", "client"], dir));
    expectOk(
      await runTristub(["generate", "greet.proto", "health.proto", "-I", "proto", "--out", "cli-server", "--services", "server", "--import-extension", "ts"], dir),
    );
    const withoutManifest = (tree: Map<string, string>): Map<string, string> => {
      tree.delete(".tristub-manifest");
      return tree;
    };
    expect(withoutManifest(readTree(join(dir, "web/gen")))).toEqual(withoutManifest(readTree(join(dir, "cli-web"))));
    expect(withoutManifest(readTree(join(dir, "server/gen")))).toEqual(withoutManifest(readTree(join(dir, "cli-server"))));
    // A directory in "protos" stands for every .proto below it: greet and health both.
    expect(readTree(join(dir, "server/gen")).has("health.ts")).toBe(true);
    expect(readFileSync(join(dir, "web/gen/.tristub-manifest"), "utf8")).toMatch(/^\[clients\]$/m);
    expect(readFileSync(join(dir, "server/gen/.tristub-manifest"), "utf8")).toMatch(/^\[server\/gen\]$/m);
    expect(await runTristub(["generate", "--check"], dir)).toMatchObject({ code: 0, stderr: "" });
  });

  test("--config names another file; paths are relative to it", async (context) => {
    const dir = servicesWorkspace(context);
    mkdirSync(join(dir, "conf"));
    writeFileSync(join(dir, "conf", "gen.json"), JSON.stringify({ outputs: [{ protos: ["../proto/greet.proto"], include: ["../proto"], out: "../gen" }] }));
    expectOk(await runTristub(["generate", "--config", "conf/gen.json"], dir));
    expect(existsSync(join(dir, "gen", "greet.ts"))).toBe(true);
  });

  const invalid: { name: string; config: unknown; message: RegExp }[] = [
    { name: "unknown top-level key", config: { outputs: [], extra: 1 }, message: /unknown key "extra" \(known: outputs, \$schema\)/ },
    { name: "no outputs", config: { outputs: [] }, message: /"outputs" must be a non-empty array/ },
    { name: "unknown output key", config: { outputs: [{ protos: ["proto/greet.proto"], out: "gen", output: "x" }] }, message: /outputs\[0\]: unknown key "output" \(known: name, protos, include, out, options\)/ },
    { name: "missing out", config: { outputs: [{ protos: ["proto/greet.proto"] }] }, message: /outputs\[0\]: "out" must be a directory name/ },
    { name: "unknown option", config: { outputs: [{ protos: ["proto/greet.proto"], out: "gen", options: { bogus: "1" } }] }, message: /options\.bogus: unknown option \(known: services=both\|client\|server\|none, import_extension=js\|ts\|none, js_import_style=module\|legacy_commonjs, target=ts, health=false\|true, reflection=false\|true, custom_options=false\|true\)/ },
    { name: "missing proto", config: { outputs: [{ protos: ["proto/nope.proto"], out: "gen" }] }, message: /proto\/nope\.proto: no such file or directory/ },
    { name: "two outputs with one name", config: { outputs: [{ protos: ["proto/greet.proto"], out: "gen" }, { protos: ["proto/health.proto"], out: "gen" }] }, message: /another output is also named "gen"/ },
  ];
  test.for(invalid)("$name: exit 1 with a message naming the file and the problem; nothing written", async ({ config, message }, context) => {
    const dir = servicesWorkspace(context);
    writeFileSync(join(dir, "tristub.config.json"), JSON.stringify(config));
    const before = readEntries(dir);
    const result = await runTristub(["generate"], dir);
    expectFailure(result, /^tristub: tristub\.config\.json: /);
    expect(result.stderr).toMatch(message);
    expect(readEntries(dir)).toEqual(before);
  });

  test("no files and no configuration: a usage message; flags that belong in the file are refused", async (context) => {
    const dir = servicesWorkspace(context);
    expectFailure(await runTristub(["generate"], dir), /no proto files given and no tristub\.config\.json/);
    writeConfig(dir, [{ protos: ["proto/greet.proto"], include: ["proto"], out: "gen" }]);
    expectFailure(await runTristub(["generate", "--out", "x", "--services", "client"], dir), /--out, --services: set these in tristub\.config\.json/);
  });
});

describe("configurations sharing an output directory", () => {
  test("a second configuration never deletes the first one's files, and stops before replacing them", async (context) => {
    const dir = servicesWorkspace(context);
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen"], dir));
    const first = readEntries(dir);
    const result = await runTristub(["generate", "health.proto", "-I", "proto", "--out", "gen"], dir);
    expectFailure(result, /would replace \d+ file\(s\) that this configuration did not write/);
    expect(result.stderr).toMatch(/^ {2}gen\/tristub-registry\.ts \(written by configuration \[greet\.proto\]\)$/m);
    expect(result.stderr).toMatch(/^ {2}gen\/tristub\/[\w/-]+\.ts \(written by configuration \[greet\.proto\]\)$/m);
    expect(result.stderr).toMatch(/pass --overwrite to replace them/);
    expect(readEntries(dir)).toEqual(first);
  });

  test("with --overwrite the second configuration replaces the shared files and keeps the first's others", async (context) => {
    const dir = servicesWorkspace(context);
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen"], dir));
    const greet = readFileSync(join(dir, "gen", "greet.ts"), "utf8");
    expectOk(await runTristub(["generate", "health.proto", "-I", "proto", "--out", "gen", "--overwrite"], dir));
    expect(readFileSync(join(dir, "gen", "greet.ts"), "utf8")).toBe(greet);
    expect(existsSync(join(dir, "gen", "health.ts"))).toBe(true);
    const manifest = readFileSync(join(dir, "gen", ".tristub-manifest"), "utf8");
    expect(manifest).toMatch(/^\[greet\.proto\]\ngreet\.ts\n(tristub[^\n]*\n)*\[health\.proto\]\n/m);
    // greet.proto's configuration no longer owns the runtime: re-running it is a conflict again.
    expectFailure(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen"], dir), /tristub-registry\.ts \(written by configuration \[health\.proto\]\)/);
  });

  test("a user's file where a generated file goes is never replaced without --overwrite", async (context) => {
    const dir = servicesWorkspace(context);
    mkdirSync(join(dir, "gen"));
    writeFileSync(join(dir, "gen", "greet.ts"), "export const mine = 1;\n");
    const result = await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen"], dir);
    expectFailure(result, /gen\/greet\.ts \(written by not tristub\)/);
    expect(readFileSync(join(dir, "gen", "greet.ts"), "utf8")).toBe("export const mine = 1;\n");
    expect(existsSync(join(dir, "gen", ".tristub-manifest"))).toBe(false);
  });

  test("identical files are shared: two configurations whose output agrees coexist without a flag", async (context) => {
    const dir = servicesWorkspace(context);
    writeConfig(dir, [
      { name: "a", protos: ["proto/greet.proto"], include: ["proto"], out: "gen" },
      { name: "b", protos: ["proto/greet.proto"], include: ["proto"], out: "gen" },
    ]);
    expectOk(await runTristub(["generate"], dir));
    const manifest = readFileSync(join(dir, "gen", ".tristub-manifest"), "utf8");
    expect(manifest).toMatch(/^\[a\]\n(?:.+\n)+\[b\]\n/m);
    expectOk(await runTristub(["generate"], dir));
  });
});

describe("options", () => {
  test("unknown flags and values are rejected with the known ones", async (context) => {
    const dir = servicesWorkspace(context);
    const unknown = await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen", "--bogus"], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown argument: bogus \(known options: .*--import-extension, --js-import-style, --target/);
    expectFailure(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen", "--import-extension", "mjs"], dir), /--import-extension: invalid value "mjs" \(expected js, ts, none\)/);
    expectFailure(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen", "--target", "js"], dir), /--target: invalid value "js" \(expected ts; tristub writes TypeScript only/);
    expectFailure(
      await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "gen", "--import-extension", "none", "--js-import-style", "legacy_commonjs"], dir),
      /import_extension=none cannot be combined with js_import_style=legacy_commonjs/,
    );
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });

  test("import_extension rewrites every relative import; js_import_style=legacy_commonjs writes .mts modules", async (context) => {
    const dir = servicesWorkspace(context);
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "js"], dir));
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "ts", "--import-extension", "ts"], dir));
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "none", "--import-extension=none"], dir));
    expectOk(await runTristub(["generate", "greet.proto", "-I", "proto", "--out", "cjs", "--js-import-style", "legacy_commonjs"], dir));
    const js = readTree(join(dir, "js"));
    const relativeImports = (text: string): string[] => [...text.matchAll(/ from "(\.\.?\/[^"]*)";$/gm)].map((m) => m[1] as string);
    const greetImports = relativeImports(js.get("greet.ts") ?? "");
    expect(greetImports.length).toBeGreaterThan(0);
    expect(greetImports.every((s) => s.endsWith(".js"))).toBe(true);
    expect(relativeImports(readTree(join(dir, "ts")).get("greet.ts") ?? "")).toEqual(greetImports.map((s) => s.replace(/\.js$/, ".ts")));
    expect(relativeImports(readTree(join(dir, "none")).get("greet.ts") ?? "")).toEqual(greetImports.map((s) => s.replace(/\.js$/, "")));
    const cjs = readTree(join(dir, "cjs"));
    expect([...cjs.keys()].filter((n) => n !== ".tristub-manifest")).toEqual([...js.keys()].filter((n) => n !== ".tristub-manifest").map((n) => n.replace(/\.ts$/, ".mts")));
    expect(relativeImports(cjs.get("greet.mts") ?? "")).toEqual(greetImports.map((s) => s.replace(/\.js$/, ".mjs")));
    // Apart from the specifiers, the code is the same.
    expect((cjs.get("greet.mts") ?? "").replaceAll('.mjs";', '.js";')).toBe(js.get("greet.ts"));
  });

  test("the plugin takes the same options and rejects unknown ones with the list", async (context) => {
    const dir = servicesWorkspace(context);
    const template = (opt: string): string =>
      `version: v2\nplugins:\n  - local: [${JSON.stringify(process.execPath)}, ${JSON.stringify(pluginBin)}]\n    out: gen-plugin\n    opt: ${JSON.stringify(opt)}\ninputs:\n  - directory: proto\n`;
    writeFileSync(join(dir, "buf.gen.yaml"), template("target=ts,import_extension=ts,js_import_style=legacy_commonjs,services=client"));
    const ok = await run(bufBin, ["generate"], dir);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expectOk(
      await runTristub(
        ["generate", "greet.proto", "health.proto", "-I", "proto", "--out", "gen-cli", "--import-extension", "ts", "--js-import-style", "legacy_commonjs", "--services", "client"],
        dir,
      ),
    );
    const cli = readTree(join(dir, "gen-cli"));
    cli.delete(".tristub-manifest");
    expect(readTree(join(dir, "gen-plugin"))).toEqual(cli);
    writeFileSync(join(dir, "buf.gen.yaml"), template("import_style=commonjs"));
    const bad = await run(bufBin, ["generate"], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/plugin option "import_style": unknown option \(known: services=both\|client\|server\|none, import_extension=js\|ts\|none, js_import_style=module\|legacy_commonjs, target=ts, health=false\|true, reflection=false\|true, custom_options=false\|true\)/);
    writeFileSync(join(dir, "buf.gen.yaml"), template("target=js"));
    expect((await run(bufBin, ["generate"], dir)).stderr).toMatch(/plugin option "target": invalid value "js" \(expected ts; tristub writes TypeScript only/);
  });
});

describe("paths in messages", () => {
  test("a file outside the working directory is named by its absolute path, not ../../…", async (context) => {
    const outside = useTempDir(context);
    writeFileSync(join(outside, "bad.proto"), 'syntax = "proto3";\nmessage M { int32 a = 1 }\n');
    const dir = useTempDir(context);
    const result = await runTristub(["generate", join(outside, "bad.proto"), "-I", outside, "--out", "gen"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(outside, "bad.proto")}:2:`);
    expect(result.stderr).not.toMatch(/\.\.\//);
  });
});

describe("tristub.config.schema.json", () => {
  type Schema = { properties: { outputs: { items: { properties: Record<string, { properties?: Record<string, { enum?: string[] }> }> } } } };
  const schema = JSON.parse(readFileSync(join(repoRoot, "tristub.config.schema.json"), "utf8")) as Schema;

  test("names the keys and option values the loader accepts", async () => {
    const { optionSpecs } = await import("../generator/options.js");
    const output = schema.properties.outputs.items.properties;
    expect(Object.keys(output).sort()).toEqual(["include", "name", "options", "out", "protos"]);
    const options = output["options"]?.properties ?? {};
    expect(Object.fromEntries(Object.entries(options).map(([key, value]) => [key, value.enum]))).toEqual(
      // On/off options also take JSON booleans (the loader reads `true` as "true").
      Object.fromEntries(optionSpecs.map((o) => [o.key, o.bareFlagValue !== undefined ? [false, true, ...o.values] : [...o.values]])),
    );
  });

  test("a configuration pointing $schema at the installed file is accepted", async (context) => {
    const dir = servicesWorkspace(context);
    writeFileSync(
      join(dir, "tristub.config.json"),
      JSON.stringify({ $schema: "./node_modules/tristub/tristub.config.schema.json", outputs: [{ protos: ["proto/greet.proto"], include: ["proto"], out: "gen" }] }),
    );
    expectOk(await runTristub(["generate"], dir));
  });
});
