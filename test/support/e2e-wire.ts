// Wire-level helpers for end-to-end tests that talk to a server (or play one) with raw node:http2:
// gRPC envelopes, request headers, and a request that collects the whole response.
import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/** Frames a message as a gRPC envelope (flags byte, 4-byte big-endian length, payload). */
export function envelope(payload: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

/** Splits a complete gRPC body into envelopes; throws on a truncated one. */
export function unframe(body: Uint8Array): { flags: number; data: Uint8Array }[] {
  const out: { flags: number; data: Uint8Array }[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (body.length - pos < 5) throw new Error(`truncated envelope header at ${pos}`);
    const length = new DataView(body.buffer, body.byteOffset + pos + 1, 4).getUint32(0);
    if (body.length - pos - 5 < length) throw new Error(`truncated envelope at ${pos}`);
    out.push({ flags: body[pos] as number, data: body.subarray(pos + 5, pos + 5 + length) });
    pos += 5 + length;
  }
  return out;
}

/** What a raw request got back. */
export interface RawResponse {
  readonly headers: IncomingHttpHeaders;
  /** Trailing HEADERS, undefined for a trailers-only response. */
  readonly trailers: IncomingHttpHeaders | undefined;
  readonly body: Uint8Array;
  readonly rstCode: number;
}

/** The request headers of a gRPC call to GreetService, plus `extra`. */
export function grpcHeaders(method: string, extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return {
    ":method": "POST",
    ":path": `/greet.GreetService/${method}`,
    "content-type": "application/grpc+proto",
    te: "trailers",
    ...extra,
  };
}

/**
 * Sends a request on a raw session: `body` is written in one piece, or — as an async writer — however
 * the test likes; the request side is ended afterwards. Resolves when the stream closes.
 */
export function rawRequest(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body: Uint8Array | ((write: (chunk: Uint8Array) => Promise<void>) => Promise<void>),
): Promise<RawResponse> {
  const stream = session.request(headers, { endStream: false });
  return new Promise((resolve, reject) => {
    let response: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Uint8Array[] = [];
    stream.on("response", (h) => (response = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    stream.on("error", () => undefined);
    stream.on("close", () => {
      if (response === undefined) return reject(new Error(`stream closed without a response (RST ${stream.rstCode})`));
      resolve({ headers: response, trailers, body: Buffer.concat(chunks), rstCode: stream.rstCode ?? 0 });
    });
    const write = (chunk: Uint8Array): Promise<void> =>
      new Promise((done, fail) => stream.write(chunk, (error) => (error ? fail(error) : done())));
    const run = typeof body === "function" ? body(write) : write(body);
    run.then(
      () => stream.end(),
      (error: unknown) => {
        stream.close();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
