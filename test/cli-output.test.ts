// `tristub generate` and the output directory: the manifest decides what a re-run may remove, writing is
// all or nothing, overlapping include directories resolve like protoc's, and compile errors name the file.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test, type TestContext } from "vitest";
import { parseImports } from "../generator/compile.js";
import { fixturesDir } from "./support/fixtures.js";
import { readEntries, readTree, runTristub, useTempDir, writeConfig, type RunResult } from "./support/process.js";

const servicesDir = join(fixturesDir, "services");
const manifest = ".tristub-manifest";
const manifestHeader =
  "# tristub: files written here by `tristub generate`, by configuration (a run removes only its own configuration's files that it no longer generates)";

function write(dir: string, path: string, content: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

/** A temp dir holding a copy of the services fixture (greet.proto, health.proto). */
function servicesWorkspace(context: TestContext): string {
  const dir = useTempDir(context);
  cpSync(servicesDir, dir, { recursive: true });
  return dir;
}

async function generateOk(args: readonly string[], dir: string): Promise<void> {
  const result = await runTristub(["generate", ...args], dir);
  expect(result, result.stderr).toMatchObject({ code: 0, stdout: "", stderr: "" });
}

/** Exit 1 with exactly one `tristub: …` line on stderr and no stack trace. */
function expectCleanFailure(result: RunResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tristub: \S/);
  expect(lines[0]).toMatch(pattern);
}

/** The files the manifest in `dir` lists for its one configuration (checking the header and the format). */
function manifestNames(dir: string): string[] {
  const lines = readFileSync(join(dir, manifest), "utf8").split("\n");
  expect(lines[0]).toBe(manifestHeader);
  expect(lines[1]).toMatch(/^\[.+\]$/);
  expect(lines.at(-1)).toBe("");
  expect(lines.slice(2, -1).filter((line) => line.startsWith("["))).toEqual([]);
  return lines.slice(2, -1);
}

/** Generates the named configuration "api" of greet/health-style protos into gen/ (via tristub.config.json). */
async function generateApi(dir: string, protos: readonly string[]): Promise<void> {
  writeConfig(dir, [{ name: "api", protos, out: "gen" }]);
  await generateOk([], dir);
}

/** Top-level entries of `dir` that look like a leftover staging directory. */
function stagingLeftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(".tristub-staging-"));
}

