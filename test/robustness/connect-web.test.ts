// Bad input on the Connect and gRPC-Web paths, over real sockets (raw node:http2 and node:http peers):
// every limit and check of the gRPC path answers in the protocol's own shape (Connect: an end-stream
// message with the error, or a Connect JSON error and its HTTP status for unary/GET; gRPC-Web: the
// trailer frame), never a crash or a hang, and the server keeps serving afterwards.
import { request as http1Request } from "node:http";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { envelope, greetLookupMethod, rawRequest, unframe, useE2E, type E2EServer } from "../support/e2e.js";
import { GreetRequest, GreetServerStreamRequest, GreetServerStreamResponse } from "../../snapshots/services/greet.js";
import { serveUnary } from "../../snapshots/services/tristub/server/server-handlers.js";

const e2e = useE2E();

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One HTTP/1.1 request on its own connection (no keep-alive), the whole response collected. */
function h1(server: E2EServer, method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http1Request({ host: "127.0.0.1", port: server.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

const connectStream = (extra: Record<string, string> = {}) => ({ "content-type": "application/connect+proto", ...extra });
const webStream = (extra: Record<string, string> = {}) => ({ "content-type": "application/grpc-web+proto", ...extra });
const hello = GreetServerStreamRequest.encode({ name: "x" });

/** The end-stream JSON of a Connect streaming body (its last envelope, flag 0x02). */
function endStream(body: Uint8Array): { error?: { code: string; message?: string }; metadata?: Record<string, string[]> } {
  const frames = unframe(body);
  const last = frames[frames.length - 1];
  expect(last?.flags).toBe(2);
  return JSON.parse(Buffer.from(last?.data ?? new Uint8Array()).toString("utf8"));
}

/** The trailers of a gRPC-Web body (its last frame, flag 0x80). */
function webTrailers(body: Uint8Array): Record<string, string> {
  const frames = unframe(body);
  const last = frames[frames.length - 1];
  expect(last?.flags).toBe(0x80);
  const out: Record<string, string> = {};
  for (const line of Buffer.from(last?.data ?? new Uint8Array()).toString("utf8").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

async function expectServing(server: E2EServer): Promise<void> {
  const ok = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream(), envelope(hello));
  expect(ok.status).toBe(200);
  expect(endStream(ok.body).error).toBeUndefined();
}

describe("Connect streaming and gRPC-Web refuse bad input in their own shape", () => {
  it("a declared message length over the limit: resource_exhausted before the payload is buffered (both protocols, both HTTP versions)", async () => {
    const server = await e2e.start({ options: { maxReceiveMessageBytes: 1024 } });
    const huge = new Uint8Array(5);
    huge[1] = 0x7f; // declares ~2 GiB; nothing of it is sent
    const connect = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream(), huge);
    expect(connect.status).toBe(200);
    expect(endStream(connect.body).error?.code).toBe("resource_exhausted");
    const web = await rawRequest(e2e.connect(server), { ":method": "POST", ":path": "/greet.GreetService/GreetServerStream", ...webStream() }, huge);
    expect(web.headers[":status"]).toBe(200);
    expect(webTrailers(web.body)["grpc-status"]).toBe("8");
    await expectServing(server);
  });

  it("a gzip bomb (connect-content-encoding gzip, inflating past the limit): resource_exhausted", async () => {
    const server = await e2e.start({ options: { maxReceiveMessageBytes: 64 * 1024 } });
    const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024));
    const reply = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream({ "connect-content-encoding": "gzip" }), envelope(bomb, 1));
    expect(endStream(reply.body).error?.code).toBe("resource_exhausted");
    await expectServing(server);
  });

  it("an unknown compression: unimplemented, naming what the server supports", async () => {
    const server = await e2e.start();
    const connect = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream({ "connect-content-encoding": "br" }), envelope(hello, 1));
    const error = endStream(connect.body).error;
    expect(error?.code).toBe("unimplemented");
    expect(error?.message).toContain("gzip");
    const web = await h1(server, "POST", "/greet.GreetService/GreetServerStream", webStream({ "grpc-encoding": "br" }), envelope(hello, 1));
    expect(webTrailers(web.body)["grpc-status"]).toBe("12");
  });

  it("bad envelope flags and a truncated envelope: an error status, not a hang", async () => {
    const server = await e2e.start();
    const flagged = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream(), envelope(hello, 0x04));
    expect(endStream(flagged.body).error?.code).toBeDefined();
    const truncated = await h1(server, "POST", "/greet.GreetService/GreetClientStream", connectStream(), envelope(hello).subarray(0, 4));
    expect(endStream(truncated.body).error?.code).toBeDefined();
    const webTruncated = await h1(server, "POST", "/greet.GreetService/GreetClientStream", webStream(), envelope(hello).subarray(0, 7));
    expect(webTrailers(webTruncated.body)["grpc-status"]).not.toBe("0");
    await expectServing(server);
  });

  it("grpc-web-text with bad base64: invalid_argument in the (base64) trailer frame", async () => {
    const server = await e2e.start();
    const reply = await h1(server, "POST", "/greet.GreetService/GreetServerStream", { "content-type": "application/grpc-web-text" }, Buffer.from("AAAA*not base64*"));
    expect(reply.headers["content-type"]).toBe("application/grpc-web-text+proto");
    expect(webTrailers(Buffer.from(reply.body.toString("latin1"), "base64"))["grpc-status"]).toBe("3");
    const good = await h1(server, "POST", "/greet.GreetService/GreetServerStream", { "content-type": "application/grpc-web-text" }, Buffer.from(Buffer.from(envelope(hello)).toString("base64")));
    const frames = unframe(new Uint8Array(Buffer.from(good.body.toString("latin1"), "base64")));
    expect(frames.filter((f) => f.flags === 0).map((f) => GreetServerStreamResponse.decode(f.data).greeting)).toEqual(["x-0", "x-1", "x-2", "x-3", "x-4"]);
  });

  it("connect-timeout-ms: a bad value is invalid_argument, an expired one deadline_exceeded", async () => {
    const server = await e2e.start({
      handler: {
        async greetServerStream(_request, _stream, ctx) {
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        },
      },
    });
    const bad = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream({ "connect-timeout-ms": "soon" }), envelope(hello));
    expect(endStream(bad.body).error?.code).toBe("invalid_argument");
    const late = await h1(server, "POST", "/greet.GreetService/GreetServerStream", connectStream({ "connect-timeout-ms": "100" }), envelope(hello));
    expect(endStream(late.body).error?.code).toBe("deadline_exceeded");
  });

  it("an unknown method: unimplemented in the body; a Connect stream content type on a unary method: 415; bidi over HTTP/1.1: 505", async () => {
    const server = await e2e.start();
    const unknown = await h1(server, "POST", "/greet.GreetService/Nope", connectStream(), envelope(hello));
    expect(endStream(unknown.body).error?.code).toBe("unimplemented");
    const unary = await h1(server, "POST", "/greet.GreetService/Greet", connectStream(), envelope(hello));
    expect(unary.status).toBe(415);
    const bidi = await h1(server, "POST", "/greet.GreetService/GreetStream", connectStream(), envelope(hello));
    expect(bidi.status).toBe(505);
    await expectServing(server);
  });
});

