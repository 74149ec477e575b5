// The generated client with `protocol: "triple"` (Triple-unary: a plain POST with the bare message)
// over HTTP/1.1 and HTTP/2, proto and JSON, against the generated server (snapshots/services) — and
// against small raw node:http / node:http2 servers that answer the way dubbo-go, dubbo-js and
// dubbo-java do, to check that all three error dialects are read. Real sockets on 127.0.0.1;
// useE2E closes every client and server after each test and fails it on a leaked socket.
import { createServer as createHttp1Server, type IncomingHttpHeaders as Http1Headers, type ServerResponse } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse, type GreetServiceHandler } from "../../snapshots/services/greet.js";
import { Code, encodeBinaryHeader, TripleError, type ClientOptions, type HandlerContext } from "../../snapshots/services/tristub-runtime.js";
import { collect, eventually, expectCode, useE2E } from "../support/e2e.js";

const detail = { typeUrl: "type.googleapis.com/greet.GreetResponse", value: GreetResponse.encode({ greeting: "detail ✓" }) };

/** What the handler saw. */
interface Observed {
  requestHeaders?: Headers | undefined;
  /** The client's port, as the server saw it (one per connection). */
  peerPort?: number | undefined;
  deadline?: number | undefined;
  started?: boolean;
  abortReason?: unknown;
}

function tripleHandler(observed: Observed): Partial<GreetServiceHandler> {
  return {
    async greet(request, ctx: HandlerContext) {
      observed.requestHeaders = ctx.requestHeaders;
      observed.peerPort = ctx.peer.port;
      observed.deadline = ctx.deadline;
      switch (request.name) {
        case "error":
          ctx.responseHeaders.set("x-header", "before the error");
          ctx.responseTrailers.set("x-trailer", "with the error");
          throw new TripleError(Code.FAILED_PRECONDITION, "failed ✗ 100%", {
            details: [detail],
            metadata: { "x-error-meta": "yes", "x-error-bin": encodeBinaryHeader(Uint8Array.of(0, 1, 255)) },
          });
        case "metadata":
          ctx.responseHeaders.set("x-header", ctx.requestHeaders.get("x-user") ?? "none");
          ctx.responseTrailers.set("x-trailer", "trailer value");
          ctx.responseTrailers.set("x-trailer-bin", encodeBinaryHeader(Uint8Array.of(9, 8, 7)));
          return { greeting: "metadata" };
        case "slow":
          observed.started = true;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 10_000);
            ctx.signal.addEventListener("abort", () => {
              observed.abortReason = ctx.signal.reason;
              clearTimeout(timer);
              resolve();
            });
          });
          return { greeting: "slow" };
        case "long":
          return { greeting: "long ".repeat(1000) };
        default:
          return { greeting: request.name };
      }
    },
  };
}

const variants: { label: string; options: Pick<ClientOptions, "httpVersion" | "codec"> }[] = [
  { label: "HTTP/1.1, proto", options: { httpVersion: "1.1", codec: "proto" } },
  { label: "HTTP/1.1, JSON", options: { httpVersion: "1.1", codec: "json" } },
  { label: "HTTP/2, proto", options: { httpVersion: "2", codec: "proto" } },
  { label: "HTTP/2, JSON", options: { httpVersion: "2", codec: "json" } },
];