describe("the manifest", () => {
  test("lists exactly the written files, sorted, after one comment line; the same bytes every run", async (context) => {
    const dir = servicesWorkspace(context);
    await generateOk(["greet.proto", "health.proto", "--out", "gen"], dir);
    const gen = join(dir, "gen");
    const written = [...readTree(gen).keys()].filter((name) => name !== manifest);
    expect(manifestNames(gen)).toEqual(written);
    expect(manifestNames(gen)).toEqual([...written].sort());
    expect(written).toContain("google/protobuf/empty.ts");
    const first = readFileSync(join(gen, manifest), "utf8");
    await generateOk(["greet.proto", "health.proto", "--out", "gen"], dir);
    expect(readFileSync(join(gen, manifest), "utf8")).toBe(first);
    expect(stagingLeftovers(gen)).toEqual([]);
  });

  test("a re-run removes listed files it no longer generates, and the directories they leave empty", async (context) => {
    const dir = servicesWorkspace(context);
    await generateApi(dir, ["greet.proto", "health.proto"]);
    const gen = join(dir, "gen");
    write(gen, "keep/user.ts", "export const user = 1;\n");
    await generateApi(dir, ["greet.proto"]);
    expect(existsSync(join(gen, "health.ts"))).toBe(false);
    expect(existsSync(join(gen, "google"))).toBe(false);
    expect(existsSync(join(gen, "keep", "user.ts"))).toBe(true);
    expect(manifestNames(gen)).not.toContain("health.ts");
    expect(manifestNames(gen)).not.toContain("google/protobuf/empty.ts");
    expect(manifestNames(gen)).toContain("greet.ts");
    // Removing everything leaves the output directory itself.
    write(dir, "lone.proto", 'syntax = "proto3";\n\npackage lone;\n\nmessage L {}\n');
    await generateApi(dir, ["lone.proto"]);
    expect(existsSync(join(gen, "greet.ts"))).toBe(false);
    expect(existsSync(gen)).toBe(true);
  });

  test("only listed files that still carry tristub's header are removed", async (context) => {
    const dir = servicesWorkspace(context);
    await generateApi(dir, ["greet.proto", "health.proto"]);
    const gen = join(dir, "gen");
    // The user took health.ts over (no header any more): it stays, and so does its directory's content.
    write(gen, "health.ts", "export const mine = true;\n");
    // A tristub file that the manifest does not list (copied in by hand) is not tristub's to remove.
    const copied = "// @generated by tristub v0.0.0 from x.proto (proto3). Do not edit.\n";
    write(gen, "copied/x.ts", copied);
    // Lines escaping the output directory are ignored, whatever they name.
    write(dir, "outside.ts", copied);
    writeFileSync(join(gen, manifest), `${readFileSync(join(gen, manifest), "utf8")}../outside.ts\n/etc/passwd\n`);
    await generateApi(dir, ["greet.proto"]);
    expect(readFileSync(join(gen, "health.ts"), "utf8")).toBe("export const mine = true;\n");
    expect(readFileSync(join(gen, "copied/x.ts"), "utf8")).toBe(copied);
    expect(readFileSync(join(dir, "outside.ts"), "utf8")).toBe(copied);
    expect(existsSync(join(gen, "google"))).toBe(false);
  });

  test("without a manifest (an older output), nothing is removed and --check reports it missing", async (context) => {
    const dir = servicesWorkspace(context);
    await generateOk(["greet.proto", "health.proto", "--out", "gen"], dir);
    const gen = join(dir, "gen");
    await generateOk(["greet.proto", "--out", "fresh"], dir);
    rmSync(join(gen, manifest));
    const check = await runTristub(["generate", "greet.proto", "--out", "gen", "--check"], dir);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^missing: +\.tristub-manifest$/m);
    expect(check.stderr).not.toMatch(/^extra:/m);
    // tristub's files in a directory without a manifest are taken over; nothing else is touched.
    await generateOk(["greet.proto", "--out", "gen"], dir);
    expect(existsSync(join(gen, "health.ts"))).toBe(true);
    expect(readFileSync(join(gen, manifest), "utf8")).toBe(readFileSync(join(dir, "fresh", manifest), "utf8"));
  });

  test("a manifest in the format of tristub 0.1 (no configurations) belongs to the next run", async (context) => {
    const dir = servicesWorkspace(context);
    await generateOk(["greet.proto", "health.proto", "--out", "gen"], dir);
    const gen = join(dir, "gen");
    const names = manifestNames(gen);
    writeFileSync(join(gen, manifest), `# tristub: the files the last \`tristub generate\` wrote\n${names.join("\n")}\n`);
    await generateOk(["greet.proto", "--out", "gen"], dir);
    expect(existsSync(join(gen, "health.ts"))).toBe(false);
    expect(readFileSync(join(gen, manifest), "utf8")).toMatch(/^\[greet\.proto\]$/m);
  });

  test("--check: a manifest that differs from what would be written is stale", async (context) => {
    const dir = servicesWorkspace(context);
    await generateOk(["greet.proto", "--out", "gen"], dir);
    writeFileSync(join(dir, "gen", manifest), `${readFileSync(join(dir, "gen", manifest), "utf8")}\n`);
    const check = await runTristub(["generate", "greet.proto", "--out", "gen", "--check"], dir);
    expect(check.code).toBe(1);
    expect(check.stderr.split("\n").filter((line) => /^(stale|missing|extra):/.test(line))).toEqual([
      "stale:   .tristub-manifest",
    ]);
  });
});

describe("--out . in a tree holding other output directories", () => {
  test("another tristub output below is left alone, by generate and by --check", async (context) => {
    const dir = servicesWorkspace(context);
    await generateOk(["greet.proto", "health.proto", "--out", "other/gen"], dir);
    const other = readEntries(join(dir, "other"));
    await generateOk(["greet.proto", "--out", "."], dir);
    expect(existsSync(join(dir, "greet.ts"))).toBe(true);
    expect(manifestNames(dir)).toContain("greet.ts");
    expect(await runTristub(["generate", "greet.proto", "--out", ".", "--check"], dir)).toMatchObject({ code: 0, stderr: "" });
    // health.proto's output elsewhere is not "extra": only this output's manifest counts.
    await generateOk(["health.proto", "--out", ".", "--overwrite"], dir);
    expect(readEntries(join(dir, "other"))).toEqual(other);
    expect(stagingLeftovers(dir)).toEqual([]);
  });
});

