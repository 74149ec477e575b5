import type { DescFile } from "@bufbuild/protobuf";
import { importSpecifier, outputPathOf, type FileNames, type NamedDesc } from "./names.js";

/** Path of the runtime module inside every output root. */
export const runtimeModulePath = "tristub-runtime.ts";

interface ImportedName {
  readonly exported: string;
  local: string;
  asValue: boolean;
}

/**
 * The names visible in one generated module: its own types, plus everything it imports from sibling
 * modules and from the runtime. Imports get a local alias (`Foo$1`) only when their name is taken, and
 * are rendered as `import type` unless a value is used, as `verbatimModuleSyntax` requires.
 */
export class FileScope {
  readonly path: string;
  readonly file: DescFile;
  private readonly namesOf: (file: DescFile) => FileNames;
  private readonly used = new Set<string>();
  private readonly imports = new Map<string, Map<string, ImportedName>>();
  private readonly runtimeUsed = new Map<string, boolean>();

  constructor(file: DescFile, namesOf: (file: DescFile) => FileNames) {
    this.file = file;
    this.namesOf = namesOf;
    this.path = outputPathOf(file.proto.name);
    for (const name of namesOf(file).values()) this.used.add(name);
  }

  /** The local name of a message, enum or service, importing it if it lives in another file. */
  ref(desc: NamedDesc, asValue: boolean): string {
    const exported = this.namesOf(desc.file).get(desc);
    if (exported === undefined) throw new Error(`no name allocated for ${desc.typeName}`);
    if (desc.file === this.file) return exported;
    const spec = importSpecifier(this.path, outputPathOf(desc.file.proto.name));
    let fromModule = this.imports.get(spec);
    if (fromModule === undefined) {
      fromModule = new Map();
      this.imports.set(spec, fromModule);
    }
    let entry = fromModule.get(exported);
    if (entry === undefined) {
      let local = exported;
      for (let i = 1; this.used.has(local); i++) local = `${exported}$${i}`;
      this.used.add(local);
      entry = { exported, local, asValue };
      fromModule.set(exported, entry);
    }
    entry.asValue ||= asValue;
    return entry.local;
  }

  /** A runtime declaration used by this module; runtime names never clash (see `safeTopLevelName`). */
  rt(name: string, asValue = true): string {
    this.runtimeUsed.set(name, (this.runtimeUsed.get(name) ?? false) || asValue);
    return name;
  }

  /** Runtime names this module uses (the roots of the runtime selection). */
  runtimeNames(): string[] {
    return [...this.runtimeUsed.keys()];
  }

  /** The module's import statements, sorted for deterministic output. */
  renderImports(): string {
    const lines: string[] = [];
    const runtime = [...this.runtimeUsed].sort(([a], [b]) => a.localeCompare(b));
    if (runtime.length > 0) {
      lines.push(renderImport(importSpecifier(this.path, runtimeModulePath), runtime.map(([n, v]) => [n, n, v])));
    }
    for (const spec of [...this.imports.keys()].sort()) {
      const entries = [...(this.imports.get(spec) as Map<string, ImportedName>).values()]
        .sort((a, b) => a.exported.localeCompare(b.exported))
        .map((e): [string, string, boolean] => [e.exported, e.local, e.asValue]);
      lines.push(renderImport(spec, entries));
    }
    return lines.join("\n");
  }
}

function renderImport(spec: string, names: [exported: string, local: string, asValue: boolean][]): string {
  const allTypes = names.every(([, , asValue]) => !asValue);
  const parts = names.map(([exported, local, asValue]) => {
    const binding = exported === local ? exported : `${exported} as ${local}`;
    return !allTypes && !asValue ? `type ${binding}` : binding;
  });
  return `import ${allTypes ? "type " : ""}{ ${parts.join(", ")} } from "${spec}";`;
}
