import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { Plugin } from "@bufbuild/protoplugin";
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponse_FileSchema,
  FileDescriptorSetSchema,
  CodeGeneratorResponseSchema,
  Edition,
  type CodeGeneratorRequest,
  type CodeGeneratorResponse,
} from "@bufbuild/protobuf/wkt";
import { GenerateError } from "./errors.js";
import { generate } from "./generate.js";
import { parsePluginParameter } from "./options.js";
import { tristubVersion } from "./version.js";

/**
 * tristub as a protoc / buf plugin (`protoc-gen-tristub`): the same pure core as the CLI, fed with the
 * descriptors protoc or buf compiled. Problems in the input are reported in the response's `error`,
 * as the plugin protocol asks, rather than by crashing.
 */
export const tristubPlugin: Plugin = {
  name: "protoc-gen-tristub",
  version: `v${tristubVersion}`,
  run(request: CodeGeneratorRequest): CodeGeneratorResponse {
    const response = create(CodeGeneratorResponseSchema, {
      supportedFeatures: BigInt(
        CodeGeneratorResponse_Feature.PROTO3_OPTIONAL | CodeGeneratorResponse_Feature.SUPPORTS_EDITIONS,
      ),
      minimumEdition: Edition.EDITION_PROTO2,
      maximumEdition: Edition.EDITION_2023,
    });
    try {
      const options = parsePluginParameter(request.parameter);
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
      const files = generate({ registry, filesToGenerate: request.fileToGenerate, options });
      response.file = files.map((f) => create(CodeGeneratorResponse_FileSchema, { name: f.name, content: f.content }));
    } catch (error) {
      if (!(error instanceof GenerateError)) throw error;
      response.error = error.message;
    }
    return response;
  },
};

export { parsePluginParameter };
