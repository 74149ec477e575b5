import { base64Decode } from "../protobuf/base64.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import type { ServerBidiStream } from "./server-handlers.js";

/**
 * The file descriptors an output embeds when generated with `reflection` (in `tristub-reflection.ts`):
 * what server reflection answers from. Computed at generate time, so the runtime parses no descriptor.
 */
export interface ReflectionDescriptors {
  /**
   * Every generated file and every file it imports (transitively): its name, the indexes of its direct
   * imports in this list, and its serialized `FileDescriptorProto` (source code info stripped) in base64.
   */
  readonly files: readonly (readonly [name: string, imports: readonly number[], descriptor: string])[];
  /**
   * Fully-qualified names of everything those files declare — messages, fields, oneofs, enums and
   * their values, services, methods, extensions — each with the index of its file, and `1` for messages.
   */
  readonly symbols: readonly (readonly [symbol: string, file: number, message?: 1])[];
  /** Extensions: `[extended message, field number, index of the declaring file]`. */
  readonly extensions: readonly (readonly [extendee: string, number: number, file: number])[];
}

/** A reflection request as both `grpc.reflection.v1` and `v1alpha` generate it (they are the same message). */
export interface ReflectionRequestShape {
  readonly host: string;
  readonly messageRequest:
    | { readonly case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; readonly value: string }
    | { readonly case: "fileContainingExtension"; readonly value: { readonly containingType: string; readonly extensionNumber: number } }
    | { readonly case: undefined; readonly value?: undefined };
}

/** The `message_response` oneof of a reflection response, in the generated shape of either version. */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: Array<{ name: string }> } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * Answers server reflection requests (`grpc.reflection.v1` and `v1alpha` `ServerReflectionInfo`) from
 * embedded descriptors, as grpc-go does: files come with their transitive imports (on one stream, an
 * import already sent is not sent again); unknown files, symbols, extensions and types are an
 * `error_response` with NOT_FOUND, and the stream goes on; a request with no kind ends the stream with
 * INVALID_ARGUMENT. `list_services` reports the services registered on the server.
 */
export class ReflectionIndex {
  private readonly files: ReflectionDescriptors["files"];
  private readonly fileByName = new Map<string, number>();
  private readonly fileBySymbol = new Map<string, number>();
  private readonly fileByExtension = new Map<string, number>();
  private readonly extensionNumbers = new Map<string, number[]>();
  private readonly messages = new Set<string>();
  private readonly decoded = new Map<number, Uint8Array>();
  private readonly services: () => readonly string[];

  constructor(descriptors: ReflectionDescriptors, services: () => readonly string[]) {
    this.files = descriptors.files;
    this.services = services;
    descriptors.files.forEach(([name], index) => this.fileByName.set(name, index));
    for (const [symbol, file, message] of descriptors.symbols) {
      this.fileBySymbol.set(symbol, file);
      if (message === 1) this.messages.add(symbol);
    }
    for (const [extendee, number, file] of descriptors.extensions) {
      this.fileByExtension.set(`${extendee}#${number}`, file);
      const numbers = this.extensionNumbers.get(extendee) ?? [];
      numbers.push(number);
      this.extensionNumbers.set(extendee, numbers);
    }
  }

  /** The answer to one request; `sent` holds the files already sent on this stream (and is updated). */
  answer(request: ReflectionRequestShape, sent: Set<string>): ReflectionAnswer {
    const kind = request.messageRequest;
    switch (kind.case) {
      case "fileByFilename":
        return this.filesAnswer(this.fileByName.get(kind.value), sent, `file not found: ${kind.value}`);
      case "fileContainingSymbol":
        return this.filesAnswer(this.fileBySymbol.get(kind.value), sent, `symbol not found: ${kind.value}`);
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = kind.value;
        const file = this.fileByExtension.get(`${containingType}#${extensionNumber}`);
        return this.filesAnswer(file, sent, `extension not found: ${containingType} field ${extensionNumber}`);
      }
      case "allExtensionNumbersOfType": {
        const numbers = this.extensionNumbers.get(kind.value);
        if (numbers === undefined && !this.messages.has(kind.value)) return reflectionNotFound(`type not found: ${kind.value}`);
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: kind.value, extensionNumber: [...(numbers ?? [])] } };
      }
      case "listServices":
        return { case: "listServicesResponse", value: { service: this.services().map((name) => ({ name })) } };
      default:
        throw new TripleError(Code.INVALID_ARGUMENT, "invalid MessageRequest: no request kind set");
    }
  }

  private filesAnswer(file: number | undefined, sent: Set<string>, notFound: string): ReflectionAnswer {
    if (file === undefined) return reflectionNotFound(notFound);
    const out: Uint8Array[] = [];
    const pending = [file];
    const seen = new Set<number>();
    while (pending.length > 0) {
      const index = pending.shift() as number;
      if (seen.has(index)) continue;
      seen.add(index);
      const entry = this.files[index];
      if (entry === undefined) continue;
      const [name, imports] = entry;
      // The file asked for always goes out; its imports only once per stream (grpc-go's rule).
      if (index === file || !sent.has(name)) {
        sent.add(name);
        out.push(this.descriptorBytes(index));
      }
      pending.push(...imports);
    }
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out } };
  }

  private descriptorBytes(index: number): Uint8Array {
    let bytes = this.decoded.get(index);
    if (bytes === undefined) {
      bytes = base64Decode(this.files[index]?.[2] ?? "");
      this.decoded.set(index, bytes);
    }
    return bytes;
  }
}

function reflectionNotFound(message: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NOT_FOUND, errorMessage: message } };
}

/**
 * Serves one `ServerReflectionInfo` stream: answers each request in order until the client ends its
 * side. `respond` wraps an answer into the generated response message of the version being served.
 */
export async function reflectionServe<I extends ReflectionRequestShape, O>(
  index: ReflectionIndex,
  stream: ServerBidiStream<I, O>,
  respond: (request: I, answer: ReflectionAnswer) => O,
): Promise<void> {
  const sent = new Set<string>();
  for await (const request of stream) await stream.send(respond(request, index.answer(request, sent)));
}
