import { gunzipSync, gzipSync } from "node:zlib";
import type { Compressor, CompressorTable } from "../../protocol/compression.js";
import { Code } from "../../protocol/status-code.js";
import { TripleError } from "../../protocol/triple-error.js";

/** gzip over Node's zlib: the one algorithm every Triple and gRPC peer implements. */
export const nodeGzip: Compressor = {
  name: "gzip",
  compress: (data) => gzipSync(data),
  decompress(data, maxBytes) {
    try {
      return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new TripleError(Code.RESOURCE_EXHAUSTED, `decompressed message is larger than ${maxBytes} bytes`);
      }
      throw new TripleError(Code.INVALID_ARGUMENT, "protocol error: invalid gzip data", { cause: error });
    }
  },
};

/** The compressions the Node runtime offers, by name. */
export const nodeCompressions: CompressorTable = new Map([["gzip", nodeGzip]]);
