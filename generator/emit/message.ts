import type { DescMessage } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { propertyName } from "../model/member-names.js";
import { renderTemplate } from "../templates.js";
import { emitReadBody } from "./codec-read.js";
import { emitWriteBody } from "./codec-write.js";
import { declaredDefault, initialLiteral, isOptionalProperty, oneofType, propertyType } from "./field-types.js";
import { emitReadJsonBody } from "./codec-json-read.js";
import { emitWriteJsonBody } from "./codec-json-text.js";
import { emitToJsonBody } from "./codec-json-write.js";
import { jsDocOf } from "./jsdoc.js";
import { wktJsonBodies } from "./wkt-json.js";

/** Emits a message's interface and its codec object (same name, type and value side). */
export function emitMessage(message: DescMessage, scope: FileScope): string {
  const fields = message.members.map((member) => {
    if (member.kind === "oneof") {
      return { jsdoc: jsDocOf(member, "  "), property: propertyName(member), optional: false, type: oneofType(member, scope) };
    }
    const fallback = declaredDefault(member);
    const tags = fallback !== undefined && isOptionalProperty(member) ? [`@defaultValue ${fallback} (when unset)`] : [];
    const jsdoc = jsDocOf(member, "  ", tags);
    return { jsdoc, property: propertyName(member), optional: isOptionalProperty(member), type: propertyType(member, scope) };
  });
  const name = scope.ref(message, true);
  const wkt = wktJsonBodies(message, scope);
  const toJsonBody = wkt?.toJson ?? emitToJsonBody(message, scope);
  const readJsonBody = wkt?.readJson ?? emitReadJsonBody(message, scope);
  // Well-known types have few fields and special JSON forms: their text is that of their JSON value.
  const writeJsonBody = wkt !== undefined ? `    return JSON.stringify(${name}.toJson(message, options));` : emitWriteJsonBody(message, scope);
  const rt = Object.fromEntries(
    [
      ["MessageCodec", false], ["BinaryDecodeOptions", false], ["BinaryWriter", false], ["BinaryReader", false],
      ["JsonWriteOptions", false], ["JsonReadOptions", false], ["JsonValue", false],
      ["protobufEncode", true], ["protobufDecode", true], ["jsonEncodeString", true], ["jsonDecode", true],
      ["jsonDecodeString", true],
    ].map(([n, v]) => [n as string, scope.rt(n as string, v as boolean)]),
  );
  return renderTemplate("message", {
    jsdoc: jsDocOf(message),
    name,
    typeName: message.typeName,
    fields,
    initial: initialLiteral(message, scope),
    rt,
    writeBody: emitWriteBody(message, scope),
    readBody: emitReadBody(message, scope),
    toJsonBody,
    readJsonBody,
    writeJsonBody,
    // Unused parameters are prefixed with `_` so that strict `noUnusedParameters` builds accept them.
    toJsonMessage: /\bmessage\b/.test(toJsonBody) ? "message" : "_message",
    toJsonOptions: /\boptions\b/.test(toJsonBody) ? "options" : "_options",
    readJsonOptions: /\boptions\b/.test(readJsonBody) ? "options" : "_options",
    writeJsonMessage: usesName(writeJsonBody, "message") ? "message" : "_message",
    writeJsonOptions: usesName(writeJsonBody, "options") ? "options" : "_options",
  });
}

/** Does the body use the variable `name` (not a property or a quoted key of that name)? */
function usesName(body: string, name: string): boolean {
  return new RegExp(`(?<![\\w$."])${name}(?![\\w$"])`).test(body);
}
