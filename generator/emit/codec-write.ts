import type { DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import type { FileScope } from "../model/file-scope.js";
import { propertyName } from "../model/member-names.js";
import { isNumberMapKey, isOptionalProperty, memberAccess, singularType, zeroValue } from "./field-types.js";
import { unwrappedScalar, writeMessageValue } from "./message-values.js";
import { Printer } from "./printer.js";
import { enumWire, fieldScalarInfo, isPackable, scalarInfo, tagOf, WireType, type ScalarInfo } from "./scalars.js";

/**
 * Emits the body of a codec's `write(message, writer)`: straight-line code per field in field-number
 * order (as protoc and protobuf-es write, so bytes match theirs), unknown fields last; no reflection.
 * Length-delimited values reserve their length byte with `fork()`/`join()`. A oneof becomes one
 * `switch` per run of its fields that are adjacent in number order (usually exactly one switch).
 */
export function emitWriteBody(message: DescMessage, scope: FileScope): string {
  const p = new Printer("    ");
  const sorted = [...message.fields].sort((a, b) => a.number - b.number);
  for (let i = 0; i < sorted.length; ) {
    const field = sorted[i] as DescField;
    const oneof = field.oneof;
    if (oneof === undefined) {
      writeField(p, field, scope);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < sorted.length && sorted[j]?.oneof === oneof) j++;
    writeOneof(p, oneof, sorted.slice(i, j), scope);
    i = j;
  }
  p.line("if (message.$unknown !== undefined) writer.raw(message.$unknown);");
  return p.toString();
}

export function writeField(p: Printer, field: DescField, scope: FileScope): void {
  const access = memberAccess(field, field.fieldKind === "list" ? "[]" : field.fieldKind === "map" ? "{}" : isOptionalProperty(field) ? "undefined" : zeroValue(field, scope));
  switch (field.fieldKind) {
    case "scalar":
    case "enum": {
      const info = field.fieldKind === "scalar" ? fieldScalarInfo(field) : enumWire;
      const condition = isOptionalProperty(field) ? `v !== undefined` : field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED ? "" : info.notZero("v");
      p.block(`{`, `}`, () => {
        p.line(`const v = ${access};`);
        if (condition === "") writeValue(p, field.number, info, "v");
        else p.block(`if (${condition}) {`, `}`, () => writeValue(p, field.number, info, "v"));
      });
      return;
    }
    case "message": {
      const unwrapped = unwrappedScalar(field);
      p.block(`{`, `}`, () => {
        p.line(`const v = ${access};`);
        p.block(`if (v !== undefined) {`, `}`, () => {
          if (unwrapped === undefined) {
            writeMessage(p, field, writeMessageValue(field, scope, "v"));
            return;
          }
          // A wrapper message holding the unwrapped value as its field 1.
          const info = scalarInfo(unwrapped);
          p.line(`writer.uint32(${tagOf(field.number, WireType.len)});`);
          p.line(`const start = writer.fork();`);
          p.block(`if (${info.notZero("v")}) {`, `}`, () => writeValue(p, 1, info, "v"));
          p.line(`writer.join(start);`);
        });
      });
      return;
    }
    case "list":
      writeList(p, field, access, scope);
      return;
    case "map":
      writeMap(p, field, access, scope);
      return;
  }
}

/** Writes whichever of `fields` (a run of one oneof's fields) is set. */
function writeOneof(p: Printer, oneof: DescOneof, fields: readonly DescField[], scope: FileScope): void {
  p.block(`{`, `}`, () => {
    p.line(`const o = ${memberAccess(oneof, "{ case: undefined }")};`);
    p.block(`switch (o.case) {`, `}`, () => {
      for (const field of fields) {
        p.block(`case "${propertyName(field)}": {`, `}`, () => {
          if (field.fieldKind === "message") writeMessage(p, field, writeMessageValue(field, scope, "o.value"));
          else if (field.fieldKind === "scalar") writeValue(p, field.number, fieldScalarInfo(field), "o.value");
          else writeValue(p, field.number, enumWire, "o.value");
          p.line("break;");
        });
      }
    });
  });
}

function writeValue(p: Printer, fieldNo: number, info: ScalarInfo, v: string): void {
  p.line(`writer.uint32(${tagOf(fieldNo, info.wireType)});`);
  p.line(`writer.${info.method}(${info.toWire?.(v) ?? v});`);
}

/** Writes a message value with its tag: length-prefixed, or between group tags when delimited. */
function writeMessage(p: Printer, field: DescField, writeBody: string): void {
  const delimited =
    (field.fieldKind === "message" && field.delimitedEncoding) ||
    (field.fieldKind === "list" && field.listKind === "message" && field.delimitedEncoding);
  if (delimited) {
    p.line(`writer.uint32(${tagOf(field.number, WireType.startGroup)});`);
    p.line(writeBody);
    p.line(`writer.uint32(${tagOf(field.number, WireType.endGroup)});`);
    return;
  }
  p.line(`writer.uint32(${tagOf(field.number, WireType.len)});`);
  p.line(`const start = writer.fork();`);
  p.line(writeBody);
  p.line(`writer.join(start);`);
}

function writeList(p: Printer, field: DescField & { fieldKind: "list" }, access: string, scope: FileScope): void {
  if (field.listKind === "message") {
    p.block(`for (const v of ${access}) {`, `}`, () => writeMessage(p, field, writeMessageValue(field, scope, "v")));
    return;
  }
  const info = field.listKind === "scalar" ? fieldScalarInfo(field) : enumWire;
  const packable = field.listKind === "enum" || isPackable(field.scalar);
  if (!(packable && field.packed)) {
    p.block(`for (const v of ${access}) {`, `}`, () => writeValue(p, field.number, info, "v"));
    return;
  }
  p.block(`{`, `}`, () => {
    p.line(`const list = ${access};`);
    p.block(`if (list.length !== 0) {`, `}`, () => {
      p.line(`writer.uint32(${tagOf(field.number, WireType.len)});`);
      if (info.fixedWidth !== undefined) {
        p.line(`writer.uint32(list.length * ${info.fixedWidth});`);
        p.line(`for (const v of list) writer.${info.method}(${info.toWire?.("v") ?? "v"});`);
      } else {
        p.line(`const start = writer.fork();`);
        p.line(`for (const v of list) writer.${info.method}(${info.toWire?.("v") ?? "v"});`);
        p.line(`writer.join(start);`);
      }
    });
  });
}

function writeMap(p: Printer, field: DescField & { fieldKind: "map" }, access: string, scope: FileScope): void {
  const valueType = singularType(field, scope);
  const keyInfo = scalarInfo(field.mapKey);
  const key = keyExpression(field, "k");
  p.block(`{`, `}`, () => {
    p.line(`const map = ${access} as { [key: string]: ${valueType} };`);
    p.block(`for (const k of Object.keys(map)) {`, `}`, () => {
      p.line(`const v = map[k] as ${valueType};`);
      p.line(`writer.uint32(${tagOf(field.number, WireType.len)});`);
      p.line(`const start = writer.fork();`);
      writeValue(p, 1, keyInfo, key);
      if (field.mapKind === "message") {
        p.line(`writer.uint32(${tagOf(2, WireType.len)});`);
        p.line(`const inner = writer.fork();`);
        p.line(writeMessageValue(field, scope, "v"));
        p.line(`writer.join(inner);`);
      } else {
        writeValue(p, 2, field.mapKind === "scalar" ? scalarInfo(field.scalar) : enumWire, "v");
      }
      p.line(`writer.join(start);`);
    });
  });
}

/** Converts a map's string property key back to the key's scalar type. */
function keyExpression(field: DescField & { fieldKind: "map" }, k: string): string {
  const info = scalarInfo(field.mapKey);
  if (info.tsType === "bigint") return `BigInt(${k})`;
  if (info.tsType === "boolean") return `${k} === "true"`;
  if (isNumberMapKey(field.mapKey)) return `+${k}`;
  return k;
}
