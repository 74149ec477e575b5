// Vitest globalSetup: rewrites the runtime manifest when runtime-template/ changed since it was built
// (so every worker generates from the current template without parsing it again), and installs the
// dubbo-js interop package (test/dubbo-js, its own npm tree because dubbo-js 3.0.0-alpha needs
// @bufbuild/protobuf v1) when it is not installed yet, so that `npm ci && npm test` works on a fresh
// clone. `npm run test:setup` does the same by hand.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deserializeManifest, prebuiltManifestPath, runtimeTemplateDir, serializeManifest } from "../../generator/runtime/manifest.js";
import { buildRuntimeManifest } from "../../generator/runtime/manifest-builder.js";
import { hashSources, readTemplateSources } from "../../generator/runtime/template-sources.js";

function refreshRuntimeManifest(): void {
  const sources = readTemplateSources(runtimeTemplateDir);
  if (existsSync(prebuiltManifestPath) && deserializeManifest(readFileSync(prebuiltManifestPath, "utf8")).sourceHash === hashSources(sources)) return;
  writeFileSync(prebuiltManifestPath, serializeManifest(buildRuntimeManifest(sources)));
}

const dubboDir = join(import.meta.dirname, "..", "dubbo-js");

export default function setup(): void {
  refreshRuntimeManifest();
  if (existsSync(join(dubboDir, "node_modules"))) return;
  process.stderr.write("global-setup: installing test/dubbo-js (npm ci --prefix test/dubbo-js)\n");
  execFileSync("npm", ["ci", "--prefix", dubboDir, "--no-audit", "--no-fund"], { stdio: ["ignore", "inherit", "inherit"] });
}
