import type { DescFile } from "@bufbuild/protobuf";
import { GenerateError } from "./errors.js";
import { healthProtoName, reflectionProtoNames } from "./bundled-protos.js";
import { emitHealthModule, healthModulePath } from "./emit/health.js";
import { emitReflectionModule, reflectionModulePath } from "./emit/reflection.js";
import type { FileScope } from "./model/file-scope.js";
import type { FileNames } from "./model/names.js";
import type { GenerateOptions } from "./options.js";

export { withBundledProtos } from "./bundled-protos.js";

/** Whether `path` is one of the modules the `health` and `reflection` options add. */
export function isServerExtraPath(path: string): boolean {
  return path === healthModulePath || path === reflectionModulePath;
}

/**
 * The opt-in server modules of an output: `tristub-health.ts` with `health`, `tristub-reflection.ts`
 * with `reflection` — only where server code is generated (`services` both or server). Without those
 * options nothing here runs, so such outputs are byte-for-byte what they were.
 */
export function emitServerExtras(
  request: { readonly registry: { getFile(name: string): DescFile | undefined }; readonly options?: GenerateOptions | undefined },
  files: readonly DescFile[],
  namesOf: (file: DescFile) => FileNames,
  runtimeModuleOf: (name: string) => string,
): Array<{ scope: FileScope; content: string }> {
  const options = request.options ?? {};
  const server = options.services === undefined || options.services === "both" || options.services === "server";
  const out: Array<{ scope: FileScope; content: string }> = [];
  if (!server) return out;
  const fileOf = (name: string): DescFile => {
    const file = request.registry.getFile(name);
    if (file === undefined) throw new GenerateError(`${name}: not in the registry`);
    return file;
  };
  if (options.health === true) out.push(emitHealthModule(fileOf(healthProtoName), namesOf, runtimeModuleOf));
  if (options.reflection === true) out.push(emitReflectionModule(files, reflectionProtoNames.map(fileOf), namesOf, runtimeModuleOf));
  return out;
}
