// The committed golden output in snapshots/ must be exactly what the generator produces, deterministic,
// strictly type-correct, self-contained (relative `.js` imports and node:* only) and free of timestamps.
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { createFileRegistry } from "@bufbuild/protobuf";
import { Node, Project, SyntaxKind } from "ts-morph";
import { describe, expect, test } from "vitest";
import { compileProtos } from "../generator/compile.js";
import { generate, type GeneratedFile } from "../generator/generate.js";
import { outputPathOf } from "../generator/model/names.js";
import { compileFixture, fixtureConcerns, fixtureOptions, fixtureProtos, fixturesDir, generateFixture, repoRoot, snapshotsDir } from "./support/fixtures.js";
import { describeDiff, diffTrees, readTree, run } from "./support/process.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const concerns = fixtureConcerns();
/** tristub's own modules: the public entry, the registry and the runtime tree under tristub/. */
const supportModule = /^(tristub-[\w-]+\.ts|tristub\/.+\.ts)$/;

function asTree(files: readonly GeneratedFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.name, f.content]));
}

/** The committed snapshot of one concern (`snapshots/<concern>/…`). */
function snapshotTree(concern: string): Map<string, string> {
  return readTree(join(snapshotsDir, concern));
}

/** All snapshot `.ts` files as `<concern>/<path>` → content (snapshots/tsconfig.json is not generated). */
function allSnapshotFiles(): Map<string, string> {
  return new Map([...readTree(snapshotsDir)].filter(([name]) => name.endsWith(".ts")));
}

/** mulberry32: a tiny seeded PRNG, so shuffles are reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("golden snapshots", () => {
  test("there are fixture concerns and every one has a snapshot folder", () => {
    expect(concerns.length).toBeGreaterThan(0);
    const snapshotConcerns = new Set([...allSnapshotFiles().keys()].map((name) => name.split("/")[0]));
    expect([...snapshotConcerns].sort()).toEqual(concerns);
  });

  test.each(concerns)("%s: generated output equals its snapshot folder byte for byte", async (concern) => {
    const generated = asTree(await generateFixture(concern));
    const diff = diffTrees(snapshotTree(concern), generated);
    const summary = describeDiff(diff);
    expect(summary, `snapshots/${concern} differs from the generator (run npm run snapshots:update):\n${summary}`).toBe("");
  });
});

describe("determinism", () => {
  test.each(concerns)("%s: two generations, one from a fresh compile, give identical bytes", async (concern) => {
    const first = asTree(await generateFixture(concern));
    const second = asTree(await generateFixture(concern));
    expect(describeDiff(diffTrees(second, first))).toBe("");
    const fresh = await compileProtos({ files: fixtureProtos(concern), includePaths: [join(fixturesDir, concern)] });
    const options = fixtureOptions(concern);
    const third = asTree(generate({ registry: createFileRegistry(fresh.descriptorSet), filesToGenerate: fresh.filesToGenerate, ...(options !== undefined ? { options } : {}) }));
    expect(describeDiff(diffTrees(third, first))).toBe("");
  });

  const multiFile = concerns.filter((concern) => fixtureProtos(concern).length > 1);
  test.each(multiFile)("%s: shuffling the order of the proto files does not change the output", async (concern) => {
    const files = fixtureProtos(concern);
    const expected = asTree(await generateFixture(concern));
    const orders = new Map<string, string[]>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const order = shuffled(files, seed);
      orders.set(order.join(" "), order);
    }
    orders.set([...files].reverse().join(" "), [...files].reverse());
    for (const order of orders.values()) {
      const options = fixtureOptions(concern);
      const actual = asTree(generate({ ...(await compileFixture(concern, order)), ...(options !== undefined ? { options } : {}) }));
      const summary = describeDiff(diffTrees(actual, expected));
      expect(summary, `order ${order.join(", ")}:\n${summary}`).toBe("");
    }
  });
});

describe("strict type-check", () => {
  test("snapshots/tsconfig.json keeps the strictest settings", () => {
    const config = JSON.parse(readFileSync(join(snapshotsDir, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    expect(config.compilerOptions).toMatchObject({
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      erasableSyntaxOnly: true,
      verbatimModuleSyntax: true,
    });
    expect(String(config.compilerOptions["module"]).toLowerCase()).toBe("nodenext");
  });

  test("tsc -p snapshots/tsconfig.json passes with no output", async () => {
    const result = await run(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", join(snapshotsDir, "tsconfig.json")], repoRoot);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  // The template modules themselves, under the very settings the output is checked with: a template
  // edit that only the output's stricter flags reject fails here, by name, and in `npm run typecheck`.
  test("runtime-template/tsconfig.json has the output's settings, and tsc -p it passes", async () => {
    const settings = (dir: string): unknown => (JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")) as { compilerOptions: unknown }).compilerOptions;
    expect(settings(join(repoRoot, "runtime-template"))).toEqual(settings(snapshotsDir));
    const result = await run(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", join(repoRoot, "runtime-template", "tsconfig.json")], repoRoot);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

/** Every module specifier of a file: static imports/exports, `import("…")` calls and `import("…")` types. */
function moduleSpecifiers(path: string, text: string): string[] {
  const project = new Project({ useInMemoryFileSystem: true });
  const source = project.createSourceFile(`/${path}`, text);
  const specifiers: string[] = [];
  for (const decl of source.getImportDeclarations()) specifiers.push(decl.getModuleSpecifierValue());
  for (const decl of source.getExportDeclarations()) {
    const specifier = decl.getModuleSpecifierValue();
    if (specifier !== undefined) specifiers.push(specifier);
  }
  for (const call of source.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    if (call.getExpression().getKind() !== SyntaxKind.ImportKeyword) continue;
    const arg = call.getArguments()[0];
    specifiers.push(arg !== undefined && Node.isStringLiteral(arg) ? arg.getLiteralValue() : `<dynamic ${call.getText()}>`);
  }
  for (const type of source.getDescendantsOfKind(SyntaxKind.ImportType)) specifiers.push(type.getArgument().getText().slice(1, -1));
  expect(source.getDescendantsOfKind(SyntaxKind.ImportEqualsDeclaration), `${path} uses import = require`).toEqual([]);
  return specifiers;
}

