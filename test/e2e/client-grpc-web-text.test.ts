// `grpcWebText: true`: gRPC-Web with base64 bodies (`application/grpc-web-text+proto`), checked against a
// raw node:http2 / node:http server that decodes the request text and answers each envelope and the
// trailer frame as separate base64 writes (so padding appears mid-body, as real servers send it).
import { once } from "node:events";
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGreetServiceClient, GreetRequest, GreetResponse } from "../../examples/streaming/gen/greet.js";
import { Code, TripleError } from "../../examples/streaming/gen/tristub-runtime.js";

function envelope(flags: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, Buffer.from(payload)]);
}

/** The request envelopes' payloads of a decoded grpc-web body. */
function payloads(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const length = body.readUInt32BE(at + 1);
    out.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

const seenTypes: string[] = [];

function handle(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  let text = "";
  req.setEncoding("latin1");
  req.on("data", (chunk: string) => (text += chunk));
  req.on("end", () => {
    seenTypes.push(String(req.headers["content-type"]));
    const names = payloads(Buffer.from(text, "base64")).map((p) => GreetRequest.decode(p).name);
    const method = String(req.url).split("/").at(-1);
    const replies =
      method === "GreetServerStream" ? [names[0], names[0], names[0]] : method === "GreetClientStream" ? [names.join(",")] : names;
    const write = (bytes: Buffer): void => void (res as ServerResponse).write(bytes.toString("base64"));
    res.writeHead(200, { "content-type": "application/grpc-web-text+proto" });
    if (names.includes("error")) {
      write(envelope(0x80, Buffer.from("grpc-status: 3\r\ngrpc-message: bad%20name\r\n")));
    } else {
      for (const reply of replies) write(envelope(0, GreetResponse.encode({ greeting: String(reply) })));
      write(envelope(0x80, Buffer.from("grpc-status: 0\r\nx-text-trailer: yes\r\n")));
    }
    res.end();
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

describe.each(["2", "1.1"] as const)("gRPC-Web text over HTTP/%s", (http) => {
  const client = (): ReturnType<typeof createGreetServiceClient> =>
    createGreetServiceClient({ baseUrl: bases.get(http) as string, protocol: "grpc-web", grpcWebText: true, httpVersion: http });

  it("unary, server stream and client stream round-trip through base64 bodies", async () => {
    const c = client();
    try {
      let trailers: Headers | undefined;
      expect((await c.greet({ name: "text ✓" }, { onTrailer: (t) => (trailers = t) })).greeting).toBe("text ✓");
      expect(trailers?.get("x-text-trailer")).toBe("yes");
      expect(seenTypes.at(-1)).toBe("application/grpc-web-text+proto");
      const got: string[] = [];
      for await (const m of c.greetServerStream({ name: "s" })) got.push(m.greeting);
      expect(got).toEqual(["s", "s", "s"]);
      const call = c.greetClientStream();
      for (const name of ["a", "bb", "ccc"]) await call.send({ name });
      expect((await call.closeAndRecv()).greeting).toBe("a,bb,ccc");
    } finally {
      await c.close();
    }
  });

  it("an error status in the trailer frame", async () => {
    const c = client();
    try {
      const error = await c.greet({ name: "error" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as TripleError).code).toBe(Code.INVALID_ARGUMENT);
      expect((error as TripleError).rawMessage).toBe("bad name");
    } finally {
      await c.close();
    }
  });
});

it("grpcWebText needs protocol grpc-web and the proto codec", () => {
  expect(() => createGreetServiceClient({ baseUrl: "http://127.0.0.1:1", protocol: "connect", grpcWebText: true })).toThrow(/grpcWebText/);
  expect(() => createGreetServiceClient({ baseUrl: "http://127.0.0.1:1", protocol: "grpc-web", codec: "json", grpcWebText: true })).toThrow(/grpcWebText/);
});
