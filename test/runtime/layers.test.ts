// The runtime template's architecture, enforced: layer folders, `node:*` only in the Node transport,
// imports that only point down the layers, no cycles, small files, a small public entry — and the
// generator's link to the runtime (every runtime name an emitter asks for exists).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildRuntimeManifest } from "../../generator/runtime/manifest-builder.js";
import { runtimeTemplateDir } from "../../generator/runtime/manifest.js";
import { readTemplateSources } from "../../generator/runtime/template-sources.js";
import { repoRoot } from "../support/fixtures.js";

const sources = readTemplateSources(runtimeTemplateDir);
const modules = [...sources.keys()].filter((name) => name !== "index.ts");

/** The layer of a template module: its first folder (`transport/node` for the Node transport). */
function layerOf(module: string): string {
  return module.startsWith("transport/node/") ? "transport/node" : (module.split("/")[0] as string);
}

/** What each layer may import from (besides itself): lower layers only. */
const allowed: Record<string, readonly string[]> = {
  protobuf: [],
  json: ["protobuf"],
  protocol: ["protobuf", "json"],
  transport: ["protocol", "protobuf"],
  server: ["protocol", "protobuf", "json", "transport"],
  client: ["protocol", "protobuf", "json", "transport", "transport/node"],
  "transport/node": ["protocol", "protobuf", "transport", "server", "client"],
};

function importsOf(module: string): string[] {
  const text = sources.get(module) as string;
  return [...text.matchAll(/^import [^;]*? from "([^"]+)";/gms)].map((m) => m[1] as string);
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of spec.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/").replace(/\.js$/, ".ts");
}

describe("runtime template layers", () => {
  it("has at least four layer folders, and every module is in one", () => {
    const folders = readdirSync(runtimeTemplateDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.length).toBeGreaterThanOrEqual(4);
    for (const module of modules) expect(Object.keys(allowed), module).toContain(layerOf(module));
  });

  it("imports node:* only under transport/node", () => {
    const offenders = modules.filter((m) => !m.startsWith("transport/node/") && importsOf(m).some((s) => s.startsWith("node:")));
    expect(offenders).toEqual([]);
  });

  it("imports only from its own layer and the layers below it", () => {
    const violations: string[] = [];
    for (const module of modules) {
      for (const spec of importsOf(module)) {
        if (spec.startsWith("node:")) continue;
        const target = layerOf(resolve(module, spec));
        const layer = layerOf(module);
        if (target !== layer && !(allowed[layer] ?? []).includes(target)) violations.push(`${module} → ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("has no import cycle (the manifest builder refuses one)", () => {
    expect(() => buildRuntimeManifest(sources)).not.toThrow();
    const cyclic = new Map(sources);
    cyclic.set("protobuf/wire-utf8.ts", `import { BinaryReader } from "./wire-reader.js";\n${sources.get("protobuf/wire-utf8.ts")}`);
    expect(() => buildRuntimeManifest(cyclic)).toThrow(/import cycle: (protobuf\/wire-(reader|utf8)\.ts → ){2}protobuf\/wire-(reader|utf8)\.ts/);
  });

  it("a member named like a declaration (registry.getExtension, TypeRegistry.getExtension) is not a dependency on it", () => {
    const manifest = buildRuntimeManifest(sources);
    expect(manifest.declarations.get("TypeRegistry")?.dependsOn).not.toContain("getExtension");
    expect(manifest.declarations.get("jsonReadExtensions")?.dependsOn).not.toContain("getExtension");
    expect(manifest.declarations.get("jsonReadExtensions")?.dependsOn).toContain("extensionStore");
    const withShorthand = new Map(sources);
    withShorthand.set("protobuf/limits.ts", `${sources.get("protobuf/limits.ts")}\nexport const limitsProbe = { protobufDefaultMaxDepth };\n`);
    expect(buildRuntimeManifest(withShorthand).declarations.get("limitsProbe")?.dependsOn).toContain("protobufDefaultMaxDepth");
  });

  it("keeps modules under ~300 lines, or says at the top why not", () => {
    const long = modules.filter((m) => (sources.get(m) as string).split("\n").length > 320);
    for (const module of long) {
      expect(sources.get(module), `${module} is long without a reason at its top`).toMatch(/^\/\/ [^\n]*over 300 lines/i);
    }
  });

  it("the public entry only re-exports declared names, and names the public API", () => {
    const manifest = buildRuntimeManifest(sources);
    expect(manifest.publicNames.size).toBeGreaterThan(20);
    // The whole public API, opt-in parts included (extensions, health, …); a greet output's entry, which
    // carries only what it uses, keeps to 60 (next test).
    expect(manifest.publicNames.size).toBeLessThanOrEqual(90);
    for (const name of ["createTripleServer", "TripleError", "Code", "isEnded", "HandlerContext", "ClientOptions"]) {
      expect(manifest.publicNames.has(name), name).toBe(true);
    }
    for (const name of ["serverSafely", "http2ResetStream", "protobufUnknownBytes", "ServerCall"]) {
      expect(manifest.publicNames.has(name), name).toBe(false);
    }
    const broken = new Map(sources);
    broken.set("index.ts", `export { serverSafely } from "./protocol/status-code.js";\n`);
    expect(() => buildRuntimeManifest(broken)).toThrow(/serverSafely is not declared in protocol\/status-code\.ts/);
  });
});

describe("the generator's link to the runtime", () => {
  it("every runtime name an emitter names literally is declared by the template", () => {
    const manifest = buildRuntimeManifest(sources);
    const emitDir = join(repoRoot, "generator", "emit");
    const missing: string[] = [];
    let count = 0;
    for (const file of readdirSync(emitDir)) {
      const text = readFileSync(join(emitDir, file), "utf8");
      for (const match of text.matchAll(/\brt\("([A-Za-z_$][\w$]*)"/g)) {
        count++;
        if (!manifest.declarations.has(match[1] as string)) missing.push(`${file}: ${match[1]}`);
      }
    }
    expect(count).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it("the greet output's public entry exports at most 60 names, and its runtime files name their source", () => {
    const gen = join(repoRoot, "examples", "streaming", "gen");
    const entry = readFileSync(join(gen, "tristub-runtime.ts"), "utf8");
    const names = [...entry.matchAll(/^export (?:type )?\{ ([^}]+) \}/gm)].flatMap((m) => (m[1] as string).split(",").map((n) => n.trim()));
    expect(names.length).toBeGreaterThan(20);
    expect(names.length).toBeLessThanOrEqual(60);
    expect(entry).not.toMatch(/^(?:export )?(?:function|class|const) /m);
    const tree = readTemplateSources(join(gen, "tristub"));
    expect(tree.size).toBeGreaterThan(10);
    for (const [path, text] of tree) {
      expect(text.split("\n")[0], path).toBe(`// @generated by tristub v${JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version} from runtime-template/${path}. Do not edit.`);
      expect(sources.has(path), path).toBe(true);
    }
  });
});
