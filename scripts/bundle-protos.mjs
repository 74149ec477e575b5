// `npm run protos`: compiles the official protos tristub ships (generator/protos/grpc/…: health v1,
// reflection v1 and v1alpha) with the bundled buf into generator/protos/bundled.binpb, a
// FileDescriptorSet with source info (their comments become the generated JSDoc). The generator reads
// that file when an output asks for `health` or `reflection`, so neither the CLI nor the protoc plugin
// compiles them at generate time. test/health-reflection/bundled-protos.test.ts checks it is current.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const protos = join(root, "generator", "protos");
const buf = join(root, "node_modules", "@bufbuild", "buf", "bin", "buf");
const bytes = execFileSync(
  buf,
  ["build", ".", "--config", JSON.stringify({ version: "v2" }), "-o", "-#format=binpb", "--as-file-descriptor-set"],
  { cwd: protos, maxBuffer: 1 << 26 },
);
writeFileSync(join(protos, "bundled.binpb"), bytes);
process.stderr.write(`protos: generator/protos/bundled.binpb written (${bytes.length} bytes)\n`);
