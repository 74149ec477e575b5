// @connectrpc/connect-node (connect-es v2) clients calling the tristub server: createConnectTransport,
// createGrpcWebTransport and createGrpcTransport, every call kind the protocol allows on the HTTP
// version, binary and JSON, HTTP/1.1 and HTTP/2, plus errors with details and metadata both ways. The
// peer uses the protobuf-es code protoc-gen-es writes for the same greet.proto (test/connect-node/gen).
import { Code as EsCode, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { collect, useE2E, type E2EServer } from "../support/e2e.js";
import { Code, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { GreetService } from "./gen/greet_pb.js";

const e2e = useE2E();

type Protocol = "connect" | "grpc-web" | "grpc";
type HttpVersion = "1.1" | "2";

function transportFor(server: E2EServer, protocol: Protocol, httpVersion: HttpVersion, useBinaryFormat: boolean): Transport {
  const options = { baseUrl: server.baseUrl, httpVersion, useBinaryFormat } as const;
  if (protocol === "connect") return createConnectTransport(options);
  if (protocol === "grpc-web") return createGrpcWebTransport(options);
  return createGrpcTransport({ baseUrl: server.baseUrl, useBinaryFormat });
}

async function* named(prefix: string, count: number): AsyncGenerator<{ name: string }> {
  for (let i = 0; i < count; i++) yield { name: `${prefix}${i}` };
}

const cells: { protocol: Protocol; http: HttpVersion; binary: boolean }[] = [];
for (const protocol of ["connect", "grpc-web", "grpc"] as const) {
  for (const http of protocol === "grpc" ? (["2"] as const) : (["1.1", "2"] as const)) {
    for (const binary of [true, false]) cells.push({ protocol, http, binary });
  }
}

describe.each(cells)("connect-node $protocol over HTTP/$http, binary $binary → tristub server", ({ protocol, http, binary }) => {
  const client = async (): Promise<Client<typeof GreetService>> => createClient(GreetService, transportFor(await e2e.start(), protocol, http, binary));

  it("unary", async () => {
    const greet = await client();
    expect((await greet.greet({ name: "unary" })).greeting).toBe("unary");
  });

  it("server streaming", async () => {
    const greet = await client();
    const replies = await collect(greet.greetServerStream({ name: "s" }));
    expect(replies.map((r) => r.greeting)).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4"]);
  });

  it("client streaming", async () => {
    const greet = await client();
    const reply = await greet.greetClientStream(named("c", 3));
    expect(reply.greeting).toBe("c0,c1,c2");
  });

  if (http === "2") {
    it("bidi streaming", async () => {
      const greet = await client();
      const replies = await collect(greet.greetStream(named("b", 4)));
      expect(replies.map((r) => r.greeting)).toEqual(["b0", "b1", "b2", "b3"]);
    });
  } else {
    it("bidi streaming over HTTP/1.1 is refused with a clear error", async () => {
      const greet = await client();
      const error = await collect(greet.greetStream(named("b", 1))).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
    });
  }
});

describe.each(cells)("connect-node $protocol over HTTP/$http, binary $binary: errors and metadata", ({ protocol, http, binary }) => {
  it("a handler error reaches the client with its code, message, details and metadata; headers and trailers arrive", async () => {
    const detail = { typeUrl: "type.googleapis.com/greet.GreetResponse", value: new Uint8Array([10, 3, 0x61, 0x62, 0x63]) };
    const server = await e2e.start({
      handler: {
        greet: (request, ctx) => {
          ctx.responseHeaders.set("x-head", "h1");
          ctx.responseTrailers.set("x-tail", "t1");
          if (request.name === "fail") throw new TripleError(Code.NOT_FOUND, "no such name: fail", { details: [detail], metadata: { "x-err": "e1" } });
          return { greeting: ctx.requestHeaders.get("x-in") ?? "" };
        },
        async greetServerStream(request, stream, ctx) {
          ctx.responseHeaders.set("x-head", "sh");
          ctx.responseTrailers.set("x-tail", "st");
          await stream.send({ greeting: "first" });
          throw new TripleError(Code.RESOURCE_EXHAUSTED, `stream failed for ${request.name}`);
        },
      },
    });
    const greet = createClient(GreetService, transportFor(server, protocol, http, binary));
    let headers: Headers | undefined;
    let trailers: Headers | undefined;
    const ok = await greet.greet({ name: "ok" }, { headers: { "x-in": "metadata in" }, onHeader: (h) => (headers = h), onTrailer: (t) => (trailers = t) });
    expect(ok.greeting).toBe("metadata in");
    expect(headers?.get("x-head")).toBe("h1");
    expect(trailers?.get("x-tail")).toBe("t1");
    const error = await greet.greet({ name: "fail" }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(EsCode.NotFound);
    expect(error?.rawMessage).toBe("no such name: fail");
    expect(error?.details.length).toBe(1);
    expect(error?.metadata.get("x-err")).toBe("e1");
    const seen: string[] = [];
    let streamTrailers: Headers | undefined;
    const streamError = await (async () => {
      for await (const reply of greet.greetServerStream({ name: "x" }, { onTrailer: (t) => (streamTrailers = t) })) seen.push(reply.greeting);
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(seen).toEqual(["first"]);
    expect(streamError?.code).toBe(EsCode.ResourceExhausted);
    expect(streamError?.rawMessage).toBe("stream failed for x");
    expect(streamError?.metadata.get("x-tail") ?? streamTrailers?.get("x-tail")).toBe("st");
  });

  it("deadlines and gzip both ways", async () => {
    const server = await e2e.start({
      handler: {
        greet: async (request, ctx) => {
          if (request.name === "slow") await new Promise((resolve) => setTimeout(resolve, 2_000));
          return { greeting: `${request.name}:${ctx.timeoutMs === undefined ? "none" : "set"}` };
        },
      },
      options: { compressMinBytes: 0 },
    });
    const transport =
      protocol === "connect"
        ? createConnectTransport({ baseUrl: server.baseUrl, httpVersion: http, useBinaryFormat: binary, sendCompression: { name: "gzip", compress: gzipCompress, decompress: gzipDecompress }, acceptCompression: [{ name: "gzip", compress: gzipCompress, decompress: gzipDecompress }] })
        : transportFor(server, protocol, http, binary);
    const greet = createClient(GreetService, transport);
    expect((await greet.greet({ name: "big".repeat(500) }, { timeoutMs: 5_000 })).greeting).toBe(`${"big".repeat(500)}:set`);
    const late = await greet.greet({ name: "slow" }, { timeoutMs: 200 }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(late?.code).toBe(EsCode.DeadlineExceeded);
  });
});

async function gzipCompress(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const { gzipSync } = await import("node:zlib");
  return new Uint8Array(gzipSync(bytes));
}

async function gzipDecompress(bytes: Uint8Array, readMaxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const { gunzipSync } = await import("node:zlib");
  return new Uint8Array(gunzipSync(bytes, { maxOutputLength: readMaxBytes }));
}
