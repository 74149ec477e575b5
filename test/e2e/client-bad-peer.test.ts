// Bad answers from a server, for the Connect and gRPC-Web clients: a raw node:http2 and node:http server
// (real sockets, port 0) plays a broken peer chosen by the request header `x-bad`. Every case must end
// the call with a TripleError of the right code — never a crash, a hang or an unread socket — over
// HTTP/2 and HTTP/1.1.
import { once } from "node:events";
import { createServer as createHttp1Server, type IncomingMessage, type Server as Http1Server, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGreetServiceClient, type GreetServiceClient } from "../../examples/streaming/gen/greet.js";
import { Code, TripleError } from "../../examples/streaming/gen/tristub-runtime.js";

/** One envelope: flags, 4-byte length, payload. */
function envelope(flags: number, payload: Uint8Array | string, declared?: number): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(declared ?? body.length, 1);
  return Buffer.concat([head, body]);
}

/** A GreetServerStreamResponse with `greeting` (field 1, string), protobuf binary. */
function greeting(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
}

type Res = ServerResponse | Http2ServerResponse;

/** The broken answers, by `x-bad` value; `ct` is the right content type of the request's protocol. */
const behaviours: Record<string, (res: Res, ct: string, web: boolean) => void> = {
  truncated: (res, ct) => {
    res.writeHead(200, { "content-type": ct });
    res.end(envelope(0, greeting("abc"), 40).subarray(0, 8));
  },
  "bad-end": (res, ct, web) => {
    res.writeHead(200, { "content-type": ct });
    res.end(Buffer.concat([envelope(0, greeting("ok")), envelope(web ? 0x80 : 0x02, web ? "no colon here\r\n" : "{not json")]));
  },
  "missing-end": (res, ct) => {
    res.writeHead(200, { "content-type": ct });
    res.end(envelope(0, greeting("ok")));
  },
  "wrong-type": (res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html>proxy</html>");
  },
  "unknown-encoding": (res, ct, web) => {
    res.writeHead(200, { "content-type": ct, [web ? "grpc-encoding" : "connect-content-encoding"]: "br" });
    res.end(envelope(1, "xx"));
  },
  oversized: (res, ct) => {
    res.writeHead(200, { "content-type": ct });
    res.end(envelope(0, greeting("x".repeat(100)), 10 * 1024 * 1024));
  },
  "gzip-bomb": (res, ct, web) => {
    res.writeHead(200, { "content-type": ct, [web ? "grpc-encoding" : "connect-content-encoding"]: "gzip" });
    res.end(envelope(1, gzipSync(Buffer.alloc(8 * 1024 * 1024))));
  },
  "bad-flags": (res, ct) => {
    res.writeHead(200, { "content-type": ct });
    res.end(envelope(0x40, greeting("ok")));
  },
  "http-502": (res) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end("bad gateway");
  },
  "cut-off": (res, ct) => {
    res.writeHead(200, { "content-type": ct });
    (res as ServerResponse).write(envelope(0, greeting("first")));
    setTimeout(() => {
      const stream = (res as Http2ServerResponse).stream as { close?: (code: number) => void } | undefined;
      if (stream?.close !== undefined) stream.close(2);
      else (res as ServerResponse).socket?.destroy();
    }, 20);
  },
  "huge-body": (res, ct) => {
    res.writeHead(200, { "content-type": ct });
    res.end(Buffer.alloc(2 * 1024 * 1024, 0x0a));
  },
  silent: () => {
    // never answers: the client's deadline must end the call
  },
};

function handle(req: IncomingMessage | Http2ServerRequest, res: Res): void {
  const bad = String(req.headers["x-bad"] ?? "");
  const type = String(req.headers["content-type"] ?? "");
  const web = type.startsWith("application/grpc-web");
  req.resume();
  const behaviour = behaviours[bad];
  if (behaviour === undefined) {
    res.writeHead(400);
    res.end();
    return;
  }
  behaviour(res, type, web);
}

interface BadPeer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

