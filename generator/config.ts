import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { displayPath } from "./display-path.js";
import { GenerateError } from "./errors.js";
import { optionSpecs, resolveOptions, type GenerateOptions } from "./options.js";

/** The configuration file `tristub generate` reads when it is given no proto files. */
export const configFileName = "tristub.config.json";

/** One output of a configuration file, with paths resolved against the file's directory. */
export interface ConfiguredOutput {
  /** Names the output's files in `.tristub-manifest`: `name` from the file, else `out` as written. */
  readonly name: string;
  /** Proto files to generate (absolute); a directory in the file stands for every .proto below it. */
  readonly protos: readonly string[];
  /** Include directories (absolute); default: the configuration file's directory. */
  readonly include: readonly string[];
  /** Output directory (absolute). */
  readonly out: string;
  readonly options: GenerateOptions;
}

const outputKeys = ["name", "protos", "include", "out", "options"] as const;

/**
 * Reads and validates `tristub.config.json`:
 *
 *   { "outputs": [ { "protos": ["proto/greet.proto", "proto/admin"], "include": ["proto"],
 *                    "out": "src/gen", "name": "api",
 *                    "options": { "services": "client", "import_extension": "js" } } ] }
 *
 * `protos` (required) lists proto files or directories (every `.proto` below, sorted); `include`
 * (optional) are the `-I` directories, default the file's directory; `out` (required) is the output
 * directory; `options` takes the plugin options (`services`, `import_extension`, `js_import_style`,
 * `target`); `name` (optional, default `out`) identifies the output in `.tristub-manifest`, so renaming
 * it makes it a new configuration. Relative paths are relative to the configuration file. Unknown keys
 * are errors that list the known ones. `$schema` is allowed at the top level and ignored.
 */
export function loadConfig(path: string, cwd = process.cwd()): ConfiguredOutput[] {
  const file = resolve(cwd, path);
  const where = displayPath(file, cwd);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new GenerateError(`${where}: cannot read the configuration (${reason})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GenerateError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(json)) throw new GenerateError(`${where}: expected an object with "outputs"`);
  for (const key of Object.keys(json)) {
    if (key !== "outputs" && key !== "$schema") throw new GenerateError(`${where}: unknown key "${key}" (known: outputs, $schema)`);
  }
  const outputs = json["outputs"];
  if (!Array.isArray(outputs) || outputs.length === 0) throw new GenerateError(`${where}: "outputs" must be a non-empty array`);
  const base = dirname(file);
  const result = outputs.map((entry: unknown, index) => readOutput(entry, `${where}: outputs[${index}]`, base, cwd));
  const names = new Set<string>();
  for (const [index, output] of result.entries()) {
    if (names.has(output.name)) {
      throw new GenerateError(`${where}: outputs[${index}]: another output is also named "${output.name}" (set "name" to tell them apart)`);
    }
    names.add(output.name);
  }
  return result;
}

function readOutput(entry: unknown, where: string, base: string, cwd: string): ConfiguredOutput {
  if (!isRecord(entry)) throw new GenerateError(`${where}: expected an object with "protos" and "out"`);
  for (const key of Object.keys(entry)) {
    if (!(outputKeys as readonly string[]).includes(key)) throw new GenerateError(`${where}: unknown key "${key}" (known: ${outputKeys.join(", ")})`);
  }
  const out = entry["out"];
  if (typeof out !== "string" || out === "") throw new GenerateError(`${where}: "out" must be a directory name`);
  const protos = stringList(entry["protos"], `${where}: "protos"`, true);
  const include = stringList(entry["include"] ?? [], `${where}: "include"`, false).map((p) => resolve(base, p));
  const name = entry["name"] ?? out;
  if (typeof name !== "string" || name === "" || /[\r\n]/.test(name)) throw new GenerateError(`${where}: "name" must be a one-line string`);
  const rawOptions = entry["options"] ?? {};
  if (!isRecord(rawOptions)) throw new GenerateError(`${where}: "options" must be an object (known keys: ${optionSpecs.map((o) => o.key).join(", ")})`);
  const raw = new Map<string, string>();
  for (const [key, value] of Object.entries(rawOptions)) raw.set(key, String(value));
  const options = resolveOptions(raw, (key) => `${where}: options.${key}`);
  return {
    name,
    protos: protos.flatMap((p) => expandProtos(resolve(base, p), `${where}: "protos"`, cwd)),
    include: include.length > 0 ? include : [base],
    out: resolve(base, out),
    options,
  };
}

/** A proto file as it is, or every `.proto` below a directory (sorted, so the run is deterministic). */
function expandProtos(path: string, where: string, cwd: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new GenerateError(`${where}: ${displayPath(path, cwd)}: no such file or directory`);
  }
  if (!isDir) return [path];
  const found = readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".proto"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  if (found.length === 0) throw new GenerateError(`${where}: ${displayPath(path, cwd)}: holds no .proto files`);
  return found;
}

function stringList(value: unknown, where: string, required: boolean): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "") || (required && value.length === 0)) {
    throw new GenerateError(`${where} must be ${required ? "a non-empty" : "an"} array of paths`);
  }
  return value as string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
