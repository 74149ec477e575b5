import type { RuntimeDeclaration, RuntimeManifest } from "./manifest.js";

/**
 * Renders the part of the runtime that `roots` need: their transitive closure, in template order, under
 * one merged block of `node:*` imports. The result is the body of the output's runtime module.
 */
export function renderRuntime(manifest: RuntimeManifest, roots: Iterable<string>): string {
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
  const ordered = [...selected].sort((a, b) => a.order - b.order);
  const imports = new Map<string, Set<string>>();
  for (const declaration of ordered) {
    for (const [spec, names] of declaration.nodeImports) {
      const set = imports.get(spec) ?? new Set<string>();
      for (const name of names) set.add(name);
      imports.set(spec, set);
    }
  }
  const importLines = [...imports.keys()].sort().map((spec) => {
    const names = [...(imports.get(spec) as Set<string>)].sort((a, b) => bare(a).localeCompare(bare(b)));
    if (names.every((n) => n.startsWith("type "))) {
      return `import type { ${names.map(bare).join(", ")} } from "${spec}";`;
    }
    return `import { ${names.join(", ")} } from "${spec}";`;
  });
  const parts: string[] = [];
  if (importLines.length > 0) parts.push(importLines.join("\n"));
  for (const declaration of ordered) parts.push(declaration.text);
  return parts.join("\n\n") + "\n";
}

/** Every name the runtime template declares: generated names must not collide with them. */
export function runtimeNames(manifest: RuntimeManifest): ReadonlySet<string> {
  return new Set(manifest.declarations.keys());
}

function bare(name: string): string {
  return name.startsWith("type ") ? name.slice(5) : name;
}
