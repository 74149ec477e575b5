// Over 300 lines on purpose: the one place that runs the bundled buf compiler (arguments, include
// directories, protoc-compatible path resolution, diagnostics mapping) for the CLI.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { displayPath } from "./display-path.js";
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
 * Include directories are searched like protoc's `-I`: a file name (`x/y.proto`, in an import or on the
 * command line) means the file in the first include directory that has it, so include directories may
 * overlap (`-I protos -I .`). buf has no such search path (its modules must not overlap), so the
 * requested files and, transitively, their imports are copied under those names into a throw-away
 * workspace that buf compiles as a single module. Imports not found in any include directory are left to
 * buf, which supplies the well-known types and reports the rest. Compiler diagnostics come back as a
 * {@link GenerateError} whose lines carry `file:line:col` of the real files, relative to `cwd`.
 */
export async function compileProtos(input: CompileInput): Promise<CompileResult> {
  const cwd = input.cwd ?? process.cwd();
  const includes = dedupe((input.includePaths?.length ? input.includePaths : ["."]).map((p) => resolve(cwd, p)));
  for (const dir of includes) {
    if (!isDirectory(dir)) {
      throw new GenerateError(`${displayPath(dir, cwd)}: include directory does not exist`);
    }
  }
  const tree = new SourceTree(includes, cwd);
  const filesToGenerate = dedupe(input.files.map((file) => tree.requested(file)));
  const workspace = prepareWorkspace(tree);
  try {
    const args = ["build", ".", "--config", JSON.stringify({ version: "v2" }), "-o", "-#format=binpb", "--as-file-descriptor-set"];
    for (const name of filesToGenerate) args.push("--path", name);
    const compiled = runBuf(args, workspace, (text) => tree.rewriteDiagnostics(text, workspace));
    compiled.catch(() => undefined); // Reported by the await below, not as unhandled.
    // @bufbuild/protobuf loads while buf (already started) compiles.
    const [{ fromBinary }, { FileDescriptorSetSchema }] = await Promise.all([import("@bufbuild/protobuf"), import("@bufbuild/protobuf/wkt")]);
    return { descriptorSet: fromBinary(FileDescriptorSetSchema, await compiled), filesToGenerate };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** Copies the collected sources, under their proto names, into a fresh temporary directory. */
function prepareWorkspace(tree: SourceTree): string {
  let workspace: string | undefined;
  try {
    workspace = mkdtempSync(join(tmpdir(), "tristub-buf-"));
    for (const [name, source] of tree.sources) {
      const path = join(workspace, ...name.split("/"));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, source.content);
    }
    return workspace;
  } catch (error) {
    if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new GenerateError(`cannot prepare the files for buf in a temporary directory (${reason})`);
  }
}

/** An import statement: the imported name and where the statement starts (1-based, like buf's diagnostics). */
interface ImportStatement {
  readonly name: string;
  readonly line: number;
  readonly column: number;
}

/** A proto file found in an include directory, under its name as protoc would give it. */
interface Source {
  /** Absolute path on disk. */
  readonly path: string;
  readonly content: Buffer;
  readonly imports: readonly ImportStatement[];
}

/**
 * protoc's view of the include directories: names resolve to the file in the first include directory
 * that has one. Collects the requested files and everything they import, transitively.
 */
class SourceTree {
  /** Files by proto name, in the order they were found. */
  readonly sources = new Map<string, Source>();

  private readonly includes: readonly string[];
  private readonly cwd: string;

  constructor(includes: readonly string[], cwd: string) {
    this.includes = includes;
    this.cwd = cwd;
  }

  /**
   * Adds a file named on the command line and returns its proto name. Like protoc, a path that exists
   * (relative to `cwd`, or absolute) is named relative to the first include directory containing it;
   * anything else is taken as a proto name and looked up in the include directories.
   */
  requested(file: string): string {
    const onDisk = resolve(this.cwd, file);
    let name: string;
    if (isFile(onDisk)) {
      const include = this.includes.find((dir) => isInside(onDisk, dir));
      if (include === undefined) {
        throw new GenerateError(`${file}: file is not inside any include directory (-I)`);
      }
      name = toPosix(relative(include, onDisk));
      const found = this.find(name);
      if (found !== undefined && !sameFile(found, onDisk)) {
        throw new GenerateError(
          `${file}: shadowed by ${this.display(found)}, which has the same name ${name} in an earlier include directory (-I)`,
        );
      }
    } else {
      name = isAbsolute(file) ? "" : posix.normalize(toPosix(file));
      if (!isProtoName(name) || this.find(name) === undefined) throw new GenerateError(`${file}: no such file`);
    }
    this.add(name);
    return name;
  }

  /**
   * Rewrites buf's diagnostics: workspace names become the real files' paths relative to `cwd`, and
   * "imported file does not exist" says which import.
   */
  rewriteDiagnostics(text: string, workspace: string): string {
    return text
      .split(workspace + sep)
      .join("")
      .split("\n")
      .map((line) => {
        const match = /^([^\s:][^:]*\.proto):(\d+):(\d+):(.*)$/.exec(line);
        if (match === null) return line;
        const [, name = "", lineText = "", columnText = "", message = ""] = match;
        const source = this.sources.get(name);
        if (source === undefined) return line;
        let detail = message;
        if (/imported file does not exist/.test(message)) {
          const imported = importAt(source.imports, Number(lineText), Number(columnText));
          if (imported !== undefined) {
            detail = `imported file "${imported}" does not exist in any include directory (-I ${this.includes
              .map((dir) => this.display(dir))
              .join(" -I ")})`;
          }
        }
        return `${this.display(source.path)}:${lineText}:${columnText}:${detail}`;
      })
      .join("\n");
  }

  /** Adds `name` and, transitively, the imports found in the include directories. */
  private add(first: string): void {
    const queue = [first];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (this.sources.has(name)) continue;
      const path = this.find(name);
      if (path === undefined) continue; // buf supplies it (well-known types) or reports it.
      let content: Buffer;
      try {
        content = readFileSync(path);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new GenerateError(`${this.display(path)}: cannot read (${reason})`);
      }
      const imports = parseImports(content.toString("utf8"));
      this.sources.set(name, { path, content, imports });
      for (const imported of imports) if (isProtoName(imported.name)) queue.push(imported.name);
    }
  }

  /** The file `name` refers to: in the first include directory that has it. */
  private find(name: string): string | undefined {
    if (!isProtoName(name)) return undefined;
    for (const dir of this.includes) {
      const path = join(dir, ...name.split("/"));
      if (isFile(path)) return path;
    }
    return undefined;
  }

  /** Relative to `cwd` inside it, absolute outside (never `../../usr/share/…`). */
  private display(path: string): string {
    return displayPath(path, this.cwd);
  }
}

