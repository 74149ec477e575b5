import type { DescFile, DescMessage, FileRegistry } from "@bufbuild/protobuf";
import { Edition } from "@bufbuild/protobuf/wkt";
import { emitCustomOptions } from "./emit/custom-options.js";
import { emitEnum } from "./emit/enum.js";
import { emitExtension } from "./emit/extension.js";
import { emitMessage } from "./emit/message.js";
import { emitService, serviceApiRoots, type ServiceTarget } from "./emit/service.js";
import { emitServerExtras, isServerExtraPath, withBundledProtos } from "./server-extras.js";
import { GenerateError } from "./errors.js";
import { applyModuleStyle } from "./module-style.js";
import type { GenerateOptions } from "./options.js";
import { anyRegistryImport, emitTypeRegistry } from "./emit/type-registry.js";
import { FileScope, registryModulePath, runtimeModulePath } from "./model/file-scope.js";
import { allocateFileNames, fileExtensions, importSpecifier, outputPathOf, type FileNames } from "./model/names.js";
import { loadRuntimeManifest } from "./runtime/manifest.js";
import { runtimeModulePathOf, runtimeNames, runtimeTreeDir, selectRuntime } from "./runtime/select.js";
import { renderTemplate } from "./templates.js";
import { tristubVersion } from "./version.js";

/** The public API for extensions, part of every output that declares one. */
const extensionApiRoots = ["getExtension", "setExtension", "hasExtension", "clearExtension"];

/** What to generate: a registry of compiled files and the names of those the user asked for. */
export interface GenerateRequest {
  readonly registry: FileRegistry;
  /** Proto file names as in the descriptors (`foo/bar.proto`). */
  readonly filesToGenerate: readonly string[];
  readonly options?: GenerateOptions;
}

export type { GenerateOptions } from "./options.js";

/** One output file, with a path relative to the output root. */
export interface GeneratedFile {
  readonly name: string;
  readonly content: string;
}

/**
 * The generator's pure core: compiled descriptors in, TypeScript modules out. No clock, no randomness,
 * no I/O but reading tristub's own files (the runtime manifest, and the bundled health/reflection
 * descriptors when asked for) once per process — the same request yields the
 * same bytes, whichever adapter (CLI or protoc plugin) calls.
 *
 * Besides the requested files it emits every file whose types they use (transitively) and every
 * public import, so the output root is self-contained; plus the runtime the output references, as a
 * module tree under `tristub/` with its public entry `tristub-runtime.ts`.
 */
export function generate(request: GenerateRequest): GeneratedFile[] {
  const manifest = loadRuntimeManifest();
  const reserved = runtimeNames(manifest);
  const namesCache = new Map<DescFile, FileNames>();
  const namesOf = (file: DescFile): FileNames => {
    let names = namesCache.get(file);
    if (names === undefined) {
      names = allocateFileNames(file, reserved);
      namesCache.set(file, names);
    }
    return names;
  };
  request = { ...request, ...withBundledProtos(request.registry, request.filesToGenerate, request.options ?? {}) };
  const files = filesToEmit(request);
  const target = request.options?.services ?? "both";
  const out: GeneratedFile[] = [];
  const runtimeRoots = new Set<string>();
  const runtimeModuleOf = (name: string): string => runtimeModulePathOf(manifest, name);
  for (const file of files) {
    const scope = new FileScope(file, namesOf);
    if (scope.path === runtimeModulePath || scope.path === registryModulePath || isServerExtraPath(scope.path) || scope.path.startsWith(`${runtimeTreeDir}/`)) {
      throw new GenerateError(`${file.proto.name}: its output path ${scope.path} is reserved for tristub's own modules`);
    }
    const body = emitFileBody(file, scope, target, request.options?.customOptions === true);
    if (target !== "none" && file.services.length > 0) for (const root of serviceApiRoots(target)) runtimeRoots.add(root);
    if (fileExtensions(file).length > 0) for (const root of extensionApiRoots) runtimeRoots.add(root);
    if (request.options?.customOptions === true) for (const root of ["getOption", "hasOption"]) runtimeRoots.add(root);
    for (const name of scope.runtimeNames()) runtimeRoots.add(name);
    out.push({ name: scope.path, content: assembleFile(file, scope, body, runtimeModuleOf) });
  }
  const registry = emitTypeRegistry(files, namesOf, runtimeModuleOf);
  if (registry !== undefined) {
    for (const name of registry.scope.runtimeNames()) runtimeRoots.add(name);
    // Public API next to the registry: build other registries, read the default one (RPC code does).
    runtimeRoots.add("createTypeRegistry");
    runtimeRoots.add("getDefaultTypeRegistry");
    out.push({ name: registry.scope.path, content: registry.content });
  }
  for (const extra of emitServerExtras(request, files, namesOf, runtimeModuleOf)) {
    for (const name of extra.scope.runtimeNames()) runtimeRoots.add(name);
    out.push({ name: extra.scope.path, content: extra.content });
  }
  if (runtimeRoots.size > 0) {
    const selection = selectRuntime(manifest, runtimeRoots);
    for (const module of selection.modules) {
      out.push({ name: module.path, content: renderTemplate("runtime-file", { version: tristubVersion, source: module.source, body: module.body }) });
    }
    out.push({ name: runtimeModulePath, content: renderTemplate("runtime-entry", { version: tristubVersion, body: selection.publicEntry }) });
  }
  return applyModuleStyle(out, request.options ?? {}).sort((a, b) => compareStrings(a.name, b.name));
}

