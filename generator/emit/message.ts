import type { DescMessage } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { renderTemplate } from "../templates.js";
import { emitReadBody } from "./codec-read.js";
import { emitWriteBody } from "./codec-write.js";
import { declaredDefault, initialLiteral, isOptionalProperty, oneofType, propertyType } from "./field-types.js";
import { jsDocOf } from "./jsdoc.js";

/** Emits a message's interface and its codec object (same name, type and value side). */
export function emitMessage(message: DescMessage, scope: FileScope): string {
  const fields = message.members.map((member) => {
    if (member.kind === "oneof") {
      return { jsdoc: jsDocOf(member, "  "), property: member.localName, optional: false, type: oneofType(member, scope) };
    }
    const fallback = declaredDefault(member);
    const tags = fallback !== undefined && isOptionalProperty(member) ? [`@defaultValue ${fallback} (when unset)`] : [];
    const jsdoc = jsDocOf(member, "  ", tags);
    return { jsdoc, property: member.localName, optional: isOptionalProperty(member), type: propertyType(member, scope) };
  });
  const name = scope.ref(message, true);
  return renderTemplate("message", {
    jsdoc: jsDocOf(message),
    name,
    typeName: message.typeName,
    fields,
    initial: initialLiteral(message, scope),
    codecType: scope.rt("MessageCodec", false),
    decodeOptionsType: scope.rt("BinaryDecodeOptions", false),
    writerType: scope.rt("BinaryWriter", false),
    readerType: scope.rt("BinaryReader", false),
    encodeFn: scope.rt("protobufEncode"),
    decodeFn: scope.rt("protobufDecode"),
    writeBody: emitWriteBody(message, scope),
    readBody: emitReadBody(message, scope),
  });
}
