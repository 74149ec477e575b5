// Connect/Triple unary answers that must always come, on real sockets: a response compressor that
// throws is answered with INTERNAL in the protocol's own shape on every unary path (HTTP/1.1 POST and
// GET through `serveTripleUnary`, HTTP/2 GET through it too, HTTP/2 POST through the lean
// `ServerTripleUnaryCall`), reported to `onError`, and the server keeps serving; a Connect GET with an
// unknown `encoding=` (415) or of a streaming method (505) is refused without closing the HTTP/1.1
// keep-alive connection; a response that comes after the call was already answered (deadline) is
// neither encoded nor compressed.
import { Agent, request as http1Request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { GreetRequest } from "../../snapshots/services/greet.js";
import { serveUnary } from "../../snapshots/services/tristub/server/server-handlers.js";
import { nodeGzip } from "../../snapshots/services/tristub/transport/node/gzip.js";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { expectCode, greetLookupMethod, rawRequest, sleep, useE2E, withTimeout, type E2EServer, type StartOptions } from "../support/e2e.js";

const e2e = useE2E();

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly reusedSocket: boolean;
}

/** One HTTP/1.1 request (through `agent` when given, else on its own connection), the whole response collected. */
function h1(server: E2EServer, method: string, path: string, headers: Record<string, string>, body?: Uint8Array, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http1Request({ host: "127.0.0.1", port: server.port, method, path, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

/** A NO_SIDE_EFFECTS unary method (GET allowed), echoing the request. */
const lookup = greetLookupMethod;

const getQuery = (name: string, encoding = "proto"): string =>
  `/greet.GreetService/Lookup?connect=v1&encoding=${encoding}&base64=1&message=${Buffer.from(GreetRequest.encode({ name })).toString("base64url")}`;

async function startLookup(options: StartOptions = {}): Promise<E2EServer> {
  const server = await e2e.start(options);
  server.server.register([serveUnary(lookup, (request) => ({ name: `seen ${request.name}` }))]);
  return server;
}

describe("a response compressor that throws", () => {
  const original = nodeGzip.compress;
  afterEach(() => {
    nodeGzip.compress = original;
  });

  it("gets INTERNAL in the protocol's shape on every unary path, reported to onError; nothing hangs, the server keeps serving", async () => {
    const reported: unknown[] = [];
    const server = await startLookup({ options: { compressMinBytes: 0, onError: (error) => reported.push(error) } });
    const boom = new Error("compressor exploded");
    nodeGzip.compress = () => {
      throw boom;
    };
    const post = GreetRequest.encode({ name: "p" });
    const accept = { "accept-encoding": "gzip" };
    // HTTP/1.1 (serveTripleUnary): Triple POST, Connect POST, Connect GET.
    const triple = await withTimeout(h1(server, "POST", "/greet.GreetService/Lookup", { ...accept, "content-type": "application/proto" }, post), 3_000, "Triple POST over HTTP/1.1");
    expect(triple.status).toBe(500);
    expect(JSON.parse(triple.body.toString())).toMatchObject({ code: "internal", status: Code.INTERNAL });
    const connect = await withTimeout(
      h1(server, "POST", "/greet.GreetService/Lookup", { ...accept, "content-type": "application/proto", "connect-protocol-version": "1" }, post),
      3_000,
      "Connect POST over HTTP/1.1",
    );
    expect(connect.status).toBe(500);
    expect(JSON.parse(connect.body.toString())).toEqual({ code: "internal", message: "could not compress the response (gzip)" });
    const get = await withTimeout(h1(server, "GET", getQuery("g"), accept), 3_000, "Connect GET over HTTP/1.1");
    expect(get.status).toBe(500);
    expect(JSON.parse(get.body.toString())).toMatchObject({ code: "internal" });
    // HTTP/2: GET (serveTripleUnary) and POST (the lean ServerTripleUnaryCall).
    const session = e2e.connect(server);
    const h2Get = await withTimeout(rawRequest(session, { ":method": "GET", ":path": getQuery("g2"), ...accept }, new Uint8Array(0)), 3_000, "Connect GET over HTTP/2");
    expect(h2Get.headers[":status"]).toBe(500);
    expect(JSON.parse(Buffer.from(h2Get.body).toString())).toMatchObject({ code: "internal" });
    const h2Post = await withTimeout(
      rawRequest(session, { ":method": "POST", ":path": "/greet.GreetService/Lookup", "content-type": "application/proto", "connect-protocol-version": "1", ...accept }, post),
      3_000,
      "Connect POST over HTTP/2",
    );
    expect(h2Post.headers[":status"]).toBe(500);
    expect(JSON.parse(Buffer.from(h2Post.body).toString())).toEqual({ code: "internal", message: "could not compress the response (gzip)" });
    // The generated client (Connect over HTTP/2) gets the error too.
    await expectCode(withTimeout(e2e.client(server, { protocol: "connect" }).greet({ name: "c" }), 3_000, "client call"), Code.INTERNAL);
    expect(reported.length).toBe(6);
    expect(reported.every((error) => error === boom)).toBe(true);
    // Compression works again: the same paths answer, compressed.
    nodeGzip.compress = original;
    const ok = await h1(server, "GET", getQuery("again"), accept);
    expect(ok.status).toBe(200);
    expect(ok.headers["content-encoding"]).toBe("gzip");
    expect(GreetRequest.decode(gunzipSync(ok.body)).name).toBe("seen again");
  });
});

describe("a handler that answers after its deadline", () => {
  const original = nodeGzip.compress;
  afterEach(() => {
    nodeGzip.compress = original;
  });

  it("is not compressed (nor reported) once the deadline answered the call, on the HTTP/1.1 and HTTP/2 paths", async () => {
    const reported: unknown[] = [];
    let compressed = 0;
    nodeGzip.compress = (payload) => {
      compressed++;
      return original(payload);
    };
    const server = await e2e.start({ options: { compressMinBytes: 0, onError: (error) => reported.push(error) } });
    let returned = 0;
    server.server.register([
      serveUnary(lookup, async (request) => {
        await sleep(300);
        returned++;
        return { name: request.name.repeat(100) };
      }),
    ]);
    const headers = { "content-type": "application/proto", "connect-protocol-version": "1", "connect-timeout-ms": "50", "accept-encoding": "gzip" };
    const body = GreetRequest.encode({ name: "late" });
    const http1 = await withTimeout(h1(server, "POST", "/greet.GreetService/Lookup", headers, body), 3_000, "Connect POST over HTTP/1.1");
    expect(http1.status).toBe(504);
    expect(JSON.parse(http1.body.toString())).toMatchObject({ code: "deadline_exceeded" });
    const http2 = await withTimeout(rawRequest(e2e.connect(server), { ":method": "POST", ":path": "/greet.GreetService/Lookup", ...headers }, body), 3_000, "Connect POST over HTTP/2");
    expect(http2.headers[":status"]).toBe(504);
    await sleep(400);
    expect(returned).toBe(2); // both handlers did return their (large) responses
    expect(compressed).toBe(0);
    expect(reported).toEqual([]);
  });
});

describe("Connect GET with an unknown encoding, or of a streaming method", () => {
  it("is refused (415, 505) and keeps the HTTP/1.1 keep-alive connection for the next request", async () => {
    const server = await startLookup();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    e2e.defer(() => agent.destroy());
    const refused = await h1(server, "GET", getQuery("x", "xml"), {}, undefined, agent);
    expect(refused.status).toBe(415);
    expect(refused.headers["connection"]).not.toBe("close");
    const next = await h1(server, "GET", getQuery("y"), {}, undefined, agent);
    expect(next.status).toBe(200);
    expect(GreetRequest.decode(next.body).name).toBe("seen y");
    expect(next.reusedSocket).toBe(true);
    // So is a GET of a streaming method (505: streams need HTTP/2).
    const streaming = await h1(server, "GET", getQuery("s").replace("/Lookup?", "/GreetServerStream?"), {}, undefined, agent);
    expect(streaming.status).toBe(505);
    expect(streaming.headers["connection"]).not.toBe("close");
    const after = await h1(server, "GET", getQuery("z"), {}, undefined, agent);
    expect(after.status).toBe(200);
    expect(after.reusedSocket).toBe(true);
    // A POST with an unknown content type still closes: its body was not read.
    const post = await h1(server, "POST", "/greet.GreetService/Lookup", { "content-type": "application/xml" }, new Uint8Array(8), agent);
    expect(post.status).toBe(415);
    expect(post.headers["connection"]).toBe("close");
  });
});
