import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createFileRegistry, type FileRegistry } from "@bufbuild/protobuf";
import { compileProtos } from "../../generator/compile.js";
import { generate, type GeneratedFile, type GenerateOptions } from "../../generator/generate.js";

/** Repository root, for tests that need absolute paths. */
export const repoRoot = join(import.meta.dirname, "..", "..");
/** Root of the fixture protos: one folder (and proto root) per concern. */
export const fixturesDir = join(repoRoot, "test", "fixtures");
/** Root of the golden output: `snapshots/<concern>/…`. */
export const snapshotsDir = join(repoRoot, "snapshots");

/** The fixture concerns, i.e. the folders under `test/fixtures`. */
export function fixtureConcerns(): string[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Every `.proto` file of a concern, relative to its folder, sorted. */
export function fixtureProtos(concern: string): string[] {
  const dir = join(fixturesDir, concern);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".proto"))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

const compiled = new Map<string, Promise<{ registry: FileRegistry; filesToGenerate: readonly string[] }>>();

/** Compiles a concern's protos with the bundled buf (memoised per process). */
export function compileFixture(concern: string, files = fixtureProtos(concern)) {
  const key = `${concern}\0${files.join("\0")}`;
  let result = compiled.get(key);
  if (result === undefined) {
    result = compileProtos({ files, includePaths: [join(fixturesDir, concern)] }).then((r) => ({
      registry: createFileRegistry(r.descriptorSet),
      filesToGenerate: r.filesToGenerate,
    }));
    compiled.set(key, result);
  }
  return result;
}

/** Generator options of a concern whose snapshot shows an option at work (default options otherwise). */
export function fixtureOptions(concern: string): GenerateOptions | undefined {
  return concern === "custom-options" ? { customOptions: true } : undefined;
}

/** Generates a concern's output in memory, as the golden snapshot should hold it. */
export async function generateFixture(concern: string): Promise<GeneratedFile[]> {
  const options = fixtureOptions(concern);
  return generate({ ...(await compileFixture(concern)), ...(options !== undefined ? { options } : {}) });
}