async function startBadPeer(http: "2" | "1.1"): Promise<BadPeer> {
  const server: Http1Server | Http2Server = http === "2" ? createHttp2Server(handle) : createHttp1Server(handle);
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

const peers = new Map<string, BadPeer>();
beforeAll(async () => {
  peers.set("2", await startBadPeer("2"));
  peers.set("1.1", await startBadPeer("1.1"));
});
afterAll(async () => {
  for (const peer of peers.values()) await peer.close();
});

/** The error a server stream ends with (after draining the messages). */
async function streamError(client: GreetServiceClient, bad: string, timeoutMs = 5_000): Promise<TripleError> {
  const stream = client.greetServerStream({ name: "n" }, { headers: { "x-bad": bad }, timeoutMs });
  try {
    for await (const _ of stream) {
      // drain
    }
  } catch (error) {
    expect(error).toBeInstanceOf(TripleError);
    return error as TripleError;
  }
  throw new Error(`the call with x-bad: ${bad} did not fail`);
}

const expected: [string, Code, RegExp][] = [
  ["truncated", Code.INTERNAL, /incomplete envelope/],
  ["bad-end", Code.INTERNAL, /end-stream message is not valid JSON|malformed gRPC-Web trailer/],
  ["missing-end", Code.INTERNAL, /missing (end-stream message|gRPC-Web trailers)/],
  ["wrong-type", Code.UNKNOWN, /unexpected content-type/],
  ["unknown-encoding", Code.INTERNAL, /unsupported .*br/],
  ["oversized", Code.RESOURCE_EXHAUSTED, /exceeds the maximum/],
  ["gzip-bomb", Code.RESOURCE_EXHAUSTED, /larger than/],
  ["bad-flags", Code.INTERNAL, /invalid envelope flags/],
  ["http-502", Code.UNAVAILABLE, /HTTP status 502/],
  ["cut-off", Code.UNAVAILABLE, /./],
  ["silent", Code.DEADLINE_EXCEEDED, /deadline/],
];

describe.each([
  ["connect", "2"],
  ["connect", "1.1"],
  ["grpc-web", "2"],
  ["grpc-web", "1.1"],
] as const)("a %s client over HTTP/%s against a broken server", (protocol, http) => {
  let client: GreetServiceClient;
  beforeAll(() => {
    client = createGreetServiceClient({ baseUrl: (peers.get(http) as BadPeer).baseUrl, protocol, httpVersion: http, maxReceiveMessageBytes: 1024 * 1024 });
  });
  afterAll(() => client.close());

  it.each(expected)("server stream, %s → code %i", async (bad, code, message) => {
    const error = await streamError(client, bad, bad === "silent" ? 300 : 5_000);
    // A cut-off HTTP/2 stream is a reset (INTERNAL_ERROR → INTERNAL); over HTTP/1.1 the connection drops.
    const want = bad === "cut-off" && http === "2" ? Code.INTERNAL : code;
    expect(error.code, error.message).toBe(want);
    expect(error.rawMessage).toMatch(message);
  });

  it("every call above left the client usable: a fresh call still gets its answer shape", async () => {
    const error = await streamError(client, "missing-end");
    expect(error.code).toBe(Code.INTERNAL);
  });
});

describe.each(["2", "1.1"] as const)("a Connect unary call over HTTP/%s against a broken server", (http) => {
  let client: GreetServiceClient;
  beforeAll(() => {
    client = createGreetServiceClient({ baseUrl: (peers.get(http) as BadPeer).baseUrl, protocol: "connect", httpVersion: http, maxReceiveMessageBytes: 1024 * 1024 });
  });
  afterAll(() => client.close());

  const unary: [string, Code][] = [
    ["wrong-type", Code.UNKNOWN],
    ["http-502", Code.UNAVAILABLE],
    ["oversized", Code.INTERNAL], // a 200 application/proto body that is not a GreetResponse
    ["huge-body", Code.RESOURCE_EXHAUSTED], // 2 MiB over a 1 MiB maxReceiveMessageBytes
    ["silent", Code.DEADLINE_EXCEEDED],
  ];
  it.each(unary)("%s → code %i", async (bad, code) => {
    const error = await client.greet({ name: "n" }, { headers: { "x-bad": bad }, timeoutMs: bad === "silent" ? 300 : 5_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TripleError);
    expect((error as TripleError).code).toBe(code);
  });
});
