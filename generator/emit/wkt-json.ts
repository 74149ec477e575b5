import type { DescMessage } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { initialLiteral } from "./field-types.js";
import { jsonReadScalar, jsonWriteScalar } from "./json-common.js";
import { Printer } from "./printer.js";
import { zeroLiteral } from "./scalars.js";

/** The `toJson` and `readJson` bodies of a well-known type with a special proto3 JSON form. */
export interface WktJsonBodies {
  readonly toJson: string;
  readonly readJson: string;
}

/**
 * Returns the JSON bodies of Any, Timestamp, Duration, FieldMask, Struct, Value, ListValue and the
 * wrappers when `message` is one of them (generated from google/protobuf/*.proto), else undefined.
 */
export function wktJsonBodies(message: DescMessage, scope: FileScope): WktJsonBodies | undefined {
  if (message.file.proto.package !== "google.protobuf") return undefined;
  const type = scope.ref(message, false);
  const start = (p: Printer): void => {
    p.line(`${scope.rt("jsonCheckDepth")}(depth, options, "${message.typeName}");`);
    p.line(`const message: ${type} = ${initialLiteral(message, scope)};`);
  };
  const body = (lines: (p: Printer) => void): string => {
    const p = new Printer("    ");
    lines(p);
    return p.toString();
  };
  switch (message.name) {
    case "Timestamp":
    case "Duration": {
      const kind = message.name;
      return {
        toJson: body((p) => p.line(`return ${scope.rt(`json${kind}ToJson`)}(message.seconds, message.nanos);`)),
        readJson: body((p) => {
          start(p);
          p.line(`const parsed = ${scope.rt(`json${kind}FromJson`)}(json);`);
          p.line(`message.seconds = parsed.seconds;`);
          p.line(`message.nanos = parsed.nanos;`);
          p.line(`return message;`);
        }),
      };
    }
    case "FieldMask":
      return {
        toJson: body((p) => p.line(`return ${scope.rt("jsonFieldMaskToJson")}(message.paths);`)),
        readJson: body((p) => {
          start(p);
          p.line(`message.paths = ${scope.rt("jsonFieldMaskFromJson")}(json);`);
          p.line(`return message;`);
        }),
      };
    case "Any":
      return {
        toJson: body((p) => p.line(`return ${scope.rt("jsonAnyToJson")}(message.typeUrl, message.value, options);`)),
        readJson: body((p) => {
          p.line(`const packed = ${scope.rt("jsonAnyFromJson")}(json, options, depth);`);
          p.line(`return { typeUrl: packed.typeUrl, value: packed.value };`);
        }),
      };
    case "Struct":
      return structBodies(message, scope, start, body);
    case "Value":
      return valueBodies(message, scope, start, body);
    case "ListValue": {
      const value = valueCodec(message, scope);
      return {
        toJson: body((p) => p.line(`return message.values.map((v) => ${value}.toJson(v, options));`)),
        readJson: body((p) => {
          start(p);
          p.line(`for (const item of ${scope.rt("jsonExpectArray")}(json, "google.protobuf.ListValue")) {`);
          p.line(`  message.values.push(${value}.readJson(item, options, depth + 1));`);
          p.line(`}`);
          p.line(`return message;`);
        }),
      };
    }
  }
  const wrapped = message.fields[0];
  if (message.name.endsWith("Value") && message.fields.length === 1 && wrapped?.fieldKind === "scalar") {
    return {
      toJson: body((p) => p.line(`return ${jsonWriteScalar(wrapped.scalar, "message.value", scope)};`)),
      readJson: body((p) => {
        start(p);
        const read = jsonReadScalar(wrapped.scalar, "json", `${message.typeName}.value`, scope);
        p.line(`message.value = json === null ? ${zeroLiteral(wrapped.scalar, (n) => scope.rt(n))} : ${read};`);
        p.line(`return message;`);
      }),
    };
  }
  return undefined;
}

type Start = (p: Printer) => void;
type Body = (lines: (p: Printer) => void) => string;

function valueCodec(message: DescMessage, scope: FileScope): string {
  const value = message.file.messages.find((m) => m.name === "Value");
  if (value === undefined) throw new Error(`${message.file.proto.name} declares no google.protobuf.Value`);
  return scope.ref(value, true);
}

function structBodies(message: DescMessage, scope: FileScope, start: Start, body: Body): WktJsonBodies {
  const value = valueCodec(message, scope);
  const valueType = scope.ref(message.file.messages.find((m) => m.name === "Value") as DescMessage, false);
  return {
    toJson: body((p) => {
      p.line(`const json: ${scope.rt("JsonObject", false)} = {};`);
      p.line(`for (const key of Object.keys(message.fields)) {`);
      p.line(`  ${scope.rt("protobufMapSet")}(json, key, ${value}.toJson(message.fields[key] as ${valueType}, options));`);
      p.line(`}`);
      p.line(`return json;`);
    }),
    readJson: body((p) => {
      start(p);
      p.line(`const object = ${scope.rt("jsonExpectObject")}(json, "google.protobuf.Struct");`);
      p.line(`for (const key in object) {`);
      p.line(`  ${scope.rt("protobufMapSet")}(message.fields, key, ${value}.readJson(object[key] as ${scope.rt("JsonValue", false)}, options, depth + 1));`);
      p.line(`}`);
      p.line(`return message;`);
    }),
  };
}

function valueBodies(message: DescMessage, scope: FileScope, start: Start, body: Body): WktJsonBodies {
  const struct = scope.ref(message.file.messages.find((m) => m.name === "Struct") as DescMessage, true);
  const list = scope.ref(message.file.messages.find((m) => m.name === "ListValue") as DescMessage, true);
  const error = scope.rt("jsonError");
  return {
    toJson: body((p) => {
      p.line(`const kind = message.kind;`);
      p.line(`switch (kind.case) {`);
      p.line(`  case "nullValue":`);
      p.line(`    return null;`);
      p.line(`  case "numberValue":`);
      p.line(`    if (!Number.isFinite(kind.value)) throw ${error}("google.protobuf.Value", "number must be finite", String(kind.value));`);
      p.line(`    return kind.value;`);
      p.line(`  case "stringValue":`);
      p.line(`  case "boolValue":`);
      p.line(`    return kind.value;`);
      p.line(`  case "structValue":`);
      p.line(`    return ${struct}.toJson(kind.value, options);`);
      p.line(`  case "listValue":`);
      p.line(`    return ${list}.toJson(kind.value, options);`);
      p.line(`  default:`);
      p.line(`    throw ${error}("google.protobuf.Value", "no kind is set");`);
      p.line(`}`);
    }),
    readJson: body((p) => {
      start(p);
      p.line(`if (json === null) message.kind = { case: "nullValue", value: 0 };`);
      p.line(`else if (typeof json === "number") message.kind = { case: "numberValue", value: json };`);
      p.line(`else if (typeof json === "string") message.kind = { case: "stringValue", value: json };`);
      p.line(`else if (typeof json === "boolean") message.kind = { case: "boolValue", value: json };`);
      p.line(`else if (Array.isArray(json)) message.kind = { case: "listValue", value: ${list}.readJson(json, options, depth + 1) };`);
      p.line(`else message.kind = { case: "structValue", value: ${struct}.readJson(json, options, depth + 1) };`);
      p.line(`return message;`);
    }),
  };
}
