import type { DescEnum, DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { propertyName } from "../model/member-names.js";
import { initialLiteral, isNumberMapKey, singularType } from "./field-types.js";
import { holdsJsonObject, readMessageValue, unwrappedScalar } from "./message-values.js";
import { Printer } from "./printer.js";
import { enumWire, fieldScalarInfo, isPackable, scalarInfo, tagOf, WireType, zeroLiteral } from "./scalars.js";

/**
 * Emits the body of a codec's `read(reader, end, depth, target, group)`: one `switch` on the whole tag
 * (field number and wire type), so each known field costs one comparison chain and no reflection.
 * `target` makes a repeated occurrence of a message field merge, as protobuf requires; `group` is the
 * field number when the message is group/delimited-encoded and must end with a matching END_GROUP tag.
 */
export function emitReadBody(message: DescMessage, scope: FileScope): string {
  const p = new Printer("    ");
  const typeName = JSON.stringify(message.typeName);
  p.line(`if (depth > reader.maxDepth) throw ${scope.rt("protobufDepthError")}(${typeName}, reader.maxDepth);`);
  p.line(`const message: ${scope.ref(message, false)} = target ?? ${initialLiteral(message, scope)};`);
  p.block(`while (reader.pos < end) {`, `}`, () => {
    p.line(`const tag = reader.uint32();`);
    p.block(`switch (tag) {`, `}`, () => {
      for (const field of message.fields) readFieldCases(p, field, scope);
      p.block(`default:`, "", () => {
        p.block(`if ((tag & 7) === ${WireType.endGroup}) {`, `}`, () => {
          p.line(`${scope.rt("protobufEndGroup")}(tag, group, ${typeName});`);
          p.line(`return message;`);
        });
        if (message.fields.length > 0) {
          const numbers = [...new Set(message.fields.map((f) => f.number))].sort((a, b) => a - b);
          const cases = numbers.map((n) => `case ${n}:`).join(" ");
          p.block(`switch (tag >>> 3) {`, `}`, () => {
            p.line(`${cases}`);
            p.line(`  throw ${scope.rt("protobufWireTypeError")}(${typeName}, tag);`);
          });
        }
        p.line(`${scope.rt("protobufUnknown")}(reader, message, tag, depth);`);
      });
    });
  });
  p.line(`${scope.rt("protobufCheckEnd")}(reader, end, group, ${typeName});`);
  p.line(`return message;`);
  return p.toString();
}

export function readFieldCases(p: Printer, field: DescField, scope: FileScope): void {
  const target = field.oneof ? undefined : `message.${propertyName(field)}`;
  const assign = (expr: string): string =>
    target !== undefined ? `${target} = ${expr};` : `message.${propertyName(field.oneof as DescOneof)} = { case: "${propertyName(field)}", value: ${expr} };`;
  switch (field.fieldKind) {
    case "scalar": {
      const info = scalarInfo(field.scalar);
      p.block(`case ${tagOf(field.number, info.wireType)}:`, "", () => {
        p.line(assign(scalarRead(field)));
        p.line(`break;`);
      });
      return;
    }
    case "enum":
      p.block(`case ${tagOf(field.number, WireType.varint)}:`, "", () => {
        readEnum(p, field.enum, field.number, scope, assign);
        p.line(`break;`);
      });
      return;
    case "message": {
      const unwrapped = unwrappedScalar(field);
      if (unwrapped !== undefined && target !== undefined) {
        const wrapper = scope.ref(field.message, true);
        const merge = `${target} === undefined ? undefined : ${wrapper}.create({ value: ${target} })`;
        p.block(`case ${tagOf(field.number, WireType.len)}:`, "", () => {
          p.line(`${target} = ${wrapper}.read(reader, reader.lengthEnd(), depth + 1, ${merge}, 0).value;`);
          p.line(`break;`);
        });
        return;
      }
      const merge = target ?? `message.${propertyName(field.oneof as DescOneof)}.case === "${propertyName(field)}" ? message.${propertyName(field.oneof as DescOneof)}.value : undefined`;
      p.block(`case ${tagOf(field.number, field.delimitedEncoding ? WireType.startGroup : WireType.len)}:`, "", () => {
        p.line(assign(nestedRead(field, scope, field.delimitedEncoding, merge)));
        p.line(`break;`);
      });
      return;
    }
    case "list":
      readListCases(p, field, scope);
      return;
    case "map":
      readMapCase(p, field, scope);
      return;
  }
}

function scalarRead(field: DescField & { scalar: NonNullable<DescField["scalar"]> }): string {
  const info = fieldScalarInfo(field);
  if (info.method === "string" && !field.utf8Validation) return `reader.stringLossy()`;
  return info.fromWire?.(`reader.${info.method}()`) ?? `reader.${info.method}()`;
}

function nestedRead(
  field: DescField & { message: NonNullable<DescField["message"]> },
  scope: FileScope,
  delimited: boolean,
  merge: string,
): string {
  return delimited
    ? readValue(field, scope, "end", merge, field.number)
    : readValue(field, scope, "reader.lengthEnd()", merge, 0);
}

/**
 * Reads one message value, merging into `merge` (an expression, `undefined` for none). A Struct held as
 * a plain object merges too: a repeated occurrence of a singular Struct field adds its entries.
 */
function readValue(
  field: DescField & { message: NonNullable<DescField["message"]> },
  scope: FileScope,
  end: string,
  merge: string,
  group: number,
): string {
  if (holdsJsonObject(field) && merge !== "undefined" && group === 0) {
    return `${scope.rt("protobufReadStruct")}(reader, ${end}, depth + 1, ${merge})`;
  }
  return readMessageValue(field, scope, end, merge, group);
}

/** Reads an enum value; a closed enum sends values it does not declare to the unknown fields. */
function readEnum(p: Printer, desc: DescEnum, fieldNo: number, scope: FileScope, assign: (e: string) => string): void {
  const type = scope.ref(desc, false);
  if (desc.open) {
    p.line(assign(`reader.int32() as ${type}`));
    return;
  }
  p.block(`{`, `}`, () => {
    p.line(`const v = reader.int32();`);
    p.line(`if (${knownEnumCondition(desc, "v")}) ${assign(`v as ${type}`)}`);
    p.line(`else ${scope.rt("protobufUnknownVarint")}(message, ${fieldNo}, v);`);
  });
}

/** A range check for the values a closed enum declares, e.g. `(v >= 0 && v <= 3) || v === 9`. */
export function knownEnumCondition(desc: DescEnum, v: string): string {
  const values = [...new Set(desc.values.map((x) => x.number))].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const n of values) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] + 1 === n) last[1] = n;
    else ranges.push([n, n]);
  }
  return ranges.map(([a, b]) => (a === b ? `${v} === ${a}` : `(${v} >= ${a} && ${v} <= ${b})`)).join(" || ");
}

