import yargs from "yargs";
import type { GenerateCommand } from "./cli-args.js";
import { configFileName } from "./config.js";
import { optionSpecs } from "./options.js";
import { manifestName } from "./output-manifest.js";
import { tristubVersion } from "./version.js";

/** What yargs made of a command line: a command to run, or an exit code (help, version, usage error). */
export type ParsedCommandLine = { readonly command: GenerateCommand } | { readonly exitCode: number };

/** A command line yargs could not make sense of (unknown option, missing argument). */
class UsageError extends Error {}

/**
 * Parses the command line with yargs: the CLI's full definition, with `--help`, `--version` and usage
 * errors. (Plain `tristub generate …` lines are parsed without loading yargs; see cli-args.ts.)
 */
export async function parseWithYargs(argv: readonly string[]): Promise<ParsedCommandLine> {
  let command: GenerateCommand | undefined;
  const parser = yargs([...argv])
    .scriptName("tristub")
    .usage("$0 generate [<a.proto> …] [--out <dir>] [-I <dir>]… [--check]")
    .command(
      "generate [files..]",
      `Generate TypeScript types, codecs and Triple clients/servers from .proto files (no files: read ${configFileName})`,
      (y) =>
        y
          .positional("files", { type: "string", array: true, default: [] as string[], describe: "proto files to generate" })
          .options(generateOptions)
          .epilogue(outputEpilogue),
      (args) => {
        const options = new Map<string, string>();
        for (const spec of optionSpecs) {
          const value = args[spec.flag];
          if (typeof value === "string") options.set(spec.key, value);
          else if (typeof value === "boolean" && spec.bareFlagValue !== undefined) options.set(spec.key, String(value));
          else if (value !== undefined) throw new UsageError(`--${spec.flag} takes one value`);
        }
        for (const key of ["out", "descriptor-set", "config"] as const) {
          if (args[key] !== undefined && typeof args[key] !== "string") throw new UsageError(`--${key} takes one value`);
        }
        command = {
          files: args.files,
          out: args.out,
          include: args.include,
          check: args.check,
          descriptorSet: args.descriptorSet,
          options,
          config: args.config,
          overwrite: args.overwrite,
        };
      },
    )
    .epilogue(`${generateOptionsSummary()}\n\nRun \`tristub generate --help\` for details.`)
    .demandCommand(1, "a command is required: tristub generate <a.proto> --out <dir>")
    .strict()
    .version(tristubVersion)
    .help()
    .exitProcess(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      throw new UsageError(message);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const known = /^Unknown argument/.test(error.message) ? ` (known options: ${knownFlags()})` : "";
    process.stderr.write(`tristub: ${error.message}${known}\nRun \`tristub --help\` for usage.\n`);
    return { exitCode: 1 };
  }
  return command === undefined ? { exitCode: 0 } : { command };
}

/** The options of `tristub generate`; also summarised in the top-level `--help`. */
const generateOptions = {
  out: { alias: "o", type: "string", describe: "output directory (required with proto files)" },
  // Not `array: true`: that would make `-I protos x/y.proto` swallow the proto as a second include.
  // Each -I takes one directory (like protoc); repeating it collects them, `coerce` normalises to a list.
  include: {
    alias: "I",
    type: "string",
    default: [] as string[],
    coerce: (value: string | string[]): string[] => [value].flat(),
    describe: "include directory, like protoc -I (repeatable; the first that has a file wins); default: .",
  },
  check: {
    type: "boolean",
    default: false,
    describe: "write nothing; exit 1 if the output directory is not up to date",
  },
  "descriptor-set": {
    type: "string",
    describe: "read a FileDescriptorSet (binary) instead of compiling with buf",
  },
  config: {
    type: "string",
    describe: `configuration file to run when no proto files are given (default: ./${configFileName})`,
  },
  overwrite: {
    type: "boolean",
    default: false,
    describe: "replace files in the output directory that this configuration did not write",
  },
  ...Object.fromEntries(
    optionSpecs.map((o) => [o.flag, { type: o.bareFlagValue !== undefined ? "boolean" : "string", describe: `${o.describe} (default ${o.defaultValue})` }]),
  ),
} as const;

/** Flags as shown in the top-level help's summary of `generate`'s options. */
const generateFlags: Record<string, string> = {
  out: "-o, --out <dir>",
  include: "-I, --include <dir>",
  check: "    --check",
  "descriptor-set": "    --descriptor-set <file>",
  config: "    --config <file>",
  overwrite: "    --overwrite",
  ...Object.fromEntries(optionSpecs.map((o) => [o.flag, o.bareFlagValue !== undefined ? `    --${o.flag}` : `    --${o.flag} <${o.values.join("|")}>`])),
};

/** Every flag of `generate`, for the message about an unknown one. */
function knownFlags(): string {
  return Object.values(generateFlags)
    .map((f) => f.trim().replace(/ <.*>$/, ""))
    .join(", ");
}

/** The summary of `generate`'s options in the top-level help, wrapped (with a hanging indent) to 80 columns. */
function generateOptionsSummary(): string {
  const entries = Object.entries(generateFlags);
  const indent = 2 + Math.max(...entries.map(([, flags]) => flags.length)) + 2;
  const lines = ["Options of tristub generate:"];
  for (const [key, flags] of entries) {
    const describe = (generateOptions as Record<string, { describe: string }>)[key]?.describe ?? "";
    const [first = "", ...rest] = describe.split(" ");
    let line = `  ${flags}`.padEnd(indent) + first;
    for (const word of rest) {
      if (line.length + 1 + word.length > 80) {
        lines.push(line);
        line = " ".repeat(indent) + word;
      } else {
        line += ` ${word}`;
      }
    }
    lines.push(line);
  }
  return lines.join("\n");
}

const outputEpilogue =
  `tristub lists the files it writes in <out>/${manifestName}, by configuration (a ${configFileName} output, or ` +
  "the proto files of a command line); a run removes only files its own configuration wrote and no longer " +
  "generates, and stops rather than replace files it did not write (unless --overwrite).";
