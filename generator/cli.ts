import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import yargs from "yargs";
import { compileProtos } from "./compile.js";
import { GenerateError } from "./errors.js";
import { generate, type GeneratedFile } from "./generate.js";
import { parseServiceTarget } from "./options.js";
import { diffOutput, manifestName, writeOutput } from "./output.js";
import { tristubVersion } from "./version.js";

/** Options of `tristub generate`, as parsed from the command line. */
export interface GenerateCommand {
  readonly files: readonly string[];
  readonly out: string;
  readonly include: readonly string[];
  readonly check: boolean;
  readonly descriptorSet?: string | undefined;
  /** RPC code to generate for services (default both). */
  readonly services?: string | undefined;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the process exit code.
 * Problems in the user's input print one clear message to stderr and give exit code 1.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const parser = yargs([...argv])
    .scriptName("tristub")
    .usage("$0 generate <a.proto> [more.proto …] --out <dir> [-I <dir>]… [--check]")
    .command(
      "generate <files..>",
      "Generate TypeScript types, codecs and Triple clients/servers from .proto files",
      (y) =>
        y
          .positional("files", { type: "string", array: true, demandOption: true, describe: "proto files to generate" })
          .options(generateOptions)
          .epilogue(outputEpilogue),
      async (args) => {
        exitCode = await runGenerate({
          files: args.files,
          out: args.out,
          include: args.include,
          check: args.check,
          descriptorSet: args.descriptorSet,
          services: args.services,
        });
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
    if (error instanceof UsageError) {
      process.stderr.write(`tristub: ${error.message}\nRun \`tristub --help\` for usage.\n`);
      return 1;
    }
    if (error instanceof GenerateError) {
      process.stderr.write(`tristub: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  return exitCode;
}

/** The options of `tristub generate`; also summarised in the top-level `--help`. */
const generateOptions = {
  out: { alias: "o", type: "string", demandOption: true, describe: "output directory" },
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
  services: {
    type: "string",
    default: "both",
    describe: "RPC code for services: both (client and server), client, server or none",
  },
} as const;

/** Flags as shown in the top-level help's summary of `generate`'s options. */
const generateFlags: Record<keyof typeof generateOptions, string> = {
  out: "-o, --out <dir>",
  include: "-I, --include <dir>",
  check: "    --check",
  "descriptor-set": "    --descriptor-set <file>",
  services: "    --services <which>",
};

/** The summary of `generate`'s options in the top-level help, wrapped (with a hanging indent) to 80 columns. */
function generateOptionsSummary(): string {
  const entries = Object.entries(generateFlags) as [keyof typeof generateOptions, string][];
  const indent = 2 + Math.max(...entries.map(([, flags]) => flags.length)) + 2;
  const lines = ["Options of tristub generate:"];
  for (const [key, flags] of entries) {
    const [first = "", ...rest] = generateOptions[key].describe.split(" ");
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
  `tristub lists the files it writes in <out>/${manifestName}; the next run removes the files listed ` +
  "there that it no longer generates (if they still start with tristub's header), and nothing else.";

/** A command line yargs could not make sense of (unknown option, missing argument). */
class UsageError extends Error {}

/** Compiles, generates and writes (or checks) — the `generate` command. */
export async function runGenerate(command: GenerateCommand): Promise<number> {
  const services = parseServiceTarget(command.services ?? "both");
  const { registry, filesToGenerate } = await loadDescriptors(command);
  const files = generate({ registry, filesToGenerate, options: { services } });
  if (command.check) return reportCheck(command.out, files);
  writeOutput(command.out, files);
  return 0;
}

async function loadDescriptors(command: GenerateCommand) {
  if (command.descriptorSet !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(command.descriptorSet);
    } catch {
      throw new GenerateError(`${command.descriptorSet}: cannot read descriptor set`);
    }
    try {
      return { registry: createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)), filesToGenerate: command.files };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new GenerateError(`${command.descriptorSet}: not a valid FileDescriptorSet with all imports (${reason})`);
    }
  }
  const compiled = await compileProtos({ files: command.files, includePaths: command.include });
  return { registry: createFileRegistry(compiled.descriptorSet), filesToGenerate: compiled.filesToGenerate };
}

function reportCheck(out: string, files: readonly GeneratedFile[]): number {
  const diff = diffOutput(out, files);
  const lines = [
    ...diff.stale.map((f) => `stale:   ${f}`),
    ...diff.missing.map((f) => `missing: ${f}`),
    ...diff.extra.map((f) => `extra:   ${f}`),
  ];
  if (lines.length === 0) return 0;
  process.stderr.write(`tristub: ${out} is not up to date; run tristub generate:\n${lines.join("\n")}\n`);
  return 1;
}
