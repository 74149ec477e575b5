// tristub's generated client → @connectrpc/connect-node 2.1 (connectNodeAdapter, test/connect-node-server/)
// with every protocol the client option offers that connect-node serves: Connect, gRPC-Web and gRPC;
// proto and JSON; over HTTP/2 (h2c) and HTTP/1.1 (Connect and gRPC-Web: unary, server and client
// streams; bidi over HTTP/1.1 is refused by the client before sending). Each cell checks the messages,
// the request content type and encoding the server saw, metadata both ways, errors with trailers,
// gzip both ways, and the deadline header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGreetServiceClient, type GreetServiceClient } from "../../examples/streaming/gen/greet.js";
import { Code, isEnded, TripleError, type ClientOptions } from "../../examples/streaming/gen/tristub-runtime.js";
import { startConnectNodeServer, type ConnectNodeServer } from "../connect-node-server/server.js";

type Protocol = "connect" | "grpc-web" | "grpc";
type Http = "2" | "1.1";

const servers = new Map<Http, ConnectNodeServer>();

beforeAll(async () => {
  servers.set("2", await startConnectNodeServer("2"));
  servers.set("1.1", await startConnectNodeServer("1.1"));
});

afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

/** The content type connect-node saw for a unary call, by protocol and codec. */
function unaryContentType(protocol: Protocol, codec: "proto" | "json"): string {
  if (protocol === "connect") return `application/${codec}`;
  return `application/${protocol}+${codec}`;
}

function streamContentType(protocol: Protocol, codec: "proto" | "json"): string {
  return protocol === "connect" ? `application/connect+${codec}` : `application/${protocol}+${codec}`;
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const message of stream) out.push(message);
  return out;
}

const cells: [Protocol, Http][] = [
  ["connect", "2"],
  ["connect", "1.1"],
  ["grpc-web", "2"],
  ["grpc-web", "1.1"],
  ["grpc", "2"],
];

describe.each(cells)("tristub client → connect-node, protocol %s over HTTP/%s", (protocol, http) => {
  for (const codec of ["proto", "json"] as const) {
    describe(`codec ${codec}`, () => {
      let client: GreetServiceClient;
      beforeAll(() => {
        const options: ClientOptions = { baseUrl: (servers.get(http) as ConnectNodeServer).baseUrl, protocol, codec, httpVersion: http };
        client = createGreetServiceClient(options);
      });
      afterAll(() => client.close());

      it("unary: message, metadata both ways, deadline header, content type", async () => {
        let headers: Headers | undefined;
        let trailers: Headers | undefined;
        const response = await client.greet(
          { name: "héllo" },
          { headers: { "x-echo": "e1" }, timeoutMs: 5_000, onHeader: (h) => (headers = h), onTrailer: (t) => (trailers = t) },
        );
        expect(response.greeting).toBe("héllo");
        expect(headers?.get("x-echo-header")).toBe("e1");
        expect(headers?.get("x-seen-content-type")).toBe(unaryContentType(protocol, codec));
        const timeout = Number(headers?.get("x-seen-timeout"));
        expect(timeout).toBeGreaterThan(3_000);
        expect(timeout).toBeLessThanOrEqual(5_000);
        expect(trailers?.get("x-echo-trailer")).toBe("e1");
      });

      it("unary error: code, message and trailers", async () => {
        const error = await client.greet({ name: "error" }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TripleError);
        expect((error as TripleError).code).toBe(Code.INVALID_ARGUMENT);
        expect((error as TripleError).rawMessage).toBe("bad name: error ✗");
        expect((error as TripleError).metadata.get("x-error-meta")).toBe("yes");
      });

      it("unary with gzip both ways", async () => {
        const gzip = createGreetServiceClient({ baseUrl: (servers.get(http) as ConnectNodeServer).baseUrl, protocol, codec, httpVersion: http, sendCompression: "gzip" });
        try {
          let headers: Headers | undefined;
          const name = "z".repeat(4096);
          expect((await gzip.greet({ name }, { onHeader: (h) => (headers = h) })).greeting).toBe(name);
          expect(headers?.get("x-seen-encoding")).toBe("gzip");
          const stream = gzip.greetServerStream({ name });
          expect((await collect(stream)).map((m) => m.greeting)).toEqual([name, name, name]);
        } finally {
          await gzip.close();
        }
      });

      it("server stream: every message, then the trailers; an error after two messages", async () => {
        const stream = client.greetServerStream({ name: "s" }, { headers: { "x-echo": "e2" } });
        expect((await collect(stream)).map((m) => m.greeting)).toEqual(["s", "s", "s"]);
        expect((await stream.headers).get("x-seen-content-type")).toBe(streamContentType(protocol, codec));
        expect((await stream.trailers).get("x-echo-trailer")).toBe("e2");
        const failing = client.greetServerStream({ name: "error" });
        expect((await failing.recv()).greeting).toBe("error");
        expect((await failing.recv()).greeting).toBe("error");
        const error = await failing.recv().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as TripleError).code).toBe(Code.INVALID_ARGUMENT);
        expect((error as TripleError).metadata.get("x-error-meta")).toBe("yes");
      });

      it("client stream: requests joined", async () => {
        const call = client.greetClientStream({ headers: { "x-echo": "e3" } });
        for (const name of ["a", "b", "c"]) await call.send({ name });
        expect((await call.closeAndRecv()).greeting).toBe("a,b,c");
        expect((await call.headers).get("x-seen-content-type")).toBe(streamContentType(protocol, codec));
        expect((await call.trailers).get("x-echo-trailer")).toBe("e3");
      });

      if (http === "2") {
        it("bidi: interleaved ping-pong, then the end", async () => {
          const call = client.greetStream();
          for (const name of ["x", "y", "z"]) {
            await call.send({ name });
            expect((await call.recv()).greeting).toBe(name);
          }
          call.closeRequest();
          const end = await call.recv().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(isEnded(end)).toBe(true);
        });
      } else {
        it("bidi over HTTP/1.1: refused before sending (UNIMPLEMENTED)", () => {
          let error: unknown;
          try {
            client.greetStream();
          } catch (e) {
            error = e;
          }
          expect((error as TripleError).code).toBe(Code.UNIMPLEMENTED);
          expect((error as TripleError).rawMessage).toMatch(/HTTP\/2/);
        });
      }

      it("deadline: a call the server holds fails with DEADLINE_EXCEEDED", async () => {
        const started = Date.now();
        const error = await client.greet({ name: "slow" }, { timeoutMs: 200 }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as TripleError).code).toBe(Code.DEADLINE_EXCEEDED);
        expect(Date.now() - started).toBeLessThan(5_000);
      });
    });
  }
});

