import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DescMessage } from "@bufbuild/protobuf";
import { allocateFileNames, outputPathOf } from "../../generator/model/names.js";
import { loadRuntimeManifest } from "../../generator/runtime/manifest.js";
import { runtimeNames } from "../../generator/runtime/select.js";
import { snapshotsDir } from "./fixtures.js";

/** The codec object a generated module exports for a message, typed loosely for reflection-driven tests. */
export interface AnyCodec {
  readonly typeName: string;
  create(init?: object): Record<string, unknown>;
  encode(message: object): Uint8Array;
  decode(bytes: Uint8Array, options?: { maxDepth?: number }): Record<string, unknown>;
  toJson(message: object, options?: object): unknown;
  toJsonString(message: object, options?: object): string;
  fromJson(json: unknown, options?: object): Record<string, unknown>;
  fromJsonString(json: string, options?: object): Record<string, unknown>;
}

/** Imports the golden (snapshot) module of a concern that declares `desc`, and returns its codec. */
export async function snapshotCodec(concern: string, desc: DescMessage): Promise<AnyCodec> {
  const reserved = runtimeNames(loadRuntimeManifest());
  const name = allocateFileNames(desc.file, reserved).get(desc);
  if (name === undefined) throw new Error(`no generated name for ${desc.typeName}`);
  const path = join(snapshotsDir, concern, outputPathOf(desc.file.proto.name));
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const codec = module[name] as AnyCodec | undefined;
  if (codec === undefined || codec.typeName !== desc.typeName) {
    throw new Error(`${path} does not export the codec ${name} of ${desc.typeName}`);
  }
  return codec;
}

/** Imports the golden runtime module of a concern (for its error class and helpers). */
export async function snapshotRuntime(concern: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(join(snapshotsDir, concern, "tristub-runtime.ts")).href)) as Record<string, unknown>;
}
