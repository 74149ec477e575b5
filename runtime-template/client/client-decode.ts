import { protobufDecodeRange } from "../protobuf/message-codec.js";
import type { JsonReadOptions, MessageCodec } from "../protobuf/message-type.js";
import type { ProtobufError } from "../protobuf/protobuf-error.js";
import { BinaryReader } from "../protobuf/wire-reader.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

const clientDecodeText = new TextDecoder();

/**
 * The response decoder of one call (`EnvelopeInbox`'s `decode`): binary payloads are read in place
 * from the received chunk with one reader per call, JSON ones (`json`: the read options) as text. A
 * response that does not decode is INTERNAL, the server's fault.
 */
export function clientResponseDecoder<O extends object>(
  codec: MessageCodec<O>,
  json: JsonReadOptions | undefined,
  maxDepth: number,
): (buf: Uint8Array, start: number, end: number) => O {
  let reader: BinaryReader | undefined;
  return (buf, start, end) => {
    try {
      return json !== undefined
        ? codec.fromJsonString(clientDecodeText.decode(buf.subarray(start, end)), json)
        : protobufDecodeRange(codec, (reader ??= new BinaryReader(buf, maxDepth)), buf, start, end);
    } catch (error) {
      throw new TripleError(Code.INTERNAL, `failed to decode ${codec.typeName}: ${(error as ProtobufError).message}`, { cause: error });
    }
  };
}
