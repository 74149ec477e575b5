import type { DescFile } from "@bufbuild/protobuf";
import { GenerateError } from "../errors.js";
import { FileScope } from "../model/file-scope.js";
import { methodPropertyName } from "../model/member-names.js";
import type { FileNames } from "../model/names.js";
import { renderTemplate } from "../templates.js";
import { tristubVersion } from "../version.js";
import { embedDescriptors } from "./descriptors.js";

/** Path of the module with `serveReflection` (generated with the `reflection` option and server code). */
export const reflectionModulePath = "tristub-reflection.ts";

/**
 * Emits `tristub-reflection.ts`: the output's file descriptors (every generated file and its imports,
 * see {@link embedDescriptors}) and `serveReflection(server)`, which registers
 * `grpc.reflection.v1.ServerReflection` and `grpc.reflection.v1alpha.ServerReflection` answering from
 * them. `reflectionFiles` are the generated reflection protos, v1 then v1alpha.
 */
export function emitReflectionModule(
  files: readonly DescFile[],
  reflectionFiles: readonly DescFile[],
  namesOf: (file: DescFile) => FileNames,
  runtimeModuleOf: (name: string) => string,
): { scope: FileScope; content: string } {
  const scope = new FileScope(undefined, namesOf, reflectionModulePath);
  const embedded = embedDescriptors(files);
  const respond = "(request, answer) => ({ validHost: request.host, originalRequest: request, messageResponse: answer })";
  const routes = reflectionFiles.map((file) => {
    const service = file.services.find((s) => s.name === "ServerReflection");
    const method = service?.methods.find((m) => m.name === "ServerReflectionInfo");
    if (service === undefined || method === undefined) throw new GenerateError(`${file.proto.name}: the reflection option needs ServerReflection.ServerReflectionInfo (this is not the official reflection.proto)`);
    const methods = `${scope.ref(service, true)}.methods.${methodPropertyName(method)}`;
    return `    ${scope.rt("serveBidiStream")}(${methods}, (stream) => ${scope.rt("reflectionServe")}(index, stream, ${respond})),`;
  });
  const body = [
    `/**`,
    ` * The descriptors of every file of this output and of the files they import (source info stripped),`,
    ` * with the symbols and extensions they declare: what server reflection answers from.`,
    ` */`,
    `const descriptors: ${scope.rt("ReflectionDescriptors", false)} = {`,
    ...tableLines("files", embedded.files.map(([name, imports, bytes]) => `[${JSON.stringify(name)}, [${imports.join(", ")}], ${JSON.stringify(bytes)}]`)),
    ...tableLines("symbols", embedded.symbols.map(([symbol, file, message]) => `[${JSON.stringify(symbol)}, ${file}${message === 1 ? ", 1" : ""}]`)),
    ...tableLines("extensions", embedded.extensions.map(([extendee, number, file]) => `[${JSON.stringify(extendee)}, ${number}, ${file}]`)),
    `};`,
    ``,
    `/**`,
    ` * Serves server reflection on \`server\` (\`grpc.reflection.v1\` and \`v1alpha\`), so tools such as`,
    ` * \`buf curl\` and grpcurl can list its services and call them without the .proto files: files by name`,
    ` * or symbol (with their imports), extensions, and the services registered on the server.`,
    ` */`,
    `export function serveReflection(server: ${scope.rt("TripleServer", false)}): void {`,
    `  const index = new ${scope.rt("ReflectionIndex")}(descriptors, () => server.serviceNames());`,
    `  server.register([`,
    ...routes,
    `  ]);`,
    `}`,
  ].join("\n");
  const header = renderTemplate("file-header", { version: tristubVersion, source: "every file of this output", syntax: "" });
  return { scope, content: [header.trimEnd(), scope.renderImports(runtimeModuleOf), body].join("\n\n") + "\n" };
}

function tableLines(key: string, rows: readonly string[]): string[] {
  return rows.length === 0 ? [`  ${key}: [],`] : [`  ${key}: [`, ...rows.map((row) => `    ${row},`), `  ],`];
}