describe("writing is all or nothing", () => {
  test("--out below a file: exit 1 with one tristub: line, nothing written", async (context) => {
    const dir = servicesWorkspace(context);
    write(dir, "somefile", "not a directory\n");
    const before = readEntries(dir);
    expectCleanFailure(await runTristub(["generate", "greet.proto", "--out", "somefile/gen"], dir), /somefile\/gen/);
    expect(readEntries(dir)).toEqual(before);
  });

  test("--out naming a file: exit 1 with one tristub: line, nothing written", async (context) => {
    const dir = servicesWorkspace(context);
    write(dir, "somefile", "not a directory\n");
    const before = readEntries(dir);
    expectCleanFailure(await runTristub(["generate", "greet.proto", "--out", "somefile"], dir), /somefile: not a directory/);
    expect(readEntries(dir)).toEqual(before);
  });

  test("a failure after some files were replaced puts everything back", async (context) => {
    const dir = servicesWorkspace(context);
    await generateOk(["greet.proto", "health.proto", "--out", "gen"], dir);
    // The manifest is replaced last: a directory in its place fails the run after all files were moved in.
    const gen = join(dir, "gen");
    rmSync(join(gen, manifest));
    write(gen, `${manifest}/blocker`, "x\n");
    write(dir, "more.proto", 'syntax = "proto3";\n\npackage more;\n\nmessage More {}\n');
    const before = readEntries(dir);
    const result = await runTristub(["generate", "greet.proto", "more.proto", "--out", "gen", "--overwrite"], dir);
    expectCleanFailure(result, /gen\/\.tristub-manifest: is a directory/);
    expect(readEntries(dir)).toEqual(before);
  });

  test("a generated file's place taken by a directory: exit 1, the directory and its content kept", async (context) => {
    const dir = servicesWorkspace(context);
    write(dir, "gen/greet.ts/keep.txt", "mine\n");
    const before = readEntries(dir);
    expectCleanFailure(await runTristub(["generate", "greet.proto", "--out", "gen"], dir), /gen\/greet\.ts: is a directory/);
    expect(readEntries(dir)).toEqual(before);
  });
});

describe("include directories", () => {
  const y = 'syntax = "proto3";\n\npackage x;\n\nimport "x/z.proto";\n\nmessage Y {\n  Z z = 1;\n}\n';
  const z = 'syntax = "proto3";\n\npackage x;\n\nmessage Z {\n  int32 a = 1;\n}\n';

  function overlapping(context: TestContext): string {
    const dir = useTempDir(context);
    write(dir, "protos/x/y.proto", y);
    write(dir, "protos/x/z.proto", z);
    return dir;
  }

  function protoOutputs(dir: string): string[] {
    return [...readTree(dir).keys()].filter((name) => name !== manifest && !/^tristub-[\w-]+\.ts$/.test(name) && !name.startsWith("tristub/"));
  }

  test("-I protos -I . (overlapping): names come from the first include directory that has the file", async (context) => {
    const dir = overlapping(context);
    await generateOk(["protos/x/y.proto", "-I", "protos", "-I", ".", "--out", "gen"], dir);
    expect(protoOutputs(join(dir, "gen"))).toEqual(["x/y.ts", "x/z.ts"]);
  });

  test("-I . -I protos: like protoc, protos/x/y.proto keeps its name under . and imports x/z.proto from protos", async (context) => {
    const dir = overlapping(context);
    await generateOk(["protos/x/y.proto", "-I", ".", "-I", "protos", "--out", "gen"], dir);
    expect(protoOutputs(join(dir, "gen"))).toEqual(["protos/x/y.ts", "x/z.ts"]);
  });

  test("overlapping include directories: diagnostics point at the real file", async (context) => {
    const dir = overlapping(context);
    write(dir, "protos/x/z.proto", 'syntax = "proto3";\n\npackage x;\n\nmessage Z {\n  int32 a = 1\n}\n');
    const result = await runTristub(["generate", "protos/x/y.proto", "-I", "protos", "-I", ".", "--out", "gen"], dir);
    expectCleanFailure(result, /^tristub: protos\/x\/z\.proto:7:1:/);
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });

  test("a file shadowed by one of the same name in an earlier include directory is an error, as in protoc", async (context) => {
    const dir = useTempDir(context);
    write(dir, "a/x.proto", z);
    write(dir, "b/x.proto", z);
    const result = await runTristub(["generate", "b/x.proto", "-I", "a", "-I", "b", "--out", "gen"], dir);
    expectCleanFailure(result, /^tristub: b\/x\.proto: shadowed by a\/x\.proto/);
  });

  test("an unresolved import names the import and where it is", async (context) => {
    const dir = useTempDir(context);
    write(dir, "protos/a.proto", 'syntax = "proto3";\n\nimport "b/missing.proto";\n\nmessage A {}\n');
    const result = await runTristub(["generate", "a.proto", "-I", "protos", "--out", "gen"], dir);
    expectCleanFailure(result, /^tristub: protos\/a\.proto:3:1:imported file "b\/missing\.proto" does not exist/);
    expect(result.stderr).toContain("-I protos");
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });
});

describe("parseImports", () => {
  test("finds import statements, skipping comments and strings", () => {
    const source = [
      'syntax = "proto3";',
      '// import "commented.proto";',
      '/* import "block.proto"; */',
      'import public "a/" "b.proto"; import weak \'w.proto\';',
      'option (x) = "import \\"s.proto\\";";',
      'import "esc\\x61pe.proto";',
    ].join("\n");
    expect(parseImports(source)).toEqual([
      { name: "a/b.proto", line: 4, column: 1 },
      { name: "w.proto", line: 4, column: 31 },
      { name: "escape.proto", line: 6, column: 1 },
    ]);
  });
});
