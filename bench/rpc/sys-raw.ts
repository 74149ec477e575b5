// The floor: plain node:http2 doing the least a gRPC peer must do, with no protobuf library.
//
// Server: Greet answers every request with one pre-built gRPC-framed GreetResponse{greeting:"triple"}
// and `grpc-status: 0` trailers once the request body has ended. GreetServerStream reads the count
// from the request and writes pre-built envelopes in 64 KiB chunks, honouring backpressure (or, asked
// for `each:<count>`, one write per envelope: the per-message floor). GreetStream
// answers each complete request envelope with the pre-built response envelope.
// Client: writes pre-built request frames and splits the response body into envelopes (a payload view
// per message, no protobuf decoding),
// checking trailers for grpc-status 0; the unary reply is compared byte for byte.
// Both sides use a 1 MiB stream window and a 16 MiB connection window, like tristub's defaults.
import { once } from "node:events";
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  createServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import type { BenchClient, BenchServer, BidiSession, RpcSystem } from "./system.ts";

const { HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_METHOD } = constants;

/** A gRPC frame (uncompressed) holding a message whose field 1 is the string `s`. */
export function frameString(s: string): Buffer {
  const text = Buffer.from(s, "utf8");
  if (text.length > 127) throw new Error("frameString: short strings only");
  const frame = Buffer.alloc(5 + 2 + text.length);
  frame.writeUInt32BE(2 + text.length, 1);
  frame[5] = 0x0a;
  frame[6] = text.length;
  text.copy(frame, 7);
  return frame;
}

/** The string field 1 of a single message in a gRPC body (short strings only). */
function stringOfFrame(body: Buffer): string {
  if (body.length < 7 || body[5] !== 0x0a) throw new Error("raw: unexpected request body");
  return body.toString("utf8", 7, 7 + body[6]!);
}

/** GreetRequest{name:"triple"} and GreetResponse{greeting:"triple"} have the same bytes. */
export const tripleFrame = frameString("triple");

const paths = {
  unary: "/greet.GreetService/Greet",
  serverStream: "/greet.GreetService/GreetServerStream",
  bidi: "/greet.GreetService/GreetStream",
};

const responseHeaders = { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" };
const okTrailers = { "grpc-status": "0" };
const windowSettings = { initialWindowSize: 1 << 20 };

/**
 * Splits a body that arrives in arbitrary chunks into envelopes: each complete envelope's payload is
 * handed over as a view (subarray) of the received bytes; a partial envelope is carried over to the
 * next chunk. No protobuf decoding.
 */
class EnvelopeSplitter {
  private rest: Buffer | undefined;
  count = 0;
  payloadBytes = 0;
  /** Called for each complete envelope. */
  onEnvelope: ((payload: Buffer) => void) | undefined;

  push(data: Buffer): void {
    let chunk = data;
    if (this.rest !== undefined) {
      chunk = Buffer.concat([this.rest, data]);
      this.rest = undefined;
    }
    const n = chunk.length;
    let i = 0;
    while (n - i >= 5) {
      const len = chunk.readUInt32BE(i + 1);
      if (n - i - 5 < len) break;
      const payload = chunk.subarray(i + 5, i + 5 + len);
      i += 5 + len;
      this.count++;
      this.payloadBytes += payload.length;
      this.onEnvelope?.(payload);
    }
    if (i < n) this.rest = chunk.subarray(i);
  }

  get pending(): boolean {
    return this.rest !== undefined;
  }
}

function respondOk(stream: ServerHttp2Stream): void {
  stream.respond(responseHeaders, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(okTrailers));
}

async function writeStream(stream: ServerHttp2Stream, count: number): Promise<void> {
  const perChunk = Math.floor(65536 / tripleFrame.length);
  const chunk = Buffer.concat(Array.from({ length: perChunk }, () => tripleFrame));
  respondOk(stream);
  let left = count;
  while (left > 0 && !stream.destroyed) {
    const n = Math.min(left, perChunk);
    left -= n;
    const ok = stream.write(n === perChunk ? chunk : chunk.subarray(0, n * tripleFrame.length));
    if (!ok) await once(stream, "drain");
  }
  stream.end();
}

/**
 * The per-message floor: one `write()` of one pre-built envelope per message, as any server API that
 * sends message by message must at least do (no coalescing), honouring backpressure.
 */
async function writeEach(stream: ServerHttp2Stream, count: number): Promise<void> {
  respondOk(stream);
  for (let i = 0; i < count && !stream.destroyed; i++) {
    if (!stream.write(tripleFrame)) await once(stream, "drain");
  }
  stream.end();
}

/** `RAW_STREAM_WRITES=each` makes the raw client ask for per-message writes (`each:<count>`). */
const streamRequestPrefix = process.env["RAW_STREAM_WRITES"] === "each" ? "each:" : "";

function onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  stream.on("error", () => undefined);
  const path = headers[HTTP2_HEADER_PATH];
  if (path === paths.unary) {
    stream.on("data", () => undefined);
    stream.once("end", () => {
      respondOk(stream);
      stream.end(tripleFrame);
    });
  } else if (path === paths.serverStream) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.once("end", () => {
      const asked = stringOfFrame(Buffer.concat(chunks));
      void (asked.startsWith("each:") ? writeEach(stream, Number(asked.slice(5))) : writeStream(stream, Number(asked)));
    });
  } else if (path === paths.bidi) {
    respondOk(stream);
    const counter = new EnvelopeSplitter();
    counter.onEnvelope = () => void stream.write(tripleFrame);
    stream.on("data", (c: Buffer) => counter.push(c));
    stream.once("end", () => stream.end());
  } else {
    stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc", "grpc-status": "12" }, { endStream: true });
  }
}

