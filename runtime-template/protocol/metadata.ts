import { base64Decode, base64Encode } from "../protobuf/base64.js";

/** Received HTTP headers or trailers: lower-case names, repeated fields as arrays (node:http2's shape). */
export type IncomingHeaders = { readonly [name: string]: string | string[] | undefined };

/** HTTP headers or trailers to send (pseudo-headers such as `:status` included). */
export type OutgoingHeaders = { [name: string]: string | number | string[] | undefined };

/** Metadata as callers give it: a `Headers`, a record, or name/value pairs. */
export type MetadataInit = ConstructorParameters<typeof Headers>[0];

/**
 * Encodes a binary metadata value for a `-bin` header (unpadded base64, as grpc and dubbo-go send).
 * Triple attachments are plain headers: keys are lower-case and binary ones end in `-bin`.
 */
export function encodeBinaryHeader(value: Uint8Array): string {
  return base64Encode(value).replace(/=+$/, "");
}

/** Decodes a `-bin` header value: padded or unpadded base64; several values may be comma-joined. */
export function decodeBinaryHeader(value: string): Uint8Array[] {
  return value.split(",").map((part) => base64Decode(part.trim()));
}

/**
 * Headers no caller may set as metadata: they belong to the protocol, or are connection-specific
 * fields HTTP/2 forbids (node:http2 would throw on them, failing the call or stalling its response).
 */
function metadataIsReserved(name: string): boolean {
  return (
    name.charCodeAt(0) === 58 /* ':' */ ||
    name.startsWith("grpc-") ||
    name === "content-type" ||
    name === "te" ||
    name === "connection" ||
    name === "keep-alive" ||
    name === "proxy-connection" ||
    name === "upgrade" ||
    name === "http2-settings" ||
    name === "transfer-encoding" ||
    name === "content-length" ||
    name === "host"
  );
}

/** Copies user metadata into outgoing HTTP/2 headers, skipping protocol headers; keys are lower-cased. */
export function metadataToHttp2(metadata: MetadataInit | undefined, out: OutgoingHeaders): void {
  if (metadata === undefined) return;
  const headers = metadata instanceof Headers ? metadata : new Headers(metadata);
  headers.forEach((value, name) => {
    if (!metadataIsReserved(name)) out[name] = value;
  });
}

/** The metadata of received HTTP/2 headers or trailers: every field but the pseudo-headers. */
export function metadataFromHttp2(headers: IncomingHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.append(name, String(value));
  }
  return out;
}
