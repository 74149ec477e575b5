// The protobuf conformance testee over tristub-generated code: reads ConformanceRequests from stdin
// (each a 4-byte little-endian length and the message), answers ConformanceResponses on stdout in the
// same framing, until stdin ends. Generated modules are loaded from the directory named by argv[2]
// (conformance.proto and test_messages_proto2/3.proto of the runner's release; see run.ts).
// Binary and JSON are tested; text format and JSPB are answered as skipped.
import { readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface Codec {
  readonly typeName: string;
  decode(bytes: Uint8Array): object;
  encode(message: object): Uint8Array;
  fromJsonString(json: string, options?: { ignoreUnknownFields?: boolean }): object;
  toJsonString(message: object): string;
}

type Payload = { case: "protobufPayload"; value: Uint8Array } | { case: "jsonPayload"; value: string } | { case: string | undefined; value?: unknown };
interface Request {
  payload: Payload;
  requestedOutputFormat: number;
  messageType: string;
  testCategory: number;
}
type Result = { case: "parseError" | "serializeError" | "runtimeError" | "skipped" | "jsonPayload"; value: string } | { case: "protobufPayload"; value: Uint8Array };

const WireFormat = { PROTOBUF: 1, JSON: 2 } as const;
const TestCategory = { JSON_IGNORE_UNKNOWN_PARSING_TEST: 3 } as const;

const genDir = process.argv[2];
if (genDir === undefined) throw new Error("usage: testee.ts <generated-dir>");
const conformance = (await import(pathToFileURL(join(genDir, "conformance.ts")).href)) as Record<string, Codec>;
const registry = ((await import(pathToFileURL(join(genDir, "tristub-registry.ts")).href)) as { typeRegistry: { getMessage(name: string): Codec | undefined } }).typeRegistry;
const ConformanceRequest = conformance["ConformanceRequest"] as Codec;
const ConformanceResponse = conformance["ConformanceResponse"] as Codec;

function serve(request: Request): Result {
  const codec = registry.getMessage(request.messageType);
  if (codec === undefined) return { case: "runtimeError", value: `unknown message type ${request.messageType}` };
  let message: object;
  try {
    switch (request.payload.case) {
      case "protobufPayload":
        message = codec.decode(request.payload.value as Uint8Array);
        break;
      case "jsonPayload":
        message = codec.fromJsonString(request.payload.value as string, {
          ignoreUnknownFields: request.testCategory === TestCategory.JSON_IGNORE_UNKNOWN_PARSING_TEST,
        });
        break;
      default:
        return { case: "skipped", value: `input ${request.payload.case ?? "none"} is not supported` };
    }
  } catch (error) {
    return { case: "parseError", value: String((error as Error).message) };
  }
  try {
    switch (request.requestedOutputFormat) {
      case WireFormat.PROTOBUF:
        return { case: "protobufPayload", value: codec.encode(message) };
      case WireFormat.JSON:
        return { case: "jsonPayload", value: codec.toJsonString(message) };
      default:
        return { case: "skipped", value: `output format ${request.requestedOutputFormat} is not supported` };
    }
  } catch (error) {
    return { case: "serializeError", value: String((error as Error).message) };
  }
}

function readExactly(length: number): Uint8Array | undefined {
  const buffer = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    let n: number;
    try {
      n = readSync(0, buffer, offset, length - offset, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
      throw error;
    }
    if (n === 0) {
      if (offset === 0) return undefined;
      throw new Error(`testee: stdin ended inside a frame (${offset} of ${length} bytes)`);
    }
    offset += n;
  }
  return buffer;
}

function writeAll(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(1, bytes, offset, bytes.length - offset);
}

let served = 0;
for (;;) {
  const header = readExactly(4);
  if (header === undefined) break;
  const length = new DataView(header.buffer).getUint32(0, true);
  const request = ConformanceRequest.decode(readExactly(length) ?? new Uint8Array(0)) as unknown as Request;
  const response = ConformanceResponse.encode({ result: serve(request) });
  const out = new Uint8Array(4 + response.length);
  new DataView(out.buffer).setUint32(0, response.length, true);
  out.set(response, 4);
  writeAll(out);
  served++;
}
process.stderr.write(`testee: served ${served} requests\n`);
