import { protobufDefaultMaxDepth } from "../protobuf/limits.js";
import type { JsonReadOptions, MessageCodec } from "../protobuf/message-type.js";
import { ProtobufError } from "../protobuf/protobuf-error.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

/**
 * Decodes one request message: binary (nested at most `maxDepth` deep), or proto3 JSON with the server's
 * read options `json` (unknown fields ignored, as dubbo-java and dubbo-js read Triple JSON; an empty JSON
 * body is the empty message).
 * Bad input is INVALID_ARGUMENT naming the type; the codec's own message describes what was wrong,
 * anything else (not the client's doing) is only "internal error".
 */
export function serverDecodeRequest<T extends object>(codec: MessageCodec<T>, data: Uint8Array, json: JsonReadOptions | undefined, maxDepth: number): T {
  try {
    if (json !== undefined) {
      const text = data.length === 0 ? "{}" : new TextDecoder().decode(data);
      return codec.fromJsonString(text, json);
    }
    return maxDepth === protobufDefaultMaxDepth ? codec.decode(data) : codec.decode(data, { maxDepth });
  } catch (error) {
    const reason = error instanceof ProtobufError ? error.message : "internal error";
    throw new TripleError(Code.INVALID_ARGUMENT, `failed to decode ${codec.typeName}: ${reason}`, { cause: error });
  }
}
