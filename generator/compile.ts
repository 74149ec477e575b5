import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { GenerateError } from "./errors.js";

/** What to compile: proto files (paths as the user typed them) and the include directories (`-I`). */
export interface CompileInput {
  /** Proto files to compile, relative to `cwd` or absolute; each must lie inside an include directory. */
  readonly files: readonly string[];
  /** Include directories, like protoc's `-I`; defaults to `cwd`. */
  readonly includePaths?: readonly string[];
  /** Directory the paths are relative to; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

/** The compiled descriptors plus the names (as in the descriptors) of the files the user asked for. */
export interface CompileResult {
  readonly descriptorSet: FileDescriptorSet;
  readonly filesToGenerate: readonly string[];
}

/**
 * Compiles proto files with the buf compiler bundled in `@bufbuild/buf`, so users need no protoc.
 *
 * Include directories become modules of a throw-away buf workspace (passed inline with `--config`),
 * rooted at their common ancestor; only the requested files and their imports are compiled. Compiler
 * diagnostics come back as a {@link GenerateError} whose lines carry `file:line:col` relative to `cwd`.
 */
export async function compileProtos(input: CompileInput): Promise<CompileResult> {
  const cwd = input.cwd ?? process.cwd();
  const includes = (input.includePaths?.length ? input.includePaths : ["."]).map((p) => resolve(cwd, p));
  for (const dir of includes) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new GenerateError(`${relative(cwd, dir) || "."}: include directory does not exist`);
    }
  }
  const root = commonAncestor(includes);
  const filesToGenerate: string[] = [];
  const buildPaths: string[] = [];
  for (const file of input.files) {
    const abs = locate(file, cwd, includes);
    if (abs === undefined) {
      throw new GenerateError(`${file}: no such file`);
    }
    const include = includes.find((dir) => isInside(abs, dir));
    if (include === undefined) {
      throw new GenerateError(`${file}: file is not inside any include directory (-I)`);
    }
    filesToGenerate.push(toPosix(relative(include, abs)));
    buildPaths.push(toPosix(relative(root, abs)));
  }
  const config = {
    version: "v2",
    modules: dedupe(includes.map((dir) => toPosix(relative(root, dir)) || ".")).map((path) => ({ path })),
  };
  const args = ["build", ".", "--config", JSON.stringify(config), "-o", "-#format=binpb", "--as-file-descriptor-set"];
  for (const p of buildPaths) args.push("--path", p);
  const bytes = await runBuf(args, root, cwd);
  return { descriptorSet: fromBinary(FileDescriptorSetSchema, bytes), filesToGenerate: dedupe(filesToGenerate) };
}

/** Resolves a proto path like protoc: relative to `cwd` first, else relative to each include directory. */
function locate(file: string, cwd: string, includes: readonly string[]): string | undefined {
  const candidates = [resolve(cwd, file), ...(isAbsolute(file) ? [] : includes.map((dir) => resolve(dir, file)))];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** Finds the `buf` executable shipped by the `@bufbuild/buf` package. */
function bufBinary(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve("@bufbuild/buf/package.json");
  return join(dirname(pkgJson), "bin", "buf");
}

function runBuf(args: string[], root: string, cwd: string): Promise<Uint8Array> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      bufBinary(),
      args,
      { cwd: root, encoding: "buffer", maxBuffer: 1 << 30 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolvePromise(new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength));
          return;
        }
        const text = stderr.toString("utf8").trim() || error.message;
        reject(new GenerateError(rebaseDiagnostics(text, root, cwd)));
      },
    );
  });
}

/** Rewrites `path:line:col:` prefixes from the workspace root to the user's working directory. */
function rebaseDiagnostics(text: string, root: string, cwd: string): string {
  return text
    .split("\n")
    .map((line) =>
      line.replace(/^([^\s:][^:]*\.proto)(:\d+:\d+:)/, (_, path: string, pos: string) => {
        return toPosix(relative(cwd, resolve(root, path))) + pos;
      }),
    )
    .join("\n");
}

function commonAncestor(dirs: readonly string[]): string {
  let root = dirs[0] ?? process.cwd();
  while (!dirs.every((dir) => isInside(dir, root))) {
    const parent = dirname(root);
    if (parent === root) break;
    root = parent;
  }
  return root;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

function dedupe<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
