import { importSpecifier } from "../model/names.js";
import type { RuntimeDeclaration, RuntimeManifest } from "./manifest.js";

/** Folder of the output that holds the runtime's module tree. */
export const runtimeTreeDir = "tristub";

/** One runtime module of the output: a path under the output root and its body (without header). */
export interface RuntimeModule {
  readonly path: string;
  /** Template module it comes from, relative to `runtime-template/`. */
  readonly source: string;
  readonly body: string;
}

/** The part of the runtime that an output needs, as a module tree plus its public entry's re-exports. */
export interface RuntimeSelection {
  readonly modules: readonly RuntimeModule[];
  /** Body of the public entry (`tristub-runtime.ts`): re-exports of the selected public names. */
  readonly publicEntry: string;
}

/** Output path of the runtime module holding `name` (for imports from generated files). */
export function runtimeModulePathOf(manifest: RuntimeManifest, name: string): string {
  const declaration = manifest.declarations.get(name);
  if (declaration === undefined) throw new Error(`runtime has no declaration named ${name}`);
  return `${runtimeTreeDir}/${declaration.module}`;
}

/**
 * Selects what `roots` need — their transitive closure — and lays it out as the template's modules:
 * each output module keeps its declarations in template order and imports from its sibling modules
 * exactly the names those declarations use. The public entry re-exports the selected public names.
 */
export function selectRuntime(manifest: RuntimeManifest, roots: Iterable<string>): RuntimeSelection {
  const selected = new Set<RuntimeDeclaration>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    const declaration = manifest.declarations.get(name);
    if (declaration === undefined) throw new Error(`runtime has no declaration named ${name}`);
    if (selected.has(declaration)) continue;
    selected.add(declaration);
    pending.push(...declaration.dependsOn);
  }
  const byModule = new Map<string, RuntimeDeclaration[]>();
  for (const declaration of [...selected].sort((a, b) => a.order - b.order)) {
    const list = byModule.get(declaration.module) ?? [];
    list.push(declaration);
    byModule.set(declaration.module, list);
  }
  const modules: RuntimeModule[] = [];
  for (const [module, declarations] of byModule) {
    const path = `${runtimeTreeDir}/${module}`;
    modules.push({ path, source: module, body: renderModule(manifest, path, declarations) });
  }
  const publicEntry = renderPublicEntry(manifest, selected);
  return { modules: modules.sort((a, b) => compare(a.path, b.path)), publicEntry };
}

function renderModule(manifest: RuntimeManifest, path: string, declarations: readonly RuntimeDeclaration[]): string {
  const nodeImports = new Map<string, Set<string>>();
  const siblings = new Map<string, Map<string, boolean>>(); // module path → name → imported as a value
  const own = new Set(declarations.flatMap((d) => d.names));
  for (const declaration of declarations) {
    for (const [spec, names] of declaration.nodeImports) {
      const set = nodeImports.get(spec) ?? new Set<string>();
      for (const name of names) set.add(name);
      nodeImports.set(spec, set);
    }
    const typeOnly = new Set(declaration.typeOnlyDeps);
    for (const name of declaration.dependsOn) {
      if (own.has(name)) continue;
      const target = runtimeModulePathOf(manifest, name);
      const names = siblings.get(target) ?? new Map<string, boolean>();
      names.set(name, (names.get(name) ?? false) || !typeOnly.has(name));
      siblings.set(target, names);
    }
  }
  const lines: string[] = [];
  for (const spec of [...nodeImports.keys()].sort(compare)) {
    const names = [...(nodeImports.get(spec) as Set<string>)].sort((a, b) => compare(bare(a), bare(b)));
    lines.push(
      names.every((n) => n.startsWith("type "))
        ? `import type { ${names.map(bare).join(", ")} } from "${spec}";`
        : `import { ${names.join(", ")} } from "${spec}";`,
    );
  }
  for (const target of [...siblings.keys()].sort(compare)) {
    const names = [...(siblings.get(target) as Map<string, boolean>)].sort(([a], [b]) => compare(a, b));
    lines.push(renderImport(importSpecifier(path, target), names));
  }
  const parts: string[] = [];
  if (lines.length > 0) parts.push(lines.join("\n"));
  for (const declaration of declarations) parts.push(declaration.text);
  return parts.join("\n\n") + "\n";
}

function renderPublicEntry(manifest: RuntimeManifest, selected: ReadonlySet<RuntimeDeclaration>): string {
  const byModule = new Map<string, Map<string, boolean>>();
  for (const declaration of selected) {
    for (const name of declaration.names) {
      if (!manifest.publicNames.has(name)) continue;
      const target = `${runtimeTreeDir}/${declaration.module}`;
      const names = byModule.get(target) ?? new Map<string, boolean>();
      names.set(name, !declaration.typeOnly);
      byModule.set(target, names);
    }
  }
  const lines = [...byModule.keys()].sort(compare).map((target) => {
    const names = [...(byModule.get(target) as Map<string, boolean>)].sort(([a], [b]) => compare(a, b));
    const allTypes = names.every(([, value]) => !value);
    const list = names.map(([name, value]) => (!allTypes && !value ? `type ${name}` : name)).join(", ");
    return `export ${allTypes ? "type " : ""}{ ${list} } from "./${target.replace(/\.ts$/, ".js")}";`;
  });
  return lines.join("\n") + "\n";
}

function renderImport(spec: string, names: readonly [name: string, asValue: boolean][]): string {
  const allTypes = names.every(([, asValue]) => !asValue);
  const list = names.map(([name, asValue]) => (!allTypes && !asValue ? `type ${name}` : name)).join(", ");
  return `import ${allTypes ? "type " : ""}{ ${list} } from "${spec}";`;
}

/** Every name the runtime template declares: generated names must not collide with them. */
export function runtimeNames(manifest: RuntimeManifest): ReadonlySet<string> {
  return new Set(manifest.declarations.keys());
}

function bare(name: string): string {
  return name.startsWith("type ") ? name.slice(5) : name;
}

/** Code-unit order, independent of the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
