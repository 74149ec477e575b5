import type { DescExtension, DescField, DescMessage } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { fixPropertyName } from "../model/member-names.js";
import { readFieldCases } from "./codec-read.js";
import { writeField as writeBinaryField } from "./codec-write.js";
import { readField as readJsonField } from "./codec-json-read.js";
import { writeField as writeJsonField } from "./codec-json-write.js";
import { declaredDefault, propertyType, singularType } from "./field-types.js";
import { jsDocOf } from "./jsdoc.js";
import { holdsJsonObject, unwrappedScalar } from "./message-values.js";
import { Printer } from "./printer.js";
import { isLongAsString, zeroLiteral } from "./scalars.js";

/**
 * Emits one extension (a field of an `extend` block, top-level or nested in a message) as an exported
 * `Extension<Extendee, Value>` object. Its `read`/`write`/`toJson`/`readJson` are the field emitters'
 * own code for a stand-in field (see {@link standInField}) whose property is `value` of a holder
 * object, so an extension is coded exactly like a message field of the same declaration: packed and
 * unpacked lists, groups, closed enums, `[jstype]`, UTF-8 checks and JSON forms alike.
 */
export function emitExtension(extension: DescExtension, scope: FileScope): string {
  const field = standInField(extension);
  const name = scope.ref(extension, true);
  const valueType = extension.fieldKind === "list" ? `${singularType(field, scope)}[]` : singularType(field, scope);
  const holder = `{ value: ${propertyType(field, scope)}; $unknown?: Uint8Array }`;
  const extendee = scope.ref(extension.extendee, false);
  const typeName = JSON.stringify(extension.extendee.typeName);

  const read = new Printer("    ");
  read.block(`while (reader.pos < end) {`, `}`, () => {
    read.line(`const tag = reader.uint32();`);
    read.block(`switch (tag) {`, `}`, () => {
      readFieldCases(read, field, scope);
      read.line(`default:`);
      // Only records of the extension's number are read: another tag is its number with a wrong wire type.
      read.line(`  throw ${scope.rt("protobufWireTypeError")}(${typeName}, tag);`);
    });
  });
  const write = new Printer("    ");
  writeBinaryField(write, field, scope);
  const toJson = new Printer("    ");
  writeJsonField(toJson, field, scope);
  const readJson = new Printer("    ");
  readJsonField(readJson, field, scope);

  const rt = (n: string): string => scope.rt(n, false);
  const readText = read.toString();
  const toJsonText = withLocals(toJson.toString(), [
    ["emit", "const emit = options?.emitDefaultValues === true;"],
    ["enumInt", "const enumInt = options?.enumAsInteger === true;"],
  ]);
  const readJsonText = withLocals(readJson.toString(), [["ignoreUnknown", "const ignoreUnknown = options.ignoreUnknownFields === true;"]]);
  const lines = [
    jsDocOf(extension, "", [`Extension \`[${extension.typeName}]\` of {@link ${extendee} } (field ${extension.number}): read it with \`getExtension\`.`]),
    `export const ${name}: ${rt("Extension")}<${extendee}, ${valueType}> = {`,
    `  typeName: ${JSON.stringify(extension.typeName)},`,
    `  extendee: ${typeName},`,
    `  number: ${extension.number},`,
    `  repeated: ${extension.fieldKind === "list"},`,
    `  defaultValue(): ${valueType} {`,
    `    return ${defaultValueOf(extension, field, scope)};`,
    `  },`,
    `  read(reader: ${rt("BinaryReader")}, end: number, ${param(readText, "depth")}: number, message: ${holder}): void {`,
    readText,
    `  },`,
    `  write(message: ${holder}, writer: ${rt("BinaryWriter")}): void {`,
    write.toString(),
    `  },`,
    `  toJson(message: ${holder}, ${param(toJsonText, "options")}: ${rt("JsonWriteOptions")} | undefined, json: ${rt("JsonObject")}): void {`,
    toJsonText,
    `  },`,
    `  readJson(v: ${rt("JsonValue")}, ${param(readJsonText, "options")}: ${rt("JsonReadOptions")}, ${param(readJsonText, "depth")}: number, message: ${holder}): void {`,
    readJsonText,
    `  },`,
    `};`,
  ];
  return lines.join("\n");
}

/**
 * A field standing in for an extension in the field emitters: the extension's own descriptor
 * (number, kinds, packing, presence, defaults) seen as a field of a message that has only it — the
 * extendee, so errors name `pkg.Extendee` — whose name and JSON key are `[pkg.ext]` and whose
 * property is `value`.
 */
export function standInField(extension: DescExtension): DescField {
  const fields: DescField[] = [];
  const parent = Object.create(extension.extendee, {
    fields: { value: fields },
    members: { value: fields },
    oneofs: { value: [] },
  }) as DescMessage;
  const field = Object.create(extension, {
    kind: { value: "field" },
    name: { value: extension.jsonName },
    parent: { value: parent },
    localName: { value: "value" },
  }) as DescField;
  fields.push(field);
  fixPropertyName(field, "value");
  return field;
}

/** The expression of an unset extension's value (protobuf-es's `getExtension` default). */
function defaultValueOf(extension: DescExtension, field: DescField, scope: FileScope): string {
  switch (extension.fieldKind) {
    case "list":
      return "[]";
    case "message": {
      const unwrapped = unwrappedScalar(field);
      if (unwrapped !== undefined) return zeroLiteral(unwrapped, (n) => scope.rt(n));
      if (holdsJsonObject(field)) return "{}";
      return `${scope.ref(extension.message, true)}.create()`;
    }
    case "enum":
      return `${declaredDefault(field) ?? String(extension.enum.values[0]?.number ?? 0)} as ${scope.ref(extension.enum, false)}`;
    case "scalar":
      return declaredDefault(field) ?? (isLongAsString(field) ? `"0"` : zeroLiteral(extension.scalar, (n) => scope.rt(n)));
  }
}

/** Prepends the declarations of the locals `body` uses (generated code compiles under `noUnusedLocals`). */
function withLocals(body: string, locals: readonly (readonly [name: string, declaration: string])[]): string {
  const used = locals.filter(([name]) => new RegExp(`(?<![\\w$.])${name}(?![\\w$])`).test(body)).map(([, d]) => `    ${d}`);
  return [...used, body].join("\n");
}

/** A parameter name, `_`-prefixed when `body` does not use it (for `noUnusedParameters` builds). */
function param(body: string, name: string): string {
  return new RegExp(`(?<![\\w$.])${name}(?![\\w$])`).test(body) ? name : `_${name}`;
}
