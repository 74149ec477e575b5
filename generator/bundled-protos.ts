import { create, createFileRegistry, fromBinary, type DescFile, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GenerateOptions } from "./options.js";
import { packageRoot } from "./package-root.js";

/** The official `grpc.health.v1` proto tristub ships (generated with the `health` option). */
export const healthProtoName = "grpc/health/v1/health.proto";
/** The official server reflection protos tristub ships, v1 then v1alpha (generated with `reflection`). */
export const reflectionProtoNames = ["grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"] as const;

/** The compiled form of `generator/protos/` (`npm run protos` writes it; shipped in the package). */
export const bundledProtosPath = join(packageRoot, "generator", "protos", "bundled.binpb");

let bundled: readonly FileDescriptorProto[] | undefined;

function bundledFiles(): readonly FileDescriptorProto[] {
  bundled ??= fromBinary(FileDescriptorSetSchema, readFileSync(bundledProtosPath)).file;
  return bundled;
}

/**
 * The registry and file list to generate once the options' bundled protos are added: `health` adds
 * `grpc/health/v1/health.proto`, `reflection` the two reflection protos. A file the user's own
 * descriptors already hold (a vendored copy) is used as it is.
 */
export function withBundledProtos(
  registry: FileRegistry,
  filesToGenerate: readonly string[],
  options: GenerateOptions,
): { registry: FileRegistry; filesToGenerate: readonly string[] } {
  const wanted: string[] = [];
  if (options.health === true) wanted.push(healthProtoName);
  if (options.reflection === true && options.services !== "client" && options.services !== "none") wanted.push(...reflectionProtoNames);
  if (wanted.length === 0) return { registry, filesToGenerate };
  const missing = bundledFiles().filter((f) => wanted.includes(f.name) && registry.getFile(f.name) === undefined);
  if (missing.length > 0) {
    const own: FileDescriptorProto[] = [];
    for (const file of registry.files as Iterable<DescFile>) own.push(file.proto);
    registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [...own, ...missing] }));
  }
  return { registry, filesToGenerate: [...filesToGenerate, ...wanted.filter((name) => !filesToGenerate.includes(name))] };
}
