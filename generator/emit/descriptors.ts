import { clone, toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** One embedded file: its name, the indexes of its direct imports, its descriptor in base64. */
export type EmbeddedFile = readonly [name: string, imports: readonly number[], descriptor: string];

/** What server reflection answers from, computed at generate time (the runtime's `ReflectionDescriptors`). */
export interface EmbeddedDescriptors {
  readonly files: readonly EmbeddedFile[];
  readonly symbols: readonly (readonly [symbol: string, file: number, message?: 1])[];
  readonly extensions: readonly (readonly [extendee: string, number: number, file: number])[];
}

/**
 * The descriptors of `files` and everything they import (transitively), sorted by name: each file's
 * `FileDescriptorProto` serialized without source code info (comments and spans are of no use to a
 * reflection client and would only make the output bigger), plus an index of every symbol the files
 * declare and of their extensions, so the runtime needs no descriptor parser.
 */
export function embedDescriptors(files: readonly DescFile[]): EmbeddedDescriptors {
  const all = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (all.has(file.proto.name)) return;
    all.set(file.proto.name, file);
    file.dependencies.forEach(visit);
  };
  files.forEach(visit);
  const sorted = [...all.values()].sort((a, b) => compare(a.proto.name, b.proto.name));
  const indexOf = new Map(sorted.map((file, index) => [file.proto.name, index]));
  const symbols: [string, number, 1?][] = [];
  const extensions: [string, number, number][] = [];
  const embedded = sorted.map((file, index): EmbeddedFile => {
    const add = (name: string, message?: true): void => {
      symbols.push(message ? [name, index, 1] : [name, index]);
    };
    const addExtension = (ext: DescExtension): void => {
      add(ext.typeName);
      extensions.push([ext.extendee.typeName, ext.number, index]);
    };
    const addEnum = (e: DescEnum): void => {
      add(e.typeName);
      // Enum values are scoped like their enum, not inside it (C++ scoping rules).
      const scope = e.typeName.slice(0, Math.max(0, e.typeName.lastIndexOf(".")));
      for (const value of e.values) add(scope === "" ? value.name : `${scope}.${value.name}`);
    };
    const addMessage = (m: DescMessage): void => {
      add(m.typeName, true);
      for (const field of m.fields) add(`${m.typeName}.${field.name}`);
      for (const oneof of m.oneofs) add(`${m.typeName}.${oneof.name}`);
      m.nestedEnums.forEach(addEnum);
      m.nestedMessages.forEach(addMessage);
      m.nestedExtensions.forEach(addExtension);
    };
    file.messages.forEach(addMessage);
    file.enums.forEach(addEnum);
    file.extensions.forEach(addExtension);
    for (const service of file.services) {
      add(service.typeName);
      for (const method of service.methods) add(`${service.typeName}.${method.name}`);
    }
    const proto = clone(FileDescriptorProtoSchema, file.proto);
    proto.sourceCodeInfo = undefined;
    const imports = file.dependencies.map((dep) => indexOf.get(dep.proto.name) as number);
    return [file.proto.name, imports, Buffer.from(toBinary(FileDescriptorProtoSchema, proto)).toString("base64")];
  });
  symbols.sort((a, b) => compare(a[0], b[0]));
  extensions.sort((a, b) => compare(a[0], b[0]) || a[1] - b[1]);
  return { files: embedded, symbols, extensions };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