function readListCases(p: Printer, field: DescField & { fieldKind: "list" }, scope: FileScope): void {
  const list = `message.${propertyName(field)}`;
  if (field.listKind === "message") {
    const wt = field.delimitedEncoding ? WireType.startGroup : WireType.len;
    p.block(`case ${tagOf(field.number, wt)}:`, "", () => {
      p.line(`${list}.push(${nestedRead(field, scope, field.delimitedEncoding, "undefined")});`);
      p.line(`break;`);
    });
    return;
  }
  const push = (expr: string): string => `${list}.push(${expr});`;
  const readOne = (): void => {
    if (field.listKind === "enum") readEnum(p, field.enum, field.number, scope, push);
    else p.line(push(scalarRead(field)));
  };
  const info = field.listKind === "scalar" ? scalarInfo(field.scalar) : enumWire;
  p.block(`case ${tagOf(field.number, info.wireType)}:`, "", () => {
    readOne();
    p.line(`break;`);
  });
  if (field.listKind === "enum" || isPackable(field.scalar)) {
    // Parsers must accept both packed and unpacked encodings, whatever the schema says.
    p.block(`case ${tagOf(field.number, WireType.len)}: {`, `}`, () => {
      p.line(`const packedEnd = reader.lengthEnd();`);
      p.block(`while (reader.pos < packedEnd) {`, `}`, readOne);
      p.line(`${scope.rt("protobufCheckEnd")}(reader, packedEnd, 0, ${JSON.stringify(field.parent.typeName)});`);
      p.line(`break;`);
    });
  }
}

