import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { FileScope, registryModulePath } from "../model/file-scope.js";
import { fileExtensions, importSpecifier, type FileNames } from "../model/names.js";
import { renderTemplate } from "../templates.js";
import { tristubVersion } from "../version.js";

/**
 * Emits `tristub-registry.ts`: a {@link TypeRegistry} of every message codec in the output, which
 * `google.protobuf.Any` needs to turn type URLs into messages (and tooling may use to look types up).
 * Loading the module makes it the runtime's default registry; `google/protobuf/any.ts` imports it for
 * that effect (see {@link anyRegistryImport}).
 * Returns undefined when the output declares no message.
 */
export function emitTypeRegistry(
  files: readonly DescFile[],
  namesOf: (file: DescFile) => FileNames,
  runtimeModuleOf: (name: string) => string,
): { scope: FileScope; content: string } | undefined {
  const scope = new FileScope(undefined, namesOf, registryModulePath);
  const codecs: string[] = [];
  const visit = (message: DescMessage): void => {
    if (message.proto.options?.mapEntry === true) return;
    codecs.push(scope.ref(message, true));
    message.nestedMessages.forEach(visit);
  };
  for (const file of files) file.messages.forEach(visit);
  // Extensions, for the "[pkg.ext]" keys of JSON.
  const extensions = files.flatMap((file) => fileExtensions(file)).map((extension) => scope.ref(extension, true));
  if (codecs.length === 0) return undefined;
  const create = scope.rt("createLazyTypeRegistry");
  const setDefault = scope.rt("setDefaultTypeRegistry");
  const type = scope.rt("TypeRegistry", false);
  const codecType = scope.rt("MessageCodec", false);
  const body = [
    `/**`,
    ` * Every message type of this output by name. It is the default registry of \`google.protobuf.Any\``,
    ` * (JSON codecs use it when no \`registry\` option is given); codecs are looked up lazily because this`,
    ` * module and \`google/protobuf/any\` import each other.`,
    ` */`,
    `export const typeRegistry: ${type} = ${create}(() => [`,
    ...codecs.map((c) => `  ${c} as ${codecType}<object>,`),
    ...extensions.map((e) => `  ${e},`),
    `]);`,
    ``,
    `${setDefault}(typeRegistry);`,
  ].join("\n");
  const header = renderTemplate("file-header", { version: tristubVersion, source: "every file of this output", syntax: "" });
  return { scope, content: [header.trimEnd(), scope.renderImports(runtimeModuleOf), body].join("\n\n") + "\n" };
}

/**
 * The side-effect import that `google/protobuf/any.ts` carries, so that the output's registry is the
 * default for Any's JSON form whenever Any can occur (every module with an Any field imports any.ts).
 * Modules declaring a message with extension ranges carry it too: their JSON finds the output's
 * extensions (`"[pkg.ext]"` keys) in that registry. The cycles it closes (the registry imports these
 * modules) are safe: the registry reads codecs only on lookup.
 */
export function anyRegistryImport(file: DescFile, fromPath: string): string | undefined {
  if (file.proto.name !== "google/protobuf/any.proto" && !hasExtensionRanges(file)) return undefined;
  return `import "${importSpecifier(fromPath, registryModulePath)}";`;
}

/** Does the file declare a message (at any depth) with extension ranges? */
function hasExtensionRanges(file: DescFile): boolean {
  const visit = (message: DescMessage): boolean => message.proto.extensionRange.length > 0 || message.nestedMessages.some(visit);
  return file.messages.some(visit);
}
