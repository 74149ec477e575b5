import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Node, Project, SyntaxKind, type SourceFile, type Statement } from "ts-morph";

/** One top-level declaration of `runtime-template/`, with what it needs from the rest of the runtime. */
export interface RuntimeDeclaration {
  /** Names this statement declares (a variable statement may declare several). */
  readonly names: readonly string[];
  /** Template module the declaration comes from, e.g. `wire-reader.ts`. */
  readonly module: string;
  /** Position of the module in dependency order, then of the statement in its module: the emit order. */
  readonly order: number;
  /** Source text including its JSDoc, exactly as written in the template. */
  readonly text: string;
  /** Other runtime declarations (by name) referenced anywhere in this one. */
  readonly dependsOn: readonly string[];
  /** `node:*` imports referenced by this declaration: module specifier → names (`type X` if type-only). */
  readonly nodeImports: ReadonlyMap<string, readonly string[]>;
}

/**
 * The runtime template as a table of top-level declarations, so that generated output can carry exactly
 * the part of the runtime it uses.
 *
 * Selection is sound only if the template keeps to a few rules, which building the manifest enforces:
 * imports are `./x.js` or `node:*`, every top-level name is unique across modules, there are no default
 * exports, no `enum`/`namespace`, and no top-level statements other than declarations.
 */
export interface RuntimeManifest {
  readonly declarations: ReadonlyMap<string, RuntimeDeclaration>;
}

/** Directory holding the runtime template modules. */
export const runtimeTemplateDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "runtime-template");

let cached: RuntimeManifest | undefined;

/** Loads (once per process) and validates the manifest of `runtime-template/`. */
export function loadRuntimeManifest(dir = runtimeTemplateDir): RuntimeManifest {
  if (cached !== undefined && dir === runtimeTemplateDir) return cached;
  const sources = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) {
      sources.set(name, readFileSync(join(dir, name), "utf8"));
    }
  }
  const manifest = cachedManifest(sources) ?? buildRuntimeManifest(sources);
  if (dir === runtimeTemplateDir) cached = manifest;
  return manifest;
}

/**
 * Parsing the template with ts-morph is most of a cold `tristub generate`; the manifest is a pure
 * function of the sources, so it is cached on disk under a hash of them (best effort: any problem
 * with the cache just means building it again).
 */
function cachedManifest(sources: ReadonlyMap<string, string>): RuntimeManifest | undefined {
  const hash = createHash("sha256");
  for (const [name, text] of sources) hash.update(name).update("\0").update(text).update("\0");
  const path = join(tmpdir(), "tristub-manifest", `${hash.digest("hex")}.json`);
  try {
    return deserialize(readFileSync(path, "utf8"));
  } catch {
    // Not cached yet (or unreadable): build it and try to store it for the next run.
  }
  const manifest = buildRuntimeManifest(sources);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, serialize(manifest));
    renameSync(temp, path);
  } catch {
    // A read-only temp dir only costs speed.
  }
  return manifest;
}

function serialize(manifest: RuntimeManifest): string {
  const list = [...new Set(manifest.declarations.values())].map((d) => ({ ...d, nodeImports: [...d.nodeImports] }));
  return JSON.stringify(list);
}

function deserialize(text: string): RuntimeManifest {
  const list = JSON.parse(text) as (Omit<RuntimeDeclaration, "nodeImports"> & { nodeImports: [string, string[]][] })[];
  const declarations = new Map<string, RuntimeDeclaration>();
  for (const item of list) {
    const declaration: RuntimeDeclaration = { ...item, nodeImports: new Map(item.nodeImports) };
    for (const name of item.names) declarations.set(name, declaration);
  }
  return { declarations };
}