describe.each(variants)("our client (protocol: triple, $label) → our server", ({ options }) => {
  const e2e = useE2E();
  let observed: Observed;

  const setup = async (serverOptions: Parameters<typeof e2e.start>[0] = {}, clientOptions: Omit<ClientOptions, "baseUrl"> = {}) => {
    observed = {};
    const server = await e2e.start({ ...serverOptions, handler: tripleHandler(observed) });
    const client = e2e.client(server, { protocol: "triple", ...options, ...clientOptions });
    return { server, client };
  };

  it("unary call succeeds, on the Triple-unary wire (bare body, no gRPC headers)", async () => {
    const { client } = await setup();
    expect(await client.greet({ name: "triple ✓" })).toEqual({ greeting: "triple ✓" });
    const headers = observed.requestHeaders;
    expect(headers?.get("content-type")).toBe(options.codec === "json" ? "application/json" : "application/proto");
    expect(headers?.get("triple-protocol-version")).toBe("0.1.0");
    expect(headers?.get("tri-protocol-version")).toBe("1.0.0");
    expect(headers?.has("te")).toBe(false);
    expect(headers?.has("grpc-timeout")).toBe(false);
    // Sequential calls reuse the connection (keep-alive on HTTP/1.1, the session on HTTP/2).
    const ports = new Set<number | undefined>();
    for (let i = 0; i < 5; i++) {
      expect(await client.greet({ name: `n${i}` })).toEqual({ greeting: `n${i}` });
      ports.add(observed.peerPort);
    }
    expect(ports.size).toBe(1);
    // Concurrent ones all succeed (HTTP/1.1 opens more connections, HTTP/2 multiplexes).
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.greet({ name: `c${i}` })));
    expect(replies.map((r) => r.greeting)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
  });

  it("errors carry code, message, details and metadata (headers and trailers)", async () => {
    const { client } = await setup();
    const error = await expectCode(client.greet({ name: "error" }), Code.FAILED_PRECONDITION);
    expect(error.rawMessage).toBe("failed ✗ 100%");
    expect(error.details).toEqual([detail]);
    expect(error.metadata.get("x-error-meta")).toBe("yes");
    expect(error.metadata.get("x-error-bin")).toBe(encodeBinaryHeader(Uint8Array.of(0, 1, 255)));
    expect(error.metadata.get("x-header")).toBe("before the error");
    expect(error.metadata.get("x-trailer")).toBe("with the error");
  });

  it("request metadata, response headers via onHeader and trailers via onTrailer", async () => {
    const { client } = await setup();
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const reply = await client.greet({ name: "metadata" }, { headers: { "x-user": "me" }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) });
    expect(reply).toEqual({ greeting: "metadata" });
    expect(header?.get("x-header")).toBe("me");
    expect(header?.has("trailer-x-trailer")).toBe(false);
    expect(trailer?.get("x-trailer")).toBe("trailer value");
    expect(trailer?.get("x-trailer-bin")).toBe(encodeBinaryHeader(Uint8Array.of(9, 8, 7)));
  });

  it("group and version select the implementation", async () => {
    observed = {};
    const server = await e2e.start({
      handler: tripleHandler(observed),
      extra: [{ handler: { greet: (request) => ({ greeting: `v2 ${request.name}` }) }, registration: { group: "g", version: "2.0.0" } }],
    });
    const plain = e2e.client(server, { protocol: "triple", ...options });
    const versioned = e2e.client(server, { protocol: "triple", ...options, group: "g", version: "2.0.0" });
    const missing = e2e.client(server, { protocol: "triple", ...options, group: "g", version: "3.0.0" });
    expect(await plain.greet({ name: "x" })).toEqual({ greeting: "x" });
    expect(await versioned.greet({ name: "x" })).toEqual({ greeting: "v2 x" });
    const error = await expectCode(missing.greet({ name: "x" }), Code.UNIMPLEMENTED);
    expect(error.rawMessage).toBe("no implementation found for service group g and service version 3.0.0");
  });

  it("timeout: both timeout headers are sent, the handler has the deadline, the call fails with DEADLINE_EXCEEDED", async () => {
    const { client } = await setup();
    const started = Date.now();
    await expectCode(client.greet({ name: "slow" }, { timeoutMs: 300 }), Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(observed.requestHeaders?.get("triple-timeout-ms")).toBe("300");
    expect(observed.requestHeaders?.get("tri-service-timeout")).toBe("300");
    expect(observed.deadline).toBeGreaterThan(started + 200);
    expect(observed.deadline).toBeLessThanOrEqual(started + 400);
    // Whichever comes first, the server's own deadline or the client giving up, ends the handler.
    expect(await eventually(() => observed.abortReason !== undefined)).toBe(true);
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain((observed.abortReason as TripleError).code);
    // The client still works afterwards.
    expect(await client.greet({ name: "after" })).toEqual({ greeting: "after" });
  });

  it("a timeout beyond the timeout headers' 10 digits is sent clamped and does not fire at once", async () => {
    const { client } = await setup();
    expect(await client.greet({ name: "x" }, { timeoutMs: 1e12 })).toEqual({ greeting: "x" });
    expect(observed.requestHeaders?.get("triple-timeout-ms")).toBe("9999999999");
  });

  it("cancellation via signal: the call fails with CANCELLED and the handler is aborted", async () => {
    const { client } = await setup();
    const controller = new AbortController();
    const call = client.greet({ name: "slow" }, { signal: controller.signal });
    expect(await eventually(() => observed.started === true)).toBe(true);
    controller.abort();
    await expectCode(call, Code.CANCELLED);
    expect(await eventually(() => observed.abortReason !== undefined)).toBe(true);
    expect((observed.abortReason as TripleError).code).toBe(Code.CANCELLED);
    // An already aborted signal fails at once, without a request.
    observed.requestHeaders = undefined;
    await expectCode(client.greet({ name: "x" }, { signal: AbortSignal.abort() }), Code.CANCELLED);
    expect(observed.requestHeaders).toBeUndefined();
    expect(await client.greet({ name: "after" })).toEqual({ greeting: "after" });
  });

  it("gzip: compressed request body and compressed response", async () => {
    const { client } = await setup({ options: { compressMinBytes: 64 } }, { sendCompression: "gzip" });
    let header: Headers | undefined;
    expect(await client.greet({ name: "long" }, { onHeader: (h) => (header = h) })).toEqual({ greeting: "long ".repeat(1000) });
    expect(observed.requestHeaders?.get("content-encoding")).toBe("gzip");
    expect(observed.requestHeaders?.get("accept-encoding")).toContain("gzip");
    expect(header?.get("content-encoding")).toBe("gzip");
    expect(Number(header?.get("content-length"))).toBeLessThan(200);
  });

  it("receive limits: the client's (also after gunzip) and the server's → RESOURCE_EXHAUSTED", async () => {
    const { server, client } = await setup({ options: { maxReceiveMessageBytes: 1000 } }, { maxReceiveMessageBytes: 1000 });
    await expectCode(client.greet({ name: "long" }), Code.RESOURCE_EXHAUSTED);
    const tooBig = await expectCode(client.greet({ name: "x".repeat(5000) }), Code.RESOURCE_EXHAUSTED);
    expect(tooBig.rawMessage).toBe("request body exceeds the maximum of 1000 bytes");
    const zipped = await e2e.start({ handler: tripleHandler(observed), options: { compressMinBytes: 0 } });
    const zippedClient = e2e.client(zipped, { protocol: "triple", ...options, maxReceiveMessageBytes: 1000 });
    await expectCode(zippedClient.greet({ name: "long" }), Code.RESOURCE_EXHAUSTED);
    expect(await client.greet({ name: "fits" })).toEqual({ greeting: "fits" });
    expect(server.port).toBeGreaterThan(0);
  });

  it("streaming methods keep using gRPC over HTTP/2", async () => {
    const { client } = await setup();
    expect((await collect(client.greetServerStream({ name: "s" }))).map((r) => r.greeting)).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4"]);
    const upload = client.greetClientStream();
    await upload.send({ name: "a" });
    await upload.send({ name: "b" });
    expect(await upload.closeAndRecv()).toEqual({ greeting: "a,b" });
  });
});

