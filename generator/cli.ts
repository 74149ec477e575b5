import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { FileRegistry } from "@bufbuild/protobuf";
import { parseGenerateFast, type GenerateCommand } from "./cli-args.js";
import { compileProtos } from "./compile.js";
import { configFileName, loadConfig } from "./config.js";
import { displayPath } from "./display-path.js";
import { GenerateError } from "./errors.js";
import type { GeneratedFile } from "./generate.js";
import { optionSpecs, resolveOptions, type GenerateOptions } from "./options.js";
import { conflictError, diffOutput, outputConflicts, writeOutput, type OutputOwner } from "./output.js";

export type { GenerateCommand } from "./cli-args.js";

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the process exit code.
 * Problems in the user's input print one clear message to stderr and give exit code 1.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    let command = parseGenerateFast(argv);
    if (command === undefined) {
      const { parseWithYargs } = await import("./cli-yargs.js");
      const parsed = await parseWithYargs(argv);
      if ("exitCode" in parsed) return parsed.exitCode;
      command = parsed.command;
    }
    return await runGenerate(command);
  } catch (error) {
    if (error instanceof GenerateError) {
      process.stderr.write(`tristub: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** One output to generate: where its protos come from, where its files go, under which configuration. */
interface OutputJob {
  readonly files: readonly string[];
  readonly include: readonly string[];
  readonly descriptorSet?: string | undefined;
  readonly out: string;
  readonly options: GenerateOptions;
  /** The configuration in `.tristub-manifest`; for a command line, its proto names once compiled. */
  readonly owner?: OutputOwner;
}

/**
 * Compiles, generates and writes (or checks) — the `generate` command. With proto files, one output;
 * without, every output of the configuration file. All outputs are generated and checked for conflicts
 * before any is written.
 */
export async function runGenerate(command: GenerateCommand, cwd = process.cwd()): Promise<number> {
  const jobs = command.files.length > 0 ? [commandLineJob(command)] : configJobs(command, cwd);
  // buf starts first; the emitters, Handlebars and the runtime manifest load while it compiles in its
  // own process, so a cold run overlaps the two.
  const compiling = Promise.all(jobs.map((job) => loadDescriptors(job)));
  compiling.catch(() => undefined); // Reported by the await below, not as unhandled.
  const { generate } = await loadGenerator();
  const descriptors = await compiling;
  const outputs = jobs.map((job, i) => {
    const compiled = descriptors[i] as Descriptors;
    const owner = job.owner ?? { owner: [...compiled.filesToGenerate].sort().join(" "), overwrite: command.overwrite };
    return { job: { ...job, owner }, owner, files: generate({ ...compiled, options: job.options }) };
  });
  if (command.check) {
    let exitCode = 0;
    for (const { job, owner, files } of outputs) exitCode = Math.max(exitCode, reportCheck(job.out, owner, files, cwd));
    return exitCode;
  }
  if (!command.overwrite) {
    for (const { job, owner, files } of outputs) {
      const conflicts = outputConflicts(job.out, files, owner);
      if (conflicts.length > 0) throw conflictError(displayPath(resolve(cwd, job.out), cwd), conflicts);
    }
  }
  for (const { job, owner, files } of outputs) writeOutput(job.out, files, owner);
  return 0;
}

function commandLineJob(command: GenerateCommand): OutputJob {
  if (command.config !== undefined) throw new GenerateError("--config reads proto files from the configuration: give no proto files with it");
  if (command.out === undefined) throw new GenerateError(`--out <dir> is required with proto files (or run without files to use ${configFileName})`);
  const options = resolveOptions(command.options, (key) => `--${optionSpecs.find((o) => o.key === key)?.flag ?? key}`);
  return {
    files: command.files,
    include: command.include,
    descriptorSet: command.descriptorSet,
    out: command.out,
    options,
  };
}

function configJobs(command: GenerateCommand, cwd: string): OutputJob[] {
  const path = command.config ?? configFileName;
  if (command.config === undefined && !existsSync(join(cwd, configFileName))) {
    throw new GenerateError(`no proto files given and no ${configFileName} in ${cwd} (usage: tristub generate <a.proto> --out <dir>)`);
  }
  const misplaced = [
    command.out !== undefined ? "--out" : undefined,
    command.include.length > 0 ? "-I" : undefined,
    command.descriptorSet !== undefined ? "--descriptor-set" : undefined,
    ...[...command.options.keys()].map((key) => `--${optionSpecs.find((o) => o.key === key)?.flag ?? key}`),
  ].filter((flag) => flag !== undefined);
  if (misplaced.length > 0) {
    throw new GenerateError(`${misplaced.join(", ")}: set these in ${displayPath(resolve(cwd, path), cwd)} (or give proto files on the command line)`);
  }
  return loadConfig(path, cwd).map((output) => ({
    files: output.protos,
    include: output.include,
    out: output.out,
    options: output.options,
    owner: { owner: output.name, overwrite: command.overwrite },
  }));
}

type Descriptors = { registry: FileRegistry; filesToGenerate: readonly string[] };

/** Loads the generator's core and reads the runtime manifest (the work a cold run can do while buf runs). */
async function loadGenerator(): Promise<typeof import("./generate.js")> {
  const [generator, { loadRuntimeManifest }] = await Promise.all([import("./generate.js"), import("./runtime/manifest.js")]);
  loadRuntimeManifest();
  return generator;
}

async function loadDescriptors(job: OutputJob): Promise<Descriptors> {
  if (job.descriptorSet === undefined) {
    const compiling = compileProtos({ files: job.files, includePaths: job.include }); // buf starts now
    compiling.catch(() => undefined); // Reported by the await below, not as unhandled.
    const { createFileRegistry } = await import("@bufbuild/protobuf");
    const compiled = await compiling;
    return { registry: createFileRegistry(compiled.descriptorSet), filesToGenerate: compiled.filesToGenerate };
  }
  const { createFileRegistry, fromBinary } = await import("@bufbuild/protobuf");
  const { FileDescriptorSetSchema } = await import("@bufbuild/protobuf/wkt");
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(job.descriptorSet);
  } catch {
    throw new GenerateError(`${job.descriptorSet}: cannot read descriptor set`);
  }
  try {
    return { registry: createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)), filesToGenerate: job.files };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GenerateError(`${job.descriptorSet}: not a valid FileDescriptorSet with all imports (${reason})`);
  }
}

function reportCheck(out: string, owner: OutputOwner, files: readonly GeneratedFile[], cwd: string): number {
  const diff = diffOutput(out, files, owner);
  const lines = [
    ...diff.stale.map((f) => `stale:   ${f}`),
    ...diff.missing.map((f) => `missing: ${f}`),
    ...diff.extra.map((f) => `extra:   ${f}`),
  ];
  if (lines.length === 0) return 0;
  process.stderr.write(`tristub: ${displayPath(resolve(cwd, out), cwd)} is not up to date; run tristub generate:\n${lines.join("\n")}\n`);
  return 1;
}
