import { createRequire } from "node:module";
import { posix } from "node:path";
import type * as TsMorph from "ts-morph";
import type { RuntimeDeclaration, RuntimeManifest } from "./manifest.js";
import { hashSources } from "./template-sources.js";

/** Module path of the template's public entry: re-exports only, naming the API users import. */
export const publicEntryModule = "index.ts";

// ts-morph (and the TypeScript compiler under it) is loaded on first use: a published tristub builds its
// manifest at build time and never needs it while generating.
let tsMorph: typeof TsMorph | undefined;
function morph(): typeof TsMorph {
  tsMorph ??= createRequire(import.meta.url)("ts-morph") as typeof TsMorph;
  return tsMorph;
}

interface RawDeclaration {
  names: string[];
  module: string;
  order: number;
  statements: TsMorph.Statement[];
  typeOnly: boolean;
}

/**
 * Builds the manifest from module sources (path under `runtime-template/` → text), checking the rules
 * that make selection sound (see `RuntimeManifest`). Exposed for the build script and for tests.
 */
export function buildRuntimeManifest(sources: ReadonlyMap<string, string>): RuntimeManifest {
  const { Node, Project, SyntaxKind } = morph();
  const project = new Project({ useInMemoryFileSystem: true, skipFileDependencyResolution: true });
  const files = new Map([...sources].map(([name, text]) => [name, project.createSourceFile(`/rt/${name}`, text)]));
  const entry = files.get(publicEntryModule);
  files.delete(publicEntryModule);
  const moduleOrder = sortModules(files);
  const nodeImportOf = new Map<string, { spec: string; typeOnly: boolean; binding: string }>();
  const owner = new Map<string, string>();
  const merged = new Map<string, RawDeclaration>();
  moduleOrder.forEach((module, moduleIndex) => {
    const file = files.get(module) as TsMorph.SourceFile;
    file.getStatements().forEach((statement, statementIndex) => {
      const where = `${module}:${statement.getStartLineNumber()}`;
      if (Node.isImportDeclaration(statement)) {
        const spec = statement.getModuleSpecifierValue();
        if (!spec.startsWith("node:")) return; // relative imports were resolved by sortModules
        for (const named of statement.getNamedImports()) {
          const typeOnly = statement.isTypeOnly() || named.isTypeOnly();
          const local = named.getAliasNode()?.getText() ?? named.getName();
          const binding = local === named.getName() ? local : `${named.getName()} as ${local}`;
          nodeImportOf.set(local, { spec, typeOnly, binding });
        }
        if (statement.getDefaultImport() || statement.getNamespaceImport()) {
          throw new Error(`${where}: runtime template may only use named imports from ${spec}`);
        }
        return;
      }
      const names = declaredNames(statement, where);
      for (const name of names) {
        const previous = owner.get(name);
        // A value and a type of the same name (`const Code` + `type Code`) in one module form one entry.
        if (previous !== undefined && previous !== module) throw new Error(`${where}: ${name} is already declared in ${previous}`);
        owner.set(name, module);
      }
      const key = `${module}\0${names.join(",")}`;
      const typeOnly = Node.isInterfaceDeclaration(statement) || Node.isTypeAliasDeclaration(statement);
      const existing = merged.get(key);
      if (existing !== undefined) {
        existing.statements.push(statement);
        existing.typeOnly &&= typeOnly;
      } else {
        merged.set(key, { names, module, order: moduleIndex * 100_000 + statementIndex, statements: [statement], typeOnly });
      }
    });
  });
  const typeOnlyNames = new Set<string>();
  for (const item of merged.values()) if (item.typeOnly) for (const name of item.names) typeOnlyNames.add(name);
  const declarations = new Map<string, RuntimeDeclaration>();
  for (const item of merged.values()) {
    const referenced = new Set<string>();
    for (const statement of item.statements) {
      for (const id of statement.getDescendantsOfKind(SyntaxKind.Identifier)) {
        if (!isMemberName(id)) referenced.add(id.getText());
      }
    }
    const dependsOn = [...referenced].filter((n) => owner.has(n) && !item.names.includes(n)).sort();
    const nodeImports = new Map<string, string[]>();
    for (const name of [...referenced].sort()) {
      const found = nodeImportOf.get(name);
      if (found === undefined) continue;
      const binding = found.typeOnly ? `type ${found.binding}` : found.binding;
      nodeImports.set(found.spec, [...(nodeImports.get(found.spec) ?? []), binding]);
    }
    const declaration: RuntimeDeclaration = {
      names: item.names,
      module: item.module,
      order: item.order,
      text: item.statements.map((st) => st.getFullText().replace(/^\s*\n/, "").trimEnd()).join("\n"),
      dependsOn,
      typeOnlyDeps: dependsOn.filter((n) => typeOnlyNames.has(n)),
      typeOnly: item.typeOnly,
      nodeImports,
    };
    for (const name of item.names) declarations.set(name, declaration);
  }
  const publicNames = entry === undefined ? new Set<string>() : publicEntryNames(entry, files, owner);
  return { declarations, publicNames, sourceHash: hashSources(sources) };
}

