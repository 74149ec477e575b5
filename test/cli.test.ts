// The `tristub` command as users run it: a real node process in a real temporary directory.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test, type TestContext } from "vitest";
import { fixturesDir, repoRoot, snapshotsDir } from "./support/fixtures.js";
import { bufBin, describeDiff, diffTrees, readEntries, readTree, run, runTristub, useTempDir, writeConfig, type RunResult } from "./support/process.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const servicesDir = join(fixturesDir, "services");
const simpleProto = 'syntax = "proto3";\n\npackage x;\n\nmessage Y {\n  int32 a = 1;\n}\n';

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

/** The files generated from protos, i.e. without tristub's support modules (`tristub-runtime.ts`, `tristub/…`). */
function protoOutputs(dir: string): string[] {
  const files = [...generatedTree(dir).keys()];
  expect(files).toContain("tristub-runtime.ts");
  expect(files.some((name) => name.startsWith("tristub/protobuf/"))).toBe(true);
  return files.filter((name) => !/^tristub-[\w-]+\.ts$/.test(name) && !name.startsWith("tristub/"));
}

/** The generated files under `dir`, without the manifest that lists them. */
function generatedTree(dir: string): Map<string, string> {
  const tree = readTree(dir);
  expect(tree.has(".tristub-manifest")).toBe(true);
  tree.delete(".tristub-manifest");
  return tree;
}

/** Exit 1 with one `tristub: …` line (plus at most the usage hint) on stderr and no stack trace. */
function expectCleanFailure(result: RunResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^tristub: \S/);
  expect(lines[0]).toMatch(pattern);
  expect(lines.slice(1).filter((line) => line !== "Run `tristub --help` for usage.")).toEqual([]);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).toBe("");
}