// ---------------------------------------------------------------------------------------------------
// Error dialects, from raw servers.

/** One canned Triple-unary error answer, in a given implementation's dialect. */
interface Dialect {
  readonly name: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly code: Code;
  readonly message: string;
  readonly details?: readonly { typeUrl: string; value: Uint8Array }[];
}

/** `NOT_FOUND` for 5, … */
function codeName(code: number): string {
  return Object.entries(Code).find(([, value]) => value === code)?.[0] ?? String(code);
}

const detailValue = Buffer.from(detail.value).toString("base64").replace(/=+$/, "");

const dialects: readonly Dialect[] = [
  {
    name: 'dubbo-go {"code":"not_found"}',
    status: 404,
    contentType: "application/json",
    body: JSON.stringify({ code: "not_found", message: "x", details: [{ type: "greet.GreetResponse", value: detailValue, debug: { greeting: "detail ✓" } }] }),
    code: Code.NOT_FOUND,
    message: "x",
    details: [detail],
  },
  { name: 'dubbo-js {"status":5}', status: 404, contentType: "application/json", body: JSON.stringify({ status: 5, message: "x" }), code: Code.NOT_FOUND, message: "x" },
  {
    name: 'dubbo-java {"status":"404"} (code from the HTTP status)',
    status: 404,
    contentType: "application/json",
    body: JSON.stringify({ status: "404", message: "x" }),
    code: Code.UNIMPLEMENTED,
    message: "x",
  },
  { name: "a non-JSON 503 body", status: 503, contentType: "text/plain", body: "upstream connect error", code: Code.UNAVAILABLE, message: "HTTP status 503" },
  { name: "an empty 401", status: 401, contentType: "text/plain", body: "", code: Code.UNAUTHENTICATED, message: "HTTP status 401" },
];