describe.each([
  ["connect", "2"],
  ["connect", "1.1"],
  ["grpc-web", "2"],
  ["grpc-web", "1.1"],
  ["grpc", "2"],
] as const)("call control with protocol %s over HTTP/%s", (protocol, http) => {
  const server = (): ConnectNodeServer => servers.get(http) as ConnectNodeServer;

  it("cancel: closing a server stream mid-way stops the server's handler", async () => {
    const client = createGreetServiceClient({ baseUrl: server().baseUrl, protocol, httpVersion: http });
    try {
      const before = server().events.filter((e) => e.startsWith("stopped")).length;
      const stream = client.greetServerStream({ name: "forever" });
      const received: string[] = [];
      for await (const message of stream) {
        received.push(message.greeting);
        if (received.length === 3) break; // the iterator's return() cancels the call
      }
      expect(received).toEqual(["forever 0", "forever 1", "forever 2"]);
      const deadline = Date.now() + 5_000;
      while (server().events.filter((e) => e.startsWith("stopped")).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const stopped = server().events.filter((e) => e.startsWith("stopped")).at(-1);
      expect(Number(stopped?.split(" ")[1])).toBeLessThan(100);
    } finally {
      await client.close();
    }
  });

  it("close(): a client stream left open is cancelled after closeGraceMs, and close() settles", async () => {
    const client = createGreetServiceClient({ baseUrl: server().baseUrl, protocol, httpVersion: http, closeGraceMs: 200 });
    const call = client.greetClientStream();
    await call.send({ name: "open" });
    const started = Date.now();
    await client.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    const error = await call.closeAndRecv().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Over HTTP/1.1 the grace period ends the exchange (CANCELLED). Over HTTP/2, node:http2's server
    // (under connect-node) ends the whole connection when our GOAWAY arrives, so the open stream fails
    // at once with UNAVAILABLE — the same with protocol grpc; either way the call fails and close() settles.
    expect((error as TripleError).code).toBe(http === "1.1" ? Code.CANCELLED : Code.UNAVAILABLE);
  });

  it("sequential calls of every kind reuse one connection (keep-alive over HTTP/1.1, one session over HTTP/2)", async () => {
    const client = createGreetServiceClient({ baseUrl: server().baseUrl, protocol, httpVersion: http });
    try {
      await client.greet({ name: "warm" });
      const before = server().accepted();
      for (let i = 0; i < 10; i++) {
        expect((await client.greet({ name: `u${i}` })).greeting).toBe(`u${i}`);
        expect((await collect(client.greetServerStream({ name: `s${i}` }))).length).toBe(3);
        const call = client.greetClientStream();
        await call.send({ name: `c${i}` });
        expect((await call.closeAndRecv()).greeting).toBe(`c${i}`);
      }
      expect(server().accepted() - before).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("retry: a unary call that got UNAVAILABLE is retried and succeeds", async () => {
    const client = createGreetServiceClient({ baseUrl: server().baseUrl, protocol, httpVersion: http, retry: { maxAttempts: 3, initialBackoffMs: 10 } });
    try {
      const name = `flaky:${protocol}:${http}`;
      expect((await client.greet({ name })).greeting).toBe(name);
    } finally {
      await client.close();
    }
  });
});