describe("tristub --help / --version", () => {
  test("--help exits 0 and documents generate and its options", async (context) => {
    const result = await runTristub(["--help"], useTempDir(context));
    expect(result.code).toBe(0);
    for (const word of ["generate", "--out", "-I", "--include", "--check", "--descriptor-set", "--version"]) {
      expect(result.stdout).toContain(word);
    }
    expect(result.stdout).toContain("Options of tristub generate:");
    expect(result.stdout).toContain("Run `tristub generate --help` for details.");
    expect(Math.max(...result.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  test("generate --help documents the options", async (context) => {
    const result = await runTristub(["generate", "--help"], useTempDir(context));
    expect(result.code).toBe(0);
    for (const word of ["--out", "--include", "-I", "--check", "--descriptor-set"]) expect(result.stdout).toContain(word);
  });

  test("--version prints package.json's version", async (context) => {
    const result = await runTristub(["--version"], useTempDir(context));
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });
});

describe("tristub generate: output layout", () => {
  test("one proto in the working directory", async (context) => {
    const dir = useTempDir(context);
    cpSync(join(servicesDir, "greet.proto"), join(dir, "greet.proto"));
    const result = await runTristub(["generate", "greet.proto", "--out", "gen"], dir);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(protoOutputs(join(dir, "gen"))).toEqual(["greet.ts"]);
  });

  test("foo/bar.proto with -I . mirrors to gen/foo/bar.ts", async (context) => {
    const dir = useTempDir(context);
    write(dir, "foo/bar.proto", simpleProto);
    const result = await runTristub(["generate", "foo/bar.proto", "-I", ".", "--out", "gen"], dir);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(protoOutputs(join(dir, "gen"))).toEqual(["foo/bar.ts"]);
  });

  test.for([
    ["a path relative to the working directory", ["generate", "protos/x/y.proto", "-I", "protos", "--out", "gen"]],
    ["a path relative to the include directory", ["generate", "-I", "protos", "x/y.proto", "--out", "gen"]],
  ] as const)("-I protos with %s → gen/x/y.ts", async ([, args], context) => {
    const dir = useTempDir(context);
    write(dir, "protos/x/y.proto", simpleProto);
    const result = await runTristub(args, dir);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(protoOutputs(join(dir, "gen"))).toEqual(["x/y.ts"]);
  });

  test("the services fixture generates exactly snapshots/services", async (context) => {
    const dir = servicesWorkspace(context);
    const result = await runTristub(["generate", "greet.proto", "health.proto", "-I", ".", "--out", "gen"], dir);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const summary = describeDiff(diffTrees(generatedTree(join(dir, "gen")), readTree(join(snapshotsDir, "services"))));
    expect(summary).toBe("");
  });
});

describe("tristub generate: errors write nothing", () => {
  const cases: { name: string; args: string[]; setup?: (dir: string) => void; message: RegExp }[] = [
    { name: "missing file", args: ["generate", "nope.proto", "--out", "gen"], message: /nope\.proto: no such file/ },
    {
      name: "syntax error",
      args: ["generate", "bad.proto", "--out", "gen"],
      setup: (dir) => write(dir, "bad.proto", 'syntax = "proto3";\n\nmessage A {\n  int32 x = 1\n}\n'),
      message: /^tristub: bad\.proto:5:1:/,
    },
    {
      name: "unresolved import",
      args: ["generate", "imp.proto", "--out", "gen"],
      setup: (dir) => write(dir, "imp.proto", 'syntax = "proto3";\nimport "nothere.proto";\nmessage A {}\n'),
      message: /^tristub: imp\.proto:2:1:imported file "nothere\.proto" does not exist/,
    },
    { name: "unknown option", args: ["generate", "greet.proto", "--out", "gen", "--bogus"], message: /bogus/ },
    { name: "missing --out", args: ["generate", "greet.proto"], message: /out/ },
    {
      name: "unreadable descriptor set",
      args: ["generate", "greet.proto", "--descriptor-set", "junk.binpb", "--out", "gen"],
      setup: (dir) => write(dir, "junk.binpb", "this is not protobuf\n"),
      message: /^tristub: junk\.binpb: /,
    },
  ];

  describe.each(cases)("$name", ({ args, setup, message }) => {
    test("exit 1, one clear line, and no output directory", async (context) => {
      const dir = servicesWorkspace(context);
      setup?.(dir);
      const before = readEntries(dir);
      expectCleanFailure(await runTristub(args, dir), message);
      expect(existsSync(join(dir, "gen"))).toBe(false);
      expect(readEntries(dir)).toEqual(before);
    });

    test("a previous generation in the output directory is left unchanged", async (context) => {
      const dir = servicesWorkspace(context);
      setup?.(dir);
      expect((await runTristub(["generate", "greet.proto", "health.proto", "--out", "gen"], dir)).code).toBe(0);
      const before = readEntries(dir);
      expectCleanFailure(await runTristub(args, dir), message);
      expect(readEntries(dir)).toEqual(before);
    });
  });
});

describe("tristub generate --check", () => {
  const generateArgs = ["generate", "greet.proto", "health.proto", "--out", "gen"];

  test("exit 0 when up to date", async (context) => {
    const dir = servicesWorkspace(context);
    expect((await runTristub(generateArgs, dir)).code).toBe(0);
    const before = readEntries(dir);
    expect(await runTristub([...generateArgs, "--check"], dir)).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(readEntries(dir)).toEqual(before);
  });

  test("exit 1 listing stale, missing and extra files; never writes", async (context) => {
    const dir = servicesWorkspace(context);
    // One configuration ("api") that generated old/removed.proto too, and no longer lists it.
    write(dir, "old/removed.proto", 'syntax = "proto3";\n\npackage old;\n\nmessage Removed {}\n');
    writeConfig(dir, [{ name: "api", protos: ["greet.proto", "health.proto", "old/removed.proto"], out: "gen" }]);
    expect((await runTristub(["generate"], dir)).code).toBe(0);
    writeConfig(dir, [{ name: "api", protos: ["greet.proto", "health.proto"], out: "gen" }]);
    const gen = join(dir, "gen");
    writeFileSync(join(gen, "greet.ts"), readFileSync(join(gen, "greet.ts"), "utf8") + "// edited\n");
    rmSync(join(gen, "health.ts"));
    // Not listed in the manifest: not tristub's to remove, so not extra, header or not.
    write(gen, "other/copied.ts", `// @generated by tristub v${version} from other/copied.proto (proto3). Do not edit.\n`);
    write(gen, "mine.ts", "export const mine = 1;\n");
    const before = readEntries(dir);
    const result = await runTristub(["generate", "--check"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tristub: gen is not up to date/);
    const entries = result.stderr.split("\n").filter((line) => /^(stale|missing|extra):/.test(line));
    expect(entries.map((line) => line.replace(/\s+/g, " "))).toEqual([
      "stale: greet.ts",
      "stale: tristub-registry.ts",
      "stale: .tristub-manifest",
      "missing: health.ts",
      "extra: old/removed.ts",
    ]);
    expect(readEntries(dir)).toEqual(before);
  });

  test("compares byte for byte, not decoded text", async (context) => {
    const dir = useTempDir(context);
    write(dir, "x.proto", 'syntax = "proto3";\n\n// Replacement character: \uFFFD.\nmessage Y {}\n');
    expect((await runTristub(["generate", "x.proto", "--out", "gen"], dir)).code).toBe(0);
    const path = join(dir, "gen", "x.ts");
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from("\uFFFD", "utf8"));
    expect(at).toBeGreaterThan(0);
    // 0xFF is not UTF-8: decoded, it reads as U+FFFD too, so only a byte comparison sees the difference.
    writeFileSync(path, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 3)]));
    const result = await runTristub(["generate", "x.proto", "--out", "gen", "--check"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stale: +x\.ts$/m);
  });

  test("a missing output directory is reported, not created", async (context) => {
    const dir = servicesWorkspace(context);
    const result = await runTristub(["generate", "greet.proto", "--out", "gen", "--check"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("missing: greet.ts");
    expect(result.stderr).toContain("missing: tristub-runtime.ts");
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });
});

describe("tristub generate: re-running", () => {
  test("removes generated files the output no longer has, keeps the user's files", async (context) => {
    const dir = servicesWorkspace(context);
    writeConfig(dir, [{ name: "api", protos: ["greet.proto", "health.proto"], out: "gen" }]);
    expect((await runTristub(["generate"], dir)).code).toBe(0);
    const gen = join(dir, "gen");
    expect(readTree(gen).has("health.ts")).toBe(true);
    expect(readTree(gen).has("google/protobuf/empty.ts")).toBe(true);
    write(gen, "mine.ts", "export const mine = 1;\n");
    write(gen, "notes/README.md", "# notes\n");
    writeConfig(dir, [{ name: "api", protos: ["greet.proto"], out: "gen" }]);
    expect(await runTristub(["generate"], dir)).toMatchObject({ code: 0, stderr: "" });
    expect(await runTristub(["generate", "greet.proto", "--out", "fresh"], dir)).toMatchObject({ code: 0, stderr: "" });
    const expected = readTree(join(dir, "fresh"));
    expected.set("mine.ts", "export const mine = 1;\n");
    expected.set("notes/README.md", "# notes\n");
    // The manifests name different configurations ("api" here, the command line's "greet.proto" there).
    expected.set(".tristub-manifest", (expected.get(".tristub-manifest") ?? "").replace("[greet.proto]", "[api]"));
    expect(describeDiff(diffTrees(readTree(gen), expected))).toBe("");
    expect((await runTristub(["generate", "--check"], dir)).code).toBe(0);
  });
});

describe("tristub generate --descriptor-set", () => {
  test("generating from a buf-built FileDescriptorSet gives the same bytes as compiling", async (context) => {
    const dir = useTempDir(context);
    cpSync(servicesDir, join(dir, "protos"), { recursive: true });
    const build = await run(bufBin, ["build", "protos", "-o", "x.binpb", "--as-file-descriptor-set"], dir);
    expect(build, build.stderr).toMatchObject({ code: 0 });
    const fromSet = await runTristub(["generate", "greet.proto", "health.proto", "--descriptor-set", "x.binpb", "--out", "a"], dir);
    expect(fromSet).toMatchObject({ code: 0, stderr: "" });
    const compiled = await runTristub(["generate", "greet.proto", "health.proto", "-I", "protos", "--out", "b"], dir);
    expect(compiled).toMatchObject({ code: 0, stderr: "" });
    const a = readTree(join(dir, "a"));
    expect(a.size).toBeGreaterThan(0);
    expect(describeDiff(diffTrees(a, readTree(join(dir, "b"))))).toBe("");
  });

  test("a name that is not in the set is a clear error", async (context) => {
    const dir = useTempDir(context);
    cpSync(servicesDir, join(dir, "protos"), { recursive: true });
    expect((await run(bufBin, ["build", "protos", "-o", "x.binpb", "--as-file-descriptor-set"], dir)).code).toBe(0);
    const result = await runTristub(["generate", "nope.proto", "--descriptor-set", "x.binpb", "--out", "gen"], dir);
    expectCleanFailure(result, /nope\.proto/);
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });
});