async function serve(port: number): Promise<BenchServer> {
  const server = createServer({ settings: windowSettings });
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    session.setLocalWindowSize(1 << 24);
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", onStream);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function request(session: ClientHttp2Session, path: string): ClientHttp2Stream {
  return session.request({
    [HTTP2_HEADER_METHOD]: "POST",
    [HTTP2_HEADER_PATH]: path,
    [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
    te: "trailers",
  });
}

/** Resolves at the end of the call if the trailers (or trailers-only headers) say grpc-status 0. */
function callStatus(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    let status: string | undefined;
    stream.once("response", (h) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    stream.once("trailers", (h) => {
      status = String(h["grpc-status"]);
    });
    stream.once("error", reject);
    stream.once("close", () => (status === "0" ? resolve() : reject(new Error(`raw: grpc-status ${status ?? "missing"}`))));
  });
}

async function connectClient(baseUrl: string): Promise<BenchClient> {
  const session = connect(baseUrl, { settings: windowSettings });
  session.on("error", () => undefined);
  await once(session, "connect");
  session.setLocalWindowSize(1 << 24);
  return {
    async unary(): Promise<void> {
      const stream = request(session, paths.unary);
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      const done = callStatus(stream);
      stream.end(tripleFrame);
      await done;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (!body.equals(tripleFrame)) throw new Error("raw: unexpected unary reply");
    },
    async serverStream(count: number): Promise<number> {
      const stream = request(session, paths.serverStream);
      const counter = new EnvelopeSplitter();
      stream.on("data", (c: Buffer) => counter.push(c));
      const done = callStatus(stream);
      stream.end(frameString(streamRequestPrefix + String(count)));
      await done;
      if (counter.pending) throw new Error("raw: truncated envelope");
      return counter.count;
    },
    async bidi(): Promise<BidiSession> {
      const stream = request(session, paths.bidi);
      const counter = new EnvelopeSplitter();
      let wake: (() => void) | undefined;
      counter.onEnvelope = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      stream.on("data", (c: Buffer) => counter.push(c));
      const done = callStatus(stream);
      done.catch(() => undefined);
      return {
        ping: () =>
          new Promise<void>((resolve, reject) => {
            if (stream.destroyed) return reject(new Error("raw: bidi stream closed"));
            wake = resolve;
            stream.write(tripleFrame);
          }),
        close: async () => {
          stream.end();
          await done;
        },
      };
    },
    close: async () => {
      await new Promise<void>((resolve) => session.close(() => resolve()));
    },
  };
}

export const system: RpcSystem = { serve, connect: connectClient };
