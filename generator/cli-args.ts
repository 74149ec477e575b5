import { optionSpecs } from "./options.js";

/** `tristub generate`'s command line, parsed. */
export interface GenerateCommand {
  /** Proto files; none means: read the configuration file. */
  readonly files: readonly string[];
  readonly out?: string | undefined;
  readonly include: readonly string[];
  readonly check: boolean;
  readonly descriptorSet?: string | undefined;
  /** Generator options by plugin-parameter key (`import_extension` → `ts`), from their flags. */
  readonly options: ReadonlyMap<string, string>;
  /** Configuration file to read (default `tristub.config.json` when no proto files are given). */
  readonly config?: string | undefined;
  /** Replace files that this configuration did not write. */
  readonly overwrite: boolean;
}

/** Flags that take a value, by every spelling, mapped to the field or option key they set. */
const valueFlags = new Map<string, string>([
  ["--out", "out"],
  ["-o", "out"],
  ["--include", "include"],
  ["-I", "include"],
  ["--descriptor-set", "descriptorSet"],
  ["--config", "config"],
  ...optionSpecs.map((o): [string, string] => [`--${o.flag}`, `option:${o.key}`]),
]);
const booleanFlags = new Map<string, "check" | "overwrite">([
  ["--check", "check"],
  ["--overwrite", "overwrite"],
]);

/**
 * Parses the common shape of `tristub generate …` without yargs (which takes longer to load than the
 * rest of the generator): `generate`, proto files, and the flags above as `--flag value` or
 * `--flag=value`. Anything else — help, version, an unknown or repeated flag, a missing value — returns
 * `undefined`, and the caller hands the command line to yargs, which defines the CLI's behaviour for
 * every input (and prints usage and errors). For the inputs accepted here both give the same result.
 */
export function parseGenerateFast(argv: readonly string[]): GenerateCommand | undefined {
  if (argv[0] !== "generate") return undefined;
  const files: string[] = [];
  const include: string[] = [];
  const options = new Map<string, string>();
  const fields = new Map<string, string>();
  const seen = new Set<string>();
  const flags = { check: false, overwrite: false };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("-")) {
      files.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
    const boolean = booleanFlags.get(flag);
    if (boolean !== undefined && eq < 0 && !seen.has(boolean)) {
      flags[boolean] = true;
      seen.add(boolean);
      continue;
    }
    const onOff = optionSpecs.find((o) => `--${o.flag}` === flag && o.bareFlagValue !== undefined);
    if (onOff !== undefined && eq < 0) {
      // `--health` alone is on; `--health false` (a separate value) is left to yargs.
      if (seen.has(`option:${onOff.key}`) || argv[i + 1] === "true" || argv[i + 1] === "false") return undefined;
      options.set(onOff.key, onOff.bareFlagValue as string);
      seen.add(`option:${onOff.key}`);
      continue;
    }
    const target = valueFlags.get(flag);
    if (target === undefined) return undefined;
    const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    if (target === "include") include.push(value);
    else if (seen.has(target)) return undefined;
    else if (target.startsWith("option:")) options.set(target.slice("option:".length), value);
    else fields.set(target, value);
    seen.add(target);
  }
  return {
    files,
    out: fields.get("out"),
    include,
    check: flags.check,
    descriptorSet: fields.get("descriptorSet"),
    options,
    config: fields.get("config"),
    overwrite: flags.overwrite,
  };
}