/** The fully-qualified name of a map field's entry message, e.g. `pkg.Msg.LabelsEntry`. */
function mapEntryName(field: DescField & { fieldKind: "map" }): string {
  const typeName = field.proto.typeName;
  return typeName.startsWith(".") ? typeName.slice(1) : `${field.parent.typeName}.${field.name}`;
}

function readMapCase(p: Printer, field: DescField & { fieldKind: "map" }, scope: FileScope): void {
  const keyInfo = scalarInfo(field.mapKey);
  const valueType = singularType(field, scope);
  const closedEnum = field.mapKind === "enum" && !field.enum.open;
  p.block(`case ${tagOf(field.number, WireType.len)}: {`, `}`, () => {
    if (closedEnum) p.line(`const entryStart = reader.pos;`);
    p.line(`const entryEnd = reader.lengthEnd();`);
    p.line(`let key = ${zeroLiteral(field.mapKey, (n) => scope.rt(n))};`);
    const valueZero =
      field.mapKind === "scalar"
        ? zeroLiteral(field.scalar, (n) => scope.rt(n))
        : field.mapKind === "enum"
          ? `${field.enum.values[0]?.number ?? 0} as ${valueType}`
          : "undefined";
    p.line(`let value: ${valueType}${field.mapKind === "message" ? " | undefined" : ""} = ${valueZero};`);
    p.block(`while (reader.pos < entryEnd) {`, `}`, () => {
      p.line(`const entryTag = reader.uint32();`);
      p.block(`switch (entryTag) {`, `}`, () => {
        p.line(`case ${tagOf(1, keyInfo.wireType)}:`);
        const keyRead = keyInfo.method === "string" && !field.utf8Validation ? "stringLossy" : keyInfo.method;
        p.line(`  key = reader.${keyRead}();`);
        p.line(`  break;`);
        p.line(`case ${tagOf(2, field.mapKind === "scalar" ? scalarInfo(field.scalar).wireType : field.mapKind === "enum" ? WireType.varint : WireType.len)}:`);
        if (field.mapKind === "message") {
          p.line(`  value = ${readValue(field, scope, "reader.lengthEnd()", "value", 0)};`);
        } else if (field.mapKind === "enum") {
          p.line(`  value = reader.int32() as ${valueType};`);
        } else {
          p.line(`  value = ${scalarRead(field)};`);
        }
        p.line(`  break;`);
        p.line(`default:`);
        // The entry's key and value arriving with another wire type are an error, as for any field.
        p.line(`  if (entryTag >>> 3 === 1 || entryTag >>> 3 === 2) throw ${scope.rt("protobufWireTypeError")}(${JSON.stringify(mapEntryName(field))}, entryTag);`);
        p.line(`  reader.skip(entryTag & 7, entryTag >>> 3, depth);`);
      });
    });
    p.line(`${scope.rt("protobufCheckEnd")}(reader, entryEnd, 0, ${JSON.stringify(field.parent.typeName)});`);
    if (closedEnum && field.mapKind === "enum") {
      p.block(`if (!(${knownEnumCondition(field.enum, "value")})) {`, `}`, () => {
        p.line(`${scope.rt("protobufUnknownBytes")}(message, tag, reader.buf.subarray(entryStart, entryEnd));`);
        p.line(`break;`);
      });
    }
    const value = field.mapKind !== "message" ? "value" : `value ?? ${holdsJsonObject(field) ? "{}" : `${scope.ref(field.message, true)}.create()`}`;
    const map = `message.${propertyName(field)}`;
    if (keyInfo.tsType === "string") p.line(`${scope.rt("protobufMapSet")}(${map}, key, ${value});`);
    else if (isNumberMapKey(field.mapKey)) p.line(`${map}[key] = ${value};`);
    else p.line(`${map}[String(key)] = ${value};`);
    p.line(`break;`);
  });
}
