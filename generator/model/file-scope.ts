import type { DescFile } from "@bufbuild/protobuf";
import { importSpecifier, outputPathOf, type FileNames, type NamedDesc } from "./names.js";

/** Path of the runtime module inside every output root. */
export const runtimeModulePath = "tristub-runtime.ts";

/** Path of the module exporting the type registry of every message in the output. */
export const registryModulePath = "tristub-registry.ts";

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
  /** The proto file this module is generated from; undefined for modules such as the type registry. */
  readonly file: DescFile | undefined;
  private readonly namesOf: (file: DescFile) => FileNames;
  private readonly used = new Set<string>();
  private readonly imports = new Map<string, Map<string, ImportedName>>();
  private readonly runtimeUsed = new Map<string, boolean>();

  constructor(file: DescFile | undefined, namesOf: (file: DescFile) => FileNames, path?: string) {
    this.file = file;
    this.namesOf = namesOf;
    this.path = path ?? outputPathOf(file?.proto.name ?? "index.proto");
    if (file === undefined) return;
    for (const [desc, name] of namesOf(file)) {
      this.used.add(name);
      if (desc.kind === "enum") this.used.add(`${name}$json`);
    }
  }

  /**
   * The local name of a message, enum or service — or of a companion export named after it plus
   * `suffix` (e.g. an enum's `$json` names) — importing it if it lives in another file.
   */
  ref(desc: NamedDesc, asValue: boolean, suffix = ""): string {
    const name = this.namesOf(desc.file).get(desc);
    if (name === undefined) throw new Error(`no name allocated for ${desc.typeName}`);
    const exported = name + suffix;
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

  /** Is `name` a top-level name of this module already (one of its types, or an import)? */
  isTaken(name: string): boolean {
    return this.used.has(name);
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

  /**
   * The module's import statements, sorted for deterministic output. Runtime names are imported from
   * the runtime module that declares them (`runtimeModuleOf` gives its output path).
   */
  renderImports(runtimeModuleOf: (name: string) => string): string {
    const lines: string[] = [];
    const runtime = new Map<string, [string, string, boolean][]>();
    for (const [name, asValue] of this.runtimeUsed) {
      const spec = importSpecifier(this.path, runtimeModuleOf(name));
      const list = runtime.get(spec) ?? [];
      list.push([name, name, asValue]);
      runtime.set(spec, list);
    }
    for (const spec of [...runtime.keys()].sort()) {
      const names = (runtime.get(spec) as [string, string, boolean][]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      lines.push(renderImport(spec, names));
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
