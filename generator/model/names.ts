import type { DescEnum, DescExtension, DescFile, DescMessage, DescService } from "@bufbuild/protobuf";

/** A type (or extension) declared by a proto file that becomes an exported TypeScript name. */
export type NamedDesc = DescMessage | DescEnum | DescService | DescExtension;

/**
 * Words that cannot be a top-level name in generated code: ECMAScript keywords and strict-mode reserved
 * words, TypeScript's predefined type names, and the globals generated code relies on. A proto type with
 * such a name gets a `$` suffix (`Error` → `Error$`), which no proto identifier can contain.
 */
const reservedTopLevel = new Set([
  // keywords and strict-mode reserved words
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
  "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
  "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
  "while", "with", "yield", "let", "static", "implements", "interface", "package", "private", "protected",
  "public", "await", "async", "arguments", "eval", "as", "from", "of", "type", "declare", "module",
  "namespace", "require", "exports", "satisfies", "keyof", "readonly", "infer", "is", "unique", "abstract",
  // TypeScript predefined types
  "any", "unknown", "never", "object", "string", "number", "boolean", "bigint", "symbol", "undefined",
  "Partial", "Required", "Readonly", "Record", "Pick", "Omit", "Exclude", "Extract", "NonNullable",
  "ReturnType", "Parameters", "InstanceType", "Awaited", "ArrayLike", "PromiseLike", "Iterable",
  "IterableIterator", "AsyncIterable", "AsyncIterableIterator", "AsyncIterator", "AsyncGenerator",
  "Iterator", "Generator", "PropertyKey", "ReadonlyArray", "ReadonlyMap", "ReadonlySet",
  // globals used by generated code and its runtime
  "globalThis", "Object", "Array", "Error", "TypeError", "RangeError", "SyntaxError", "Promise", "Symbol",
  "String", "Number", "Boolean", "BigInt", "Math", "JSON", "Date", "Map", "Set", "WeakMap", "WeakSet",
  "RegExp", "Function", "NaN", "Infinity", "Uint8Array", "Int32Array", "Float32Array", "Float64Array",
  "ArrayBuffer", "DataView", "TextEncoder", "TextDecoder", "Buffer", "AbortSignal", "AbortController",
  "URL", "console", "process", "setTimeout", "clearTimeout", "queueMicrotask", "isNaN", "isFinite",
  "parseInt", "parseFloat", "encodeURIComponent", "decodeURIComponent", "btoa", "atob",
]);

/**
 * Returns `name` made safe as a top-level identifier of generated code, given the names the inlined
 * runtime exports (which generated files import under their own names).
 */
export function safeTopLevelName(name: string, runtimeNames: ReadonlySet<string>): string {
  return reservedTopLevel.has(name) || runtimeNames.has(name) ? `${name}$` : name;
}

/** The exported TypeScript names of every type a proto file declares, unique within the file. */
export type FileNames = ReadonlyMap<NamedDesc, string>;

/**
 * Allocates the exported names of a file's types: nested types are flattened with `_`
 * (`Outer.Inner` → `Outer_Inner`, as protobuf-es does), unsafe names get a `$` suffix, and a name taken
 * by an earlier type (e.g. a message `Foo_Bar` next to `Foo.Bar`) gets `$1`, `$2`, … in declaration
 * order, so the result depends only on the file itself.
 */
export function allocateFileNames(file: DescFile, runtimeNames: ReadonlySet<string>): FileNames {
  const names = new Map<NamedDesc, string>();
  const used = new Set<string>();
  const take = (desc: NamedDesc, wanted: string): void => {
    let name = safeTopLevelName(wanted, runtimeNames);
    for (let i = 1; used.has(name); i++) name = `${wanted}$${i}`;
    used.add(name);
    names.set(desc, name);
  };
  const visitMessage = (message: DescMessage): void => {
    if (message.proto.options?.mapEntry === true) return;
    take(message, flatName(message));
    for (const nested of message.nestedEnums) take(nested, flatName(nested));
    for (const nested of message.nestedMessages) visitMessage(nested);
  };
  for (const e of file.enums) take(e, flatName(e));
  for (const m of file.messages) visitMessage(m);
  for (const service of file.services) {
    // A service name also yields the names of its client and handler exports: all must be free.
    let name = safeTopLevelName(service.name, runtimeNames);
    for (let i = 1; serviceExportNames(name).some((n) => used.has(n)); i++) name = `${service.name}$${i}`;
    for (const n of serviceExportNames(name)) used.add(n);
    names.set(service, name);
  }
  // Extensions last, so that adding one never renames a type: `bar`, or `Outer_bar` when nested.
  for (const extension of fileExtensions(file)) take(extension, flatName(extension));
  return names;
}

/** Every extension a file declares, top-level ones first, then those nested in messages (depth first). */
export function fileExtensions(file: DescFile): DescExtension[] {
  const out = [...file.extensions];
  const visit = (message: DescMessage): void => {
    out.push(...message.nestedExtensions);
    message.nestedMessages.forEach(visit);
  };
  file.messages.forEach(visit);
  return out;
}

/** The exports generated for a service named `name` (see emit/service.ts). */
export function serviceExportNames(name: string): string[] {
  return [name, `${name}Client`, `create${name}Client`, `${name}Handler`, `register${name}`];
}

/** `Outer.Inner` → `Outer_Inner`: the type name relative to its package, joined with underscores. */
function flatName(desc: DescMessage | DescEnum | DescExtension): string {
  const pkg = desc.file.proto.package;
  const relative = pkg.length > 0 ? desc.typeName.slice(pkg.length + 1) : desc.typeName;
  return relative.split(".").join("_");
}

/** Output path of the TypeScript module generated for a proto file: `foo/bar.proto` → `foo/bar.ts`. */
export function outputPathOf(protoFileName: string): string {
  return protoFileName.replace(/\.proto$/, "") + ".ts";
}

/** The relative import specifier (with a `.js` suffix) from one output module to another. */
export function importSpecifier(fromPath: string, toPath: string): string {
  const fromParts = fromPath.split("/").slice(0, -1);
  const toParts = toPath.split("/");
  let common = 0;
  while (common < fromParts.length && common < toParts.length - 1 && fromParts[common] === toParts[common]) {
    common++;
  }
  const up = fromParts.length - common;
  const rest = toParts.slice(common).join("/").replace(/\.ts$/, ".js");
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}