/** What a raw server received. */
interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe("our client (protocol: triple) reads all three error dialects", () => {
  const e2e = useE2E();

  const answer = (dialect: Dialect | undefined, received: Received[]) => (headers: Received["headers"], body: Buffer) => {
    received.push({ headers, body });
    if (dialect === undefined) return { status: 200, contentType: "application/proto", body: Buffer.from(GreetResponse.encode({ greeting: "raw ok" })) };
    return { status: dialect.status, contentType: dialect.contentType, body: Buffer.from(dialect.body) };
  };

  /** A node:http server answering every request with `respond`; closed after the test. */
  async function http1Server(respond: ReturnType<typeof answer>): Promise<string> {
    const server = createHttp1Server((request, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const reply = respond(request.headers as Http1Headers, Buffer.concat(chunks));
        response.writeHead(reply.status, { "content-type": reply.contentType, "content-length": reply.body.length });
        response.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    e2e.defer(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A node:http2 server (h2c) answering every stream with `respond`; closed after the test. */
  async function http2Server(respond: ReturnType<typeof answer>): Promise<string> {
    const raw = await e2e.rawServer((stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const reply = respond(headers, Buffer.concat(chunks));
        stream.respond({ ":status": reply.status, "content-type": reply.contentType, "content-length": reply.body.length });
        stream.end(reply.body);
      });
    });
    return raw.baseUrl;
  }

  for (const httpVersion of ["1.1", "2"] as const) {
    const serve = httpVersion === "1.1" ? http1Server : http2Server;

    it(`HTTP/${httpVersion}: the request is a bare message with both timeout and both version headers`, async () => {
      const received: Received[] = [];
      const baseUrl = await serve(answer(undefined, received));
      const client = e2e.client(baseUrl, { protocol: "triple", httpVersion, group: "grp", version: "1.2.3" });
      expect(await client.greet({ name: "bare" }, { timeoutMs: 5_000, headers: { "x-user": "me" } })).toEqual({ greeting: "raw ok" });
      const [request] = received;
      expect(request?.headers["content-type"]).toBe("application/proto");
      expect(request?.headers["triple-protocol-version"]).toBe("0.1.0");
      expect(request?.headers["tri-protocol-version"]).toBe("1.0.0");
      expect(Number(request?.headers["triple-timeout-ms"])).toBeGreaterThan(4_000);
      expect(request?.headers["tri-service-timeout"]).toBe(request?.headers["triple-timeout-ms"]);
      expect(request?.headers["tri-service-group"]).toBe("grp");
      expect(request?.headers["tri-service-version"]).toBe("1.2.3");
      expect(request?.headers["x-user"]).toBe("me");
      expect(request?.headers["te"]).toBeUndefined();
      expect(GreetRequest.decode(request?.body ?? Buffer.alloc(0))).toEqual({ name: "bare" });
    });

    for (const dialect of dialects) {
      it(`HTTP/${httpVersion}: ${dialect.name} → ${codeName(dialect.code)}`, async () => {
        const baseUrl = await serve(answer(dialect, []));
        const client = e2e.client(baseUrl, { protocol: "triple", httpVersion, codec: "json" });
        const error = await expectCode(client.greet({ name: "x" }), dialect.code);
        expect(error.rawMessage).toBe(dialect.message);
        expect(error.details).toEqual(dialect.details ?? []);
        expect(error.metadata.get("content-type")).toBe(dialect.contentType);
      });
    }
  }

  it("nothing listening → UNAVAILABLE (HTTP/1.1 and HTTP/2)", async () => {
    // A port that was just free: bind it, note it, close it again.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const unused = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    for (const httpVersion of ["1.1", "2"] as const) {
      const client = e2e.client(unused, { protocol: "triple", httpVersion });
      await expectCode(client.greet({ name: "x" }), Code.UNAVAILABLE);
    }
  });
});
