import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRuntimeManifest } from "./manifest-builder.js";
import { hashSources, readTemplateSources } from "./template-sources.js";

/** One top-level declaration of `runtime-template/`, with what it needs from the rest of the runtime. */
export interface RuntimeDeclaration {
  /** Names this statement declares (a variable statement may declare several). */
  readonly names: readonly string[];
  /** Template module the declaration comes from, as a path under `runtime-template/` (`protobuf/wire-reader.ts`). */
  readonly module: string;
  /** Position of the module in dependency order, then of the statement in its module: the emit order. */
  readonly order: number;
  /** Source text including its JSDoc, exactly as written in the template. */
  readonly text: string;
  /** Other runtime declarations (by name) referenced anywhere in this one. */
  readonly dependsOn: readonly string[];
  /** The dependencies that declare only a type (interface or type alias): imported with `import type`. */
  readonly typeOnlyDeps: readonly string[];
  /** Whether this declaration is only a type (interface or type alias): re-exported with `export type`. */
  readonly typeOnly: boolean;
  /** `node:*` imports referenced by this declaration: module specifier → names (`type X` if type-only). */
  readonly nodeImports: ReadonlyMap<string, readonly string[]>;
}

/**
 * The runtime template as a table of top-level declarations, so that generated output can carry exactly
 * the part of the runtime it uses.
 *
 * Selection is sound only if the template keeps to a few rules, which building the manifest checks:
 * imports are relative `.js` paths inside the template or `node:*`, every top-level name is unique across
 * modules, there are no default exports, no `enum`/`namespace`, no top-level statements other than
 * declarations, and no import cycle between modules.
 */
export interface RuntimeManifest {
  readonly declarations: ReadonlyMap<string, RuntimeDeclaration>;
  /** Names exported by the public entry (`runtime-template/index.ts`): the API users import. */
  readonly publicNames: ReadonlySet<string>;
  /** Hash of the template sources the manifest was built from (to notice a stale prebuilt manifest). */
  readonly sourceHash: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Directory holding the runtime template modules (absent from a published package). */
export const runtimeTemplateDir = join(here, "..", "..", "runtime-template");

/**
 * Where the prebuilt manifest lives: beside this module, in the source tree and in the compiled
 * package alike. `npm run manifest` (part of `npm run build`) writes it.
 */
export const prebuiltManifestPath = join(here, "runtime-manifest.json");

let cached: RuntimeManifest | undefined;

/**
 * The manifest of `runtime-template/`, loaded once per process from the prebuilt JSON. Building it
 * parses the template with ts-morph (most of a cold `tristub generate`), so that happens at build time;
 * only in a source checkout whose template changed since the last build (or that was never built) is
 * it rebuilt in process.
 */
export function loadRuntimeManifest(): RuntimeManifest {
  if (cached !== undefined) return cached;
  const sources = existsSync(runtimeTemplateDir) ? readTemplateSources(runtimeTemplateDir) : undefined;
  const hash = sources === undefined ? undefined : hashSources(sources);
  let manifest: RuntimeManifest | undefined;
  if (existsSync(prebuiltManifestPath)) {
    manifest = deserializeManifest(readFileSync(prebuiltManifestPath, "utf8"));
    if (hash !== undefined && manifest.sourceHash !== hash) manifest = undefined;
  }
  if (manifest === undefined) {
    if (sources === undefined) throw new Error(`tristub is not built: ${prebuiltManifestPath} is missing`);
    manifest = buildRuntimeManifest(sources);
  }
  cached = manifest;
  return manifest;
}

/** The manifest as deterministic JSON (declarations in emit order). */
export function serializeManifest(manifest: RuntimeManifest): string {
  const list = [...new Set(manifest.declarations.values())]
    .sort((a, b) => a.order - b.order)
    .map((d) => ({ ...d, nodeImports: [...d.nodeImports] }));
  return JSON.stringify({ sourceHash: manifest.sourceHash, publicNames: [...manifest.publicNames].sort(), declarations: list }) + "\n";
}

/** Reads a manifest written by `serializeManifest`. */
export function deserializeManifest(text: string): RuntimeManifest {
  type Stored = Omit<RuntimeDeclaration, "nodeImports"> & { nodeImports: [string, string[]][] };
  const stored = JSON.parse(text) as { sourceHash: string; publicNames: string[]; declarations: Stored[] };
  const declarations = new Map<string, RuntimeDeclaration>();
  for (const item of stored.declarations) {
    const declaration: RuntimeDeclaration = { ...item, nodeImports: new Map(item.nodeImports) };
    for (const name of item.names) declarations.set(name, declaration);
  }
  return { declarations, publicNames: new Set(stored.publicNames), sourceHash: stored.sourceHash };
}