/** The import whose statement starts at `line`:`column`, else the only import on `line`. */
function importAt(imports: readonly ImportStatement[], line: number, column: number): string | undefined {
  const exact = imports.find((i) => i.line === line && i.column === column);
  if (exact !== undefined) return exact.name;
  const onLine = imports.filter((i) => i.line === line);
  return onLine.length === 1 ? onLine[0]?.name : undefined;
}

/**
 * The import statements of a proto file (`import [public|weak|option] "name";`), found by a small
 * tokenizer that skips comments and reads string literals (with escapes and adjacent-literal
 * concatenation), so an "import" inside a comment or string is not taken for one.
 */
export function parseImports(text: string): ImportStatement[] {
  const tokens = tokenize(text);
  const imports: ImportStatement[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const keyword = tokens[i];
    if (keyword?.kind !== "word" || keyword.text !== "import") continue;
    let j = i + 1;
    const modifier = tokens[j];
    if (modifier?.kind === "word" && ["public", "weak", "option"].includes(modifier.text)) j++;
    let name: string | undefined;
    for (let token = tokens[j]; token?.kind === "string"; token = tokens[++j]) name = (name ?? "") + token.text;
    if (name === undefined || tokens[j]?.text !== ";") continue;
    imports.push({ name, line: keyword.line, column: keyword.column });
    i = j;
  }
  return imports;
}

interface Token {
  readonly kind: "word" | "string" | "symbol";
  /** The word or symbol, or a string literal's decoded value. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const advance = (to: number): void => {
    for (; i < to && i < text.length; i++) {
      if (text[i] === "\n") {
        line++;
        lineStart = i + 1;
      }
    }
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      advance(i + 1);
    } else if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      advance(end < 0 ? text.length : end);
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      advance(end < 0 ? text.length : end + 2);
    } else if (c === '"' || c === "'") {
      const start = { line, column: i - lineStart + 1 };
      let value = "";
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") {
        if (text[j] === "\\" && j + 1 < text.length) {
          const [decoded, length] = decodeEscape(text, j + 1);
          value += decoded;
          j += 1 + length;
        } else {
          value += text[j];
          j++;
        }
      }
      tokens.push({ kind: "string", text: value, ...start });
      advance(j + 1);
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z0-9_]+/.exec(text.slice(i, i + 256))?.[0] ?? c;
      tokens.push({ kind: "word", text: word, line, column: i - lineStart + 1 });
      advance(i + word.length);
    } else {
      tokens.push({ kind: "symbol", text: c, line, column: i - lineStart + 1 });
      advance(i + 1);
    }
  }
  return tokens;
}

/** Decodes the escape sequence after a backslash at `text[at]`: the character(s) and how many were consumed. */
function decodeEscape(text: string, at: number): [string, number] {
  const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b", f: "\f", v: "\v" };
  const c = text[at] as string;
  const hex = /^[xX]([0-9A-Fa-f]{1,2})/.exec(text.slice(at, at + 3));
  if (hex?.[1] !== undefined) return [String.fromCharCode(parseInt(hex[1], 16)), hex[0].length];
  const octal = /^[0-7]{1,3}/.exec(text.slice(at, at + 3));
  if (octal !== null) return [String.fromCharCode(parseInt(octal[0], 8)), octal[0].length];
  return [simple[c] ?? c, 1];
}

/** A proto name as imports use them: relative, `/`-separated, without `.`, `..` or empty segments. */
function isProtoName(name: string): boolean {
  if (name === "" || name.includes("\\") || name.includes("\0") || name.startsWith("/")) return false;
  return name.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

/** Finds the `buf` executable shipped by the `@bufbuild/buf` package. */
function bufBinary(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve("@bufbuild/buf/package.json");
  return join(dirname(pkgJson), "bin", "buf");
}

function runBuf(args: string[], cwd: string, rewrite: (diagnostics: string) => string): Promise<Uint8Array> {
  return new Promise((resolvePromise, reject) => {
    execFile(bufBinary(), args, { cwd, encoding: "buffer", maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error === null) {
        resolvePromise(new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength));
        return;
      }
      const text = stderr.toString("utf8").trim() || error.message;
      reject(new GenerateError(rewrite(text)));
    });
  });
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
