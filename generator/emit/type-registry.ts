import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { FileScope, registryModulePath } from "../model/file-scope.js";
import type { FileNames } from "../model/names.js";
import { renderTemplate } from "../templates.js";
import { tristubVersion } from "../version.js";

/**
 * Emits `tristub-registry.ts`: a {@link TypeRegistry} of every message codec in the output, which
 * `google.protobuf.Any` needs to turn type URLs into messages (and tooling may use to look types up).
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
  if (codecs.length === 0) return undefined;
  const create = scope.rt("createTypeRegistry");
  const type = scope.rt("TypeRegistry", false);
  const codecType = scope.rt("MessageCodec", false);
  const body = [
    `/** Every message type of this output by name: pass it as \`registry\` to resolve \`google.protobuf.Any\`. */`,
    `export const typeRegistry: ${type} = ${create}([`,
    ...codecs.map((c) => `  ${c} as ${codecType}<object>,`),
    `]);`,
  ].join("\n");
  const header = renderTemplate("file-header", { version: tristubVersion, source: "every file of this output", syntax: "" });
  return { scope, content: [header.trimEnd(), scope.renderImports(runtimeModuleOf), body].join("\n\n") + "\n" };
}