describe("imports stay inside the output", () => {
  test("every specifier is a relative .js path to an existing snapshot file, or node:*", () => {
    const files = allSnapshotFiles();
    const problems: string[] = [];
    let count = 0;
    for (const [name, text] of files) {
      const [concern] = name.split("/");
      for (const specifier of moduleSpecifiers(name, text)) {
        count++;
        if (specifier.startsWith("node:")) continue;
        if (!/^\.\.?\//.test(specifier) || !specifier.endsWith(".js")) {
          problems.push(`${name}: "${specifier}" is neither relative .js nor node:*`);
          continue;
        }
        const target = posix.normalize(posix.join(posix.dirname(name), specifier.replace(/\.js$/, ".ts")));
        if (!target.startsWith(`${concern}/`) || !files.has(target)) {
          problems.push(`${name}: "${specifier}" does not resolve to a file of snapshots/${concern} (${target})`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(0);
  });
});

describe("headers", () => {
  const header = (text: string): string[] => {
    const lines = text.split("\n");
    const end = lines.findIndex((line) => !line.startsWith("//"));
    return lines.slice(0, end === -1 ? lines.length : end);
  };

  test("every module starts with the versioned marker; each proto's module names its source .proto", () => {
    for (const [name, text] of allSnapshotFiles()) {
      const [concern = "", ...rest] = name.split("/");
      const path = rest.join("/");
      if (supportModule.test(path)) {
        expect(header(text)[0] ?? "", name).toMatch(new RegExp(`^// @generated by tristub v${version.replaceAll(".", "\\.")}[: ]`));
        continue;
      }
      const first = header(text)[0] ?? "";
      const match = /^\/\/ @generated by tristub v(\S+) from (\S+\.proto) /.exec(first);
      expect(match, `${name}: unexpected first line ${JSON.stringify(first)}`).not.toBeNull();
      const [, headerVersion = "", source = ""] = match ?? [];
      expect(headerVersion, name).toBe(version);
      expect(outputPathOf(source), `${name} names ${source}`).toBe(path);
      const fromFixture = existsSync(join(fixturesDir, concern, source));
      expect(fromFixture || source.startsWith("google/protobuf/"), `${name}: ${source} is not a fixture or well-known proto`).toBe(true);
    }
  });

  test("headers carry no dates or times", () => {
    for (const [name, text] of allSnapshotFiles()) {
      const lines = header(text).join("\n");
      expect(lines, name).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(lines, name).not.toMatch(/\d{1,2}:\d{2}(:\d{2})?/);
    }
  });
});