/** Builds the manifest from module sources (file name → text); exposed for tests of the rules. */
export function buildRuntimeManifest(sources: ReadonlyMap<string, string>): RuntimeManifest {
  const project = new Project({ useInMemoryFileSystem: true, skipFileDependencyResolution: true });
  const files = [...sources].map(([name, text]) => project.createSourceFile(name, text));
  const moduleOrder = sortModules(files);
  const raw: { names: string[]; module: string; order: number; statement: Statement }[] = [];
  const nodeImportOf = new Map<string, { spec: string; typeOnly: boolean; binding: string }>();
  const owner = new Map<string, string>();
  moduleOrder.forEach((file, moduleIndex) => {
    file.getStatements().forEach((statement, statementIndex) => {
      const where = `${file.getBaseName()}:${statement.getStartLineNumber()}`;
      if (Node.isImportDeclaration(statement)) {
        const spec = statement.getModuleSpecifierValue();
        if (spec.startsWith("node:")) {
          for (const named of statement.getNamedImports()) {
            const typeOnly = statement.isTypeOnly() || named.isTypeOnly();
            const local = named.getAliasNode()?.getText() ?? named.getName();
            const binding = local === named.getName() ? local : `${named.getName()} as ${local}`;
            nodeImportOf.set(local, { spec, typeOnly, binding });
          }
          if (statement.getDefaultImport() || statement.getNamespaceImport()) {
            throw new Error(`${where}: runtime template may only use named imports from ${spec}`);
          }
        } else if (!/^\.\/[\w-]+\.js$/.test(spec)) {
          throw new Error(`${where}: runtime template may import only ./x.js or node:* (found ${spec})`);
        }
        return;
      }
      const names = declaredNames(statement, where);
      for (const name of names) {
        const previous = owner.get(name);
        // A value and a type of the same name (`const Code` + `type Code`) in one module form one entry.
        if (previous !== undefined && previous !== file.getBaseName()) {
          throw new Error(`${where}: ${name} is already declared in ${previous}`);
        }
        owner.set(name, file.getBaseName());
      }
      raw.push({ names, module: file.getBaseName(), order: moduleIndex * 100_000 + statementIndex, statement });
    });
  });
  const declarations = new Map<string, RuntimeDeclaration>();
  const merged = new Map<string, { names: string[]; module: string; order: number; statements: Statement[] }>();
  for (const item of raw) {
    const key = `${item.module}\0${item.names.join(",")}`;
    const existing = merged.get(key);
    if (existing !== undefined) existing.statements.push(item.statement);
    else merged.set(key, { names: item.names, module: item.module, order: item.order, statements: [item.statement] });
  }
  for (const item of merged.values()) {
    const referenced = new Set<string>();
    for (const statement of item.statements) {
      for (const id of statement.getDescendantsOfKind(SyntaxKind.Identifier)) referenced.add(id.getText());
    }
    const dependsOn = [...referenced].filter((n) => owner.has(n) && !item.names.includes(n)).sort();
    const nodeImports = new Map<string, string[]>();
    for (const name of [...referenced].sort()) {
      const found = nodeImportOf.get(name);
      if (found === undefined) continue;
      const entry = found.typeOnly ? `type ${found.binding}` : found.binding;
      nodeImports.set(found.spec, [...(nodeImports.get(found.spec) ?? []), entry]);
    }
    const declaration: RuntimeDeclaration = {
      names: item.names,
      module: item.module,
      order: item.order,
      text: item.statements.map((st) => st.getFullText().replace(/^\s*\n/, "").trimEnd()).join("\n"),
      dependsOn,
      nodeImports,
    };
    for (const name of item.names) declarations.set(name, declaration);
  }
  return { declarations };
}

function declaredNames(statement: Statement, where: string): string[] {
  if (Node.isExportAssignment(statement) || Node.isExportDeclaration(statement)) {
    throw new Error(`${where}: runtime template may not use export assignments or re-exports`);
  }
  if (Node.isEnumDeclaration(statement) || Node.isModuleDeclaration(statement)) {
    throw new Error(`${where}: runtime template must be erasable TypeScript (no enum or namespace)`);
  }
  if (Node.isVariableStatement(statement)) {
    return statement.getDeclarations().map((d) => d.getName());
  }
  if (
    Node.isFunctionDeclaration(statement) ||
    Node.isClassDeclaration(statement) ||
    Node.isInterfaceDeclaration(statement) ||
    Node.isTypeAliasDeclaration(statement)
  ) {
    if (statement.hasDefaultKeyword?.()) throw new Error(`${where}: runtime template may not export default`);
    const name = statement.getName();
    if (name === undefined) throw new Error(`${where}: anonymous declaration in runtime template`);
    return [name];
  }
  throw new Error(`${where}: top-level statement with side effects in runtime template`);
}

/** Orders modules so that a module comes after the modules it imports (ties broken by name). */
function sortModules(files: SourceFile[]): SourceFile[] {
  const byName = new Map(files.map((f) => [f.getBaseName(), f]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: SourceFile[] = [];
  const visit = (file: SourceFile): void => {
    const name = file.getBaseName();
    if (done.has(name) || visiting.has(name)) return;
    visiting.add(name);
    const deps = file
      .getImportDeclarations()
      .map((d) => d.getModuleSpecifierValue())
      .filter((s) => s.startsWith("./"))
      .map((s) => s.slice(2).replace(/\.js$/, ".ts"))
      .sort();
    for (const dep of deps) {
      const target = byName.get(dep);
      if (target === undefined) throw new Error(`${name}: imports missing runtime module ${dep}`);
      visit(target);
    }
    visiting.delete(name);
    done.add(name);
    out.push(file);
  };
  for (const file of [...files].sort((a, b) => a.getBaseName().localeCompare(b.getBaseName()))) visit(file);
  return out;
}
