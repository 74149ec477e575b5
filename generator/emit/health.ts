import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import { GenerateError } from "../errors.js";
import { FileScope } from "../model/file-scope.js";
import { methodPropertyName } from "../model/member-names.js";
import type { FileNames } from "../model/names.js";
import { renderTemplate } from "../templates.js";
import { tristubVersion } from "../version.js";

/** Path of the module with `serveHealth` (generated with the `health` option and server code). */
export const healthModulePath = "tristub-health.ts";

/**
 * Emits `tristub-health.ts`: `serveHealth(server)` registers `grpc.health.v1.Health` (Check, List,
 * Watch) on a server, backed by the runtime's `ServerHealth`, and ties it to the server's shutdown.
 * The generated service of tristub's bundled `health.proto` provides the method table and codecs.
 */
export function emitHealthModule(
  healthFile: DescFile,
  namesOf: (file: DescFile) => FileNames,
  runtimeModuleOf: (name: string) => string,
): { scope: FileScope; content: string } {
  const service = healthFile.services.find((s) => s.typeName === "grpc.health.v1.Health");
  if (service === undefined) throw new GenerateError(`${healthFile.proto.name}: the health option needs service grpc.health.v1.Health (this is not the official health.proto)`);
  const scope = new FileScope(undefined, namesOf, healthModulePath);
  const methods = `${scope.ref(service, true)}.methods`;
  const server = scope.rt("TripleServer", false);
  const health = scope.rt("ServerHealth");
  const options = scope.rt("HealthOptions", false);
  const body = [
    `/**`,
    ` * Serves \`grpc.health.v1.Health\` on \`server\`: Check, List and Watch report the statuses set on the`,
    ` * returned {@link ${health}} (\`""\`, the whole server, starts SERVING; set each service's with`,
    ` * \`setStatus(service, "SERVING")\`). As \`server.close()\` begins every status turns NOT_SERVING and`,
    ` * Watch streams report it, then end.`,
    ` */`,
    `export function serveHealth(server: ${server}, options?: ${options}): ${health} {`,
    `  const health = new ${health}(options);`,
    `  const methods = ${methods};`,
    `  server.register([`,
    `    ${scope.rt("serveUnary")}(methods.${property(service, "Check")}, (request) => ({ status: health.check(request.service) })),`,
    // A vendored health.proto older than List (2024) has no List method: it is left out then.
    ...(service.methods.some((m) => m.name === "List")
      ? [`    ${scope.rt("serveUnary")}(methods.${property(service, "List")}, () => ({ statuses: Object.fromEntries(health.list().map(([name, status]) => [name, { status }])) })),`]
      : []),
    `    ${scope.rt("serveServerStream")}(methods.${property(service, "Watch")}, (request, stream, ctx) =>`,
    `      health.watch(request.service, (status) => stream.send({ status }), ctx.signal),`,
    `    ),`,
    `  ]);`,
    `  server.onShutdown(() => health.shutdown());`,
    `  return health;`,
    `}`,
  ].join("\n");
  const header = renderTemplate("file-header", { version: tristubVersion, source: healthFile.proto.name, syntax: "" });
  return { scope, content: [header.trimEnd(), scope.renderImports(runtimeModuleOf), body].join("\n\n") + "\n" };
}

function property(service: DescService, name: string): string {
  const method = service.methods.find((m: DescMethod) => m.name === name);
  if (method === undefined) throw new GenerateError(`${service.typeName}: the health option needs its method ${name} (this is not the official health.proto)`);
  return methodPropertyName(method);
}