function emitFileBody(file: DescFile, scope: FileScope, target: ServiceTarget, customOptions: boolean): string {
  const parts: string[] = [];
  for (const e of file.enums) parts.push(emitEnum(e, scope));
  const visit = (message: DescMessage): void => {
    if (isMapEntry(message)) return;
    parts.push(emitMessage(message, scope));
    for (const e of message.nestedEnums) parts.push(emitEnum(e, scope));
    for (const nested of message.nestedMessages) visit(nested);
  };
  for (const m of file.messages) visit(m);
  for (const extension of fileExtensions(file)) parts.push(emitExtension(extension, scope));
  if (target !== "none") for (const service of file.services) parts.push(emitService(service, scope, target));
  if (customOptions) parts.push(emitCustomOptions(file, scope));
  return parts.map((part) => part.trim()).join("\n\n");
}

function assembleFile(file: DescFile, scope: FileScope, body: string, runtimeModuleOf: (name: string) => string): string {
  const header = renderTemplate("file-header", {
    version: tristubVersion,
    source: file.proto.name,
    syntax: syntaxLabel(file),
  });
  const reexports = publicImports(file).map((dep) => `export * from "${importSpecifier(scope.path, outputPathOf(dep.proto.name))}";`);
  const imports = [scope.renderImports(runtimeModuleOf), anyRegistryImport(file, scope.path) ?? ""].filter((s) => s.length > 0).join("\n");
  const sections = [header.trimEnd(), imports, reexports.join("\n"), body].filter((s) => s.length > 0);
  return sections.join("\n\n") + "\n";
}

function syntaxLabel(file: DescFile): string {
  switch (file.edition) {
    case Edition.EDITION_PROTO2:
      return "proto2";
    case Edition.EDITION_PROTO3:
      return "proto3";
    default:
      return `edition ${Edition[file.edition]?.replace(/^EDITION_/, "") ?? file.edition}`;
  }
}

function isMapEntry(message: DescMessage): boolean {
  return message.proto.options?.mapEntry === true;
}

function publicImports(file: DescFile): DescFile[] {
  return file.proto.publicDependency.map((index) => file.dependencies[index]).filter((d): d is DescFile => d !== undefined);
}

/** The requested files plus, transitively, the files declaring types they use and their public imports. */
function filesToEmit(request: GenerateRequest): DescFile[] {
  const selected = new Set<DescFile>();
  const pending: DescFile[] = [];
  const add = (file: DescFile): void => {
    if (!selected.has(file)) {
      selected.add(file);
      pending.push(file);
    }
  };
  for (const name of request.filesToGenerate) {
    const file = request.registry.getFile(name);
    if (file === undefined) throw new GenerateError(`${name}: file is not in the compiled descriptors`);
    add(file);
  }
  while (pending.length > 0) {
    const file = pending.pop() as DescFile;
    for (const dep of publicImports(file)) add(dep);
    // Custom options are read through the extensions that define them, which imported files declare.
    if (request.options?.customOptions === true) for (const dep of file.dependencies) add(dep);
    const visit = (message: DescMessage): void => {
      for (const field of message.fields) {
        if (field.message) add(field.message.file);
        if (field.enum) add(field.enum.file);
      }
      message.nestedMessages.forEach(visit);
    };
    file.messages.forEach(visit);
    for (const extension of fileExtensions(file)) {
      add(extension.extendee.file);
      if (extension.message) add(extension.message.file);
      if (extension.enum) add(extension.enum.file);
    }
    for (const service of file.services) {
      for (const method of service.methods) {
        add(method.input.file);
        add(method.output.file);
      }
    }
  }
  return [...selected].sort((a, b) => compareStrings(a.proto.name, b.proto.name));
}

/** Code-unit order, independent of the machine's locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
