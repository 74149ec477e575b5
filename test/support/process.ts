// Helpers for tests that run tristub, buf and protoc as real processes in real temporary directories.
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative, sep } from "node:path";
import type { TestContext } from "vitest";
import { repoRoot } from "./fixtures.js";

/** `bin/tristub.js`, the CLI entry point. */
export const tristubBin = join(repoRoot, "bin", "tristub.js");
/** `bin/protoc-gen-tristub.js`, the protoc/buf plugin entry point. */
export const pluginBin = join(repoRoot, "bin", "protoc-gen-tristub.js");
/** The buf executable installed by `@bufbuild/buf`. */
export const bufBin = join(repoRoot, "node_modules", ".bin", "buf");

/** How a child process ended. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an executable without a shell; resolves (never rejects) with its exit code and output. */
export function run(file: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, encoding: "utf8", maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `node bin/tristub.js …` in `cwd`. */
export function runTristub(args: readonly string[], cwd: string): Promise<RunResult> {
  return run(process.execPath, [tristubBin, ...args], cwd);
}

/**
 * A fresh temporary directory that is removed when the test finishes. Takes the test's context (not the
 * global hook) so it also works in concurrent tests.
 */
export function useTempDir(context: Pick<TestContext, "onTestFinished">): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "tristub-test-")));
  context.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` as `/`-separated relative path → UTF-8 content, sorted by path; empty if absent. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  const names: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) names.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
  }
  for (const name of names.sort()) out.set(name, readFileSync(join(dir, name), "utf8"));
  return out;
}

/** Every entry (files with content, directories marked `<dir>`) under `dir`, to prove nothing was written. */
export function readEntries(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path).split(sep).join("/"), entry.isDirectory() ? "<dir>" : readFileSync(path, "utf8"));
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** How `actual` differs from `expected`: files whose content differs, files only expected, files only actual. */
export interface TreeDiff {
  readonly stale: string[];
  readonly missing: string[];
  readonly extra: string[];
}

export function diffTrees(actual: ReadonlyMap<string, string>, expected: ReadonlyMap<string, string>): TreeDiff {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [name, content] of expected) {
    const got = actual.get(name);
    if (got === undefined) missing.push(name);
    else if (got !== content) stale.push(name);
  }
  const extra = [...actual.keys()].filter((name) => !expected.has(name));
  return { stale, missing, extra };
}

/** A readable summary of a {@link TreeDiff}; the empty string when the trees are identical. */
export function describeDiff(diff: TreeDiff): string {
  return [
    ...diff.stale.map((f) => `stale:   ${f}`),
    ...diff.missing.map((f) => `missing: ${f}`),
    ...diff.extra.map((f) => `extra:   ${f}`),
  ].join("\n");
}

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Quotes a string for a POSIX shell script. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Writes `tristub.config.json` in `dir` with these outputs (see generator/config.ts for the schema). */
export function writeConfig(dir: string, outputs: readonly Record<string, unknown>[]): void {
  writeFileSync(join(dir, "tristub.config.json"), `${JSON.stringify({ outputs }, null, 2)}\n`);
}
