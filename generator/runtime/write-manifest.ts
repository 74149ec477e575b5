// Builds the runtime manifest from runtime-template/ and writes it beside manifest.ts
// (`npm run manifest`, part of `npm run build`): generating code then never parses the template.
import { writeFileSync } from "node:fs";
import { prebuiltManifestPath, runtimeTemplateDir, serializeManifest } from "./manifest.js";
import { buildRuntimeManifest } from "./manifest-builder.js";
import { readTemplateSources } from "./template-sources.js";

const manifest = buildRuntimeManifest(readTemplateSources(runtimeTemplateDir));
writeFileSync(prebuiltManifestPath, serializeManifest(manifest));
process.stdout.write(`runtime manifest: ${new Set(manifest.declarations.values()).size} declarations, ${manifest.publicNames.size} public names → ${prebuiltManifestPath}\n`);
