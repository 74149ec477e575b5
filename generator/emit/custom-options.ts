import type { DescEnum, DescExtension, DescFile, DescMessage, DescService } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { fileExtensions } from "../model/names.js";

/** An element's `google.protobuf.*Options`, as protobuf-es parsed it: extensions stay unknown fields. */
interface ParsedOptions {
  readonly $unknown?: readonly { readonly no: number; readonly wireType: number; readonly data: Uint8Array }[];
}

/**
 * Emits the custom options of a file and of every element it declares (`custom_options`): a `file_…`
 * constant, a tree of nodes `{ options?: Uint8Array, … }` whose `options` are the encoded extension
 * fields set on the element's `google.protobuf.*Options` (the fields `descriptor.proto` declares are
 * left out: they are the generator's business). `getOption(node, extension)` decodes them through the
 * extension's own generated code. Types (messages, enums, services) and extensions are keyed by their
 * generated names, members (fields, oneofs, enum values, methods) by their proto names; every element has a
 * node, with or without options, so code reading an option compiles whether it is set or not.
 */
export function emitCustomOptions(file: DescFile, scope: FileScope): string {
  const name = customOptionsName(file, scope);
  const lines: string[] = [
    `/**`,
    ` * Custom options of \`${file.proto.name}\` and of the elements it declares, as encoded extension fields:`,
    ` * read one with \`getOption(element, extension)\` (e.g. \`getOption(${name}.messages.Foo.fields.bar, myOption)\`).`,
    ` */`,
    `export const ${name} = {`,
  ];
  const out = (depth: number, text: string): void => void lines.push(`${"  ".repeat(depth)}${text}`);
  const node = (depth: number, key: string, options: unknown, children?: () => void): void => {
    const bytes = optionBytes(options);
    if (bytes === undefined && children === undefined) {
      out(depth, `${key}: {},`);
      return;
    }
    out(depth, `${key}: {`);
    if (bytes !== undefined) out(depth + 1, `options: new Uint8Array([${bytes.join(", ")}]),`);
    children?.();
    out(depth, `},`);
  };
  const group = <T>(depth: number, key: string, items: readonly T[], each: (item: T) => void): void => {
    if (items.length === 0) {
      out(depth, `${key}: {},`);
      return;
    }
    out(depth, `${key}: {`);
    items.forEach(each);
    out(depth, `},`);
  };
  const enumNode = (depth: number, desc: DescEnum): void =>
    node(depth, objectKey(scope.ref(desc, true)), desc.proto.options, () =>
      group(depth + 1, "values", desc.values, (v) => node(depth + 2, objectKey(v.name), v.proto.options)),
    );
  const extensionsGroup = (depth: number, extensions: readonly DescExtension[]): void =>
    group(depth, "extensions", extensions, (e) => node(depth + 1, objectKey(scope.ref(e, true)), e.proto.options));
  const messages: DescMessage[] = [];
  const collect = (message: DescMessage): void => {
    if (message.proto.options?.mapEntry === true) return;
    messages.push(message);
    message.nestedMessages.forEach(collect);
  };
  file.messages.forEach(collect);
  const enums = [...file.enums, ...messages.flatMap((m) => m.nestedEnums)];

  const fileBytes = optionBytes(file.proto.options);
  if (fileBytes !== undefined) out(1, `options: new Uint8Array([${fileBytes.join(", ")}]),`);
  group(1, "messages", messages, (m) =>
    node(2, objectKey(scope.ref(m, true)), m.proto.options, () => {
      group(3, "fields", m.fields, (f) => node(4, objectKey(f.name), f.proto.options));
      group(3, "oneofs", m.oneofs, (o) => node(4, objectKey(o.name), o.proto.options));
    }),
  );
  group(1, "enums", enums, (e) => enumNode(2, e));
  group(1, "services", file.services, (s: DescService) =>
    node(2, objectKey(scope.ref(s, true)), s.proto.options, () =>
      group(3, "methods", s.methods, (m) => node(4, objectKey(m.name), m.proto.options)),
    ),
  );
  extensionsGroup(1, fileExtensions(file));
  lines.push(`} as const;`);
  return lines.join("\n");
}

/** `file_` and the proto path with every other character than letters and digits as `_` (protobuf-es's name). */
function customOptionsName(file: DescFile, scope: FileScope): string {
  const base = `file_${file.proto.name.replace(/\.proto$/, "").replace(/[^A-Za-z0-9]/g, "_")}`;
  return scope.isTaken(base) ? `${base}$` : base;
}

/** An object literal key: bare when it is an identifier, `["__proto__"]` for the one key that must be computed. */
function objectKey(key: string): string {
  if (key === "__proto__") return `["__proto__"]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** The unknown (extension) fields of parsed options, re-encoded as wire records; undefined when none. */
function optionBytes(options: unknown): number[] | undefined {
  const unknown = (options as ParsedOptions | undefined)?.$unknown;
  if (unknown === undefined || unknown.length === 0) return undefined;
  const bytes: number[] = [];
  for (const field of unknown) {
    let tag = ((field.no << 3) | field.wireType) >>> 0;
    while (tag > 0x7f) {
      bytes.push((tag & 0x7f) | 0x80);
      tag >>>= 7;
    }
    bytes.push(tag);
    bytes.push(...field.data);
  }
  return bytes;
}