describe("Connect unary POST and GET", () => {
  const idempotent = greetLookupMethod;
  const start = async (): Promise<E2EServer> => {
    const server = await e2e.start({ options: { maxReceiveMessageBytes: 1024 } });
    server.server.register([serveUnary(idempotent, (request, ctx) => ({ name: `${request.name} via ${ctx.requestHeaders.get("x-via") ?? "?"}` }))]);
    return server;
  };
  const query = (message: Uint8Array, extra = ""): string => `/greet.GreetService/Lookup?connect=v1&encoding=proto&base64=1${extra}&message=${Buffer.from(message).toString("base64url")}`;

  it("GET serves a NO_SIDE_EFFECTS method (proto and JSON, compressed or not); errors are Connect JSON with Connect statuses", async () => {
    const server = await start();
    const ok = await h1(server, "GET", query(GreetRequest.encode({ name: "g" })), { "x-via": "get" });
    expect(ok.status).toBe(200);
    expect(GreetRequest.decode(ok.body).name).toBe("g via get");
    const json = await h1(server, "GET", `/greet.GreetService/Lookup?connect=v1&encoding=json&message=${encodeURIComponent('{"name":"j"}')}`, {});
    expect(JSON.parse(json.body.toString())).toEqual({ name: "j via ?" });
    const gz = await h1(server, "GET", query(gzipSync(GreetRequest.encode({ name: "z" })), "&compression=gzip"), {});
    expect(GreetRequest.decode(gz.body).name).toBe("z via ?");
    const badBase64 = await h1(server, "GET", "/greet.GreetService/Lookup?connect=v1&encoding=proto&base64=1&message=***", {});
    expect(badBase64.status).toBe(400);
    expect(JSON.parse(badBase64.body.toString())).toMatchObject({ code: "invalid_argument" });
    const tooBig = await h1(server, "GET", query(new Uint8Array(2048)), {});
    expect(JSON.parse(tooBig.body.toString())).toMatchObject({ code: "resource_exhausted" });
    const bomb = await h1(server, "GET", query(gzipSync(new Uint8Array(1024 * 1024)), "&compression=gzip"), {});
    expect(JSON.parse(bomb.body.toString())).toMatchObject({ code: "resource_exhausted" });
    const unknownCompression = await h1(server, "GET", query(hello, "&compression=br"), {});
    expect(JSON.parse(unknownCompression.body.toString())).toMatchObject({ code: "unimplemented" });
    const notIdempotent = await h1(server, "GET", query(hello).replace("Lookup", "Greet"), {});
    expect(notIdempotent.status).toBe(405);
  });

  it("POST with connect-protocol-version gets Connect errors; without it, Triple errors (the numeric status dubbo-js reads)", async () => {
    const server = await start();
    const connect = await h1(server, "POST", "/greet.GreetService/Nope", { "content-type": "application/proto", "connect-protocol-version": "1" }, hello);
    expect(connect.status).toBe(404);
    expect(JSON.parse(connect.body.toString())).toEqual({ code: "unimplemented", message: "unknown method /greet.GreetService/Nope" });
    const triple = await h1(server, "POST", "/greet.GreetService/Nope", { "content-type": "application/proto" }, hello);
    expect(JSON.parse(triple.body.toString())).toMatchObject({ code: "unimplemented", status: 12 });
    const badVersion = await h1(server, "POST", "/greet.GreetService/Greet", { "content-type": "application/proto", "connect-protocol-version": "2" }, hello);
    expect(badVersion.status).toBe(400);
    const badTimeout = await h1(server, "POST", "/greet.GreetService/Greet", { "content-type": "application/proto", "connect-protocol-version": "1", "connect-timeout-ms": "-1" }, hello);
    expect(JSON.parse(badTimeout.body.toString())).toMatchObject({ code: "invalid_argument" });
  });
});
