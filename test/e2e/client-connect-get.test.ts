// Connect unary GET (`useHttpGet`): only for methods whose MethodInfo says `idempotency:
// "no_side_effects"`, only with the option, over HTTP/2 and HTTP/1.1 — checked on the wire by a raw
// node:http2 / node:http server that records the request and answers like a Connect server.
import { once } from "node:events";
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse } from "../../examples/streaming/gen/greet.js";
import { createClientConfig, closeClientConfig, type ClientOptions } from "../../examples/streaming/gen/tristub/client/client-options.js";
import { callUnary } from "../../examples/streaming/gen/tristub/client/client-streams.js";
import type { MethodInfo } from "../../examples/streaming/gen/tristub/protocol/method-info.js";

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer;
}

const seen: Seen[] = [];

function handle(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const record: Seen = { method: String(req.method), url: String(req.url), contentType: req.headers["content-type"], body: Buffer.concat(chunks) };
    seen.push(record);
    const query = new URL(record.url, "http://x").searchParams;
    if (query.get("encoding") === "json") {
      // JSON GET: the message is the query's text (URLSearchParams percent-decodes it).
      const request = GreetRequest.fromJsonString(String(query.get("message")));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(GreetResponse.toJsonString({ greeting: `${record.method} ${request.name}` }));
      return;
    }
    let message: Uint8Array;
    if (record.method === "GET") {
      const raw = Buffer.from(String(query.get("message")), "base64url");
      message = query.get("compression") === "gzip" ? gunzipSync(raw) : raw;
    } else {
      message = record.body;
    }
    const request = GreetRequest.decode(message);
    res.writeHead(200, { "content-type": "application/proto" });
    res.end(GreetResponse.encode({ greeting: `${record.method} ${request.name}` }));
  });
}

const bases = new Map<string, string>();
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  for (const http of ["2", "1.1"]) {
    const server = http === "2" ? createHttp2Server(handle) : createHttp1Server(handle);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    bases.set(http, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  }
});
afterAll(async () => {
  for (const close of closers) await close();
});

const base = { service: "greet.GreetService", name: "Greet", path: "/greet.GreetService/Greet", kind: "unary", input: GreetRequest, output: GreetResponse } as const;
const readOnly: MethodInfo<GreetRequest, GreetResponse> = { ...base, idempotency: "no_side_effects" };
const idempotent: MethodInfo<GreetRequest, GreetResponse> = { ...base, idempotency: "idempotent" };
const plain: MethodInfo<GreetRequest, GreetResponse> = base;

describe.each(["2", "1.1"] as const)("Connect unary GET over HTTP/%s", (http) => {
  async function call(method: MethodInfo<GreetRequest, GreetResponse>, options: Partial<ClientOptions>): Promise<{ greeting: string; seen: Seen }> {
    const config = createClientConfig({ baseUrl: bases.get(http) as string, protocol: "connect", httpVersion: http, ...options });
    try {
      const response = await callUnary(config, method, { name: "q ✓" });
      return { greeting: response.greeting, seen: seen.at(-1) as Seen };
    } finally {
      await closeClientConfig(config);
    }
  }

  it("a NO_SIDE_EFFECTS method with useHttpGet goes as GET with the message in the query", async () => {
    const { greeting, seen: request } = await call(readOnly, { useHttpGet: true });
    expect(greeting).toBe("GET q ✓");
    expect(request.method).toBe("GET");
    expect(request.url).toMatch(/^\/greet\.GreetService\/Greet\?connect=v1&base64=1&encoding=proto&message=[A-Za-z0-9_-]+$/);
    expect(request.contentType).toBeUndefined();
    expect(request.body.length).toBe(0);
  });

  it("with gzip, the query names the compression and carries the compressed bytes", async () => {
    const { greeting, seen: request } = await call(readOnly, { useHttpGet: true, sendCompression: "gzip" });
    expect(greeting).toBe("GET q ✓");
    expect(request.url).toMatch(/\?connect=v1&base64=1&compression=gzip&encoding=proto&message=/);
  });

  it("JSON goes as readable percent-encoded text", async () => {
    const config = createClientConfig({ baseUrl: bases.get(http) as string, protocol: "connect", httpVersion: http, useHttpGet: true, codec: "json" });
    try {
      expect((await callUnary(config, readOnly, { name: "j" })).greeting).toBe("GET j");
    } finally {
      await closeClientConfig(config);
    }
    expect(seen.at(-1)?.url).toBe("/greet.GreetService/Greet?connect=v1&encoding=json&message=%7B%22name%22%3A%22j%22%7D");
  });

  it("stays POST without the option, for IDEMPOTENT methods and for methods without a level", async () => {
    expect((await call(readOnly, {})).seen.method).toBe("POST");
    expect((await call(idempotent, { useHttpGet: true })).seen.method).toBe("POST");
    const posted = await call(plain, { useHttpGet: true });
    expect(posted.seen.method).toBe("POST");
    expect(posted.seen.contentType).toBe("application/proto");
    expect(posted.greeting).toBe("POST q ✓");
  });
});

describe("client protocol option", () => {
  it("refuses an unknown protocol", () => {
    expect(() => createClientConfig({ baseUrl: "http://127.0.0.1:1", protocol: "grpc-web-text" as never })).toThrow(/unknown client protocol/);
  });
});