/** The names `index.ts` re-exports; it may hold nothing but `export { … } from "./layer/module.js"`. */
function publicEntryNames(
  entry: TsMorph.SourceFile,
  files: ReadonlyMap<string, TsMorph.SourceFile>,
  owner: ReadonlyMap<string, string>,
): Set<string> {
  const { Node } = morph();
  const names = new Set<string>();
  for (const statement of entry.getStatements()) {
    const where = `${publicEntryModule}:${statement.getStartLineNumber()}`;
    if (!Node.isExportDeclaration(statement) || statement.getModuleSpecifierValue() === undefined) {
      throw new Error(`${where}: the public entry may only re-export (export { … } from "./x.js")`);
    }
    const target = resolveSpecifier(publicEntryModule, statement.getModuleSpecifierValue() as string, where);
    if (!files.has(target)) throw new Error(`${where}: re-exports from missing runtime module ${target}`);
    if (statement.getNamedExports().length === 0) throw new Error(`${where}: export * is not allowed in the public entry`);
    for (const named of statement.getNamedExports()) {
      const name = named.getName();
      if (named.getAliasNode() !== undefined) throw new Error(`${where}: ${name} may not be renamed in the public entry`);
      if (owner.get(name) !== target) throw new Error(`${where}: ${name} is not declared in ${target}`);
      names.add(name);
    }
  }
  return names;
}

/**
 * Is this identifier the name of a member — `x.name`, `{ name: … }`, an interface or class member —
 * rather than a reference? A member may share its name with a runtime declaration
 * (`registry.getExtension(…)` next to the function `getExtension`) without depending on it.
 */
function isMemberName(id: TsMorph.Identifier): boolean {
  const { Node } = morph();
  const parent = id.getParent();
  if (Node.isPropertyAccessExpression(parent)) return parent.getNameNode() === id;
  if (
    Node.isPropertySignature(parent) ||
    Node.isMethodSignature(parent) ||
    Node.isPropertyDeclaration(parent) ||
    Node.isMethodDeclaration(parent) ||
    Node.isPropertyAssignment(parent) ||
    Node.isGetAccessorDeclaration(parent) ||
    Node.isSetAccessorDeclaration(parent)
  ) {
    return parent.getNameNode() === id;
  }
  return false;
}

function declaredNames(statement: TsMorph.Statement, where: string): string[] {
  const { Node } = morph();
  if (Node.isExportAssignment(statement) || Node.isExportDeclaration(statement)) {
    throw new Error(`${where}: runtime template may not use export assignments or re-exports`);
  }
  if (Node.isEnumDeclaration(statement) || Node.isModuleDeclaration(statement)) {
    throw new Error(`${where}: runtime template must be erasable TypeScript (no enum or namespace)`);
  }
  if (Node.isVariableStatement(statement)) return statement.getDeclarations().map((d) => d.getName());
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

/** A relative import of `from` resolved to a module path under the template (`../x/y.js` → `x/y.ts`). */
function resolveSpecifier(from: string, spec: string, where: string): string {
  if (!/^\.\.?\/[\w./-]+\.js$/.test(spec)) throw new Error(`${where}: runtime template may import only relative .js paths or node:* (found ${spec})`);
  const resolved = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, ".ts");
  if (resolved.startsWith("../")) throw new Error(`${where}: ${spec} points outside the runtime template`);
  return resolved;
}

/**
 * Orders modules so that a module comes after the modules it imports (ties broken by path); an import
 * cycle between modules is an error, so the output's module tree has none either.
 */
function sortModules(files: ReadonlyMap<string, TsMorph.SourceFile>): string[] {
  const done = new Set<string>();
  const path: string[] = [];
  const out: string[] = [];
  const visit = (module: string): void => {
    if (done.has(module)) return;
    const at = path.indexOf(module);
    if (at >= 0) throw new Error(`runtime template has an import cycle: ${[...path.slice(at), module].join(" → ")}`);
    path.push(module);
    const file = files.get(module) as TsMorph.SourceFile;
    const deps = file
      .getImportDeclarations()
      .map((d) => d.getModuleSpecifierValue())
      .filter((s) => !s.startsWith("node:"))
      .map((s) => resolveSpecifier(module, s, module))
      .sort();
    for (const dep of deps) {
      if (!files.has(dep)) throw new Error(`${module}: imports missing runtime module ${dep}`);
      visit(dep);
    }
    path.pop();
    done.add(module);
    out.push(module);
  };
  for (const module of [...files.keys()].sort()) visit(module);
  return out;
}
