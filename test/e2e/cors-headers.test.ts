// The `cors` server option on real sockets (preflight and actual responses, HTTP/1.1 and HTTP/2, every
// protocol), and `ctx.sendHeaders()`: response headers before the first message.
import { request as http1Request } from "node:http";
import type { IncomingHttpHeaders } from "node:http2";
import { describe, expect, it } from "vitest";
import { deferred, envelope, useE2E, withTimeout, type E2EServer } from "../support/e2e.js";
import { GreetRequest, GreetServerStreamRequest } from "../../snapshots/services/greet.js";

const e2e = useE2E();
const origin = "https://app.example.com";

function h1(server: E2EServer, method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http1Request({ host: "127.0.0.1", port: server.port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

function h2(server: E2EServer, headers: Record<string, string>, body?: Uint8Array): Promise<IncomingHttpHeaders> {
  const stream = e2e.connect(server).request(headers);
  return new Promise((resolve, reject) => {
    stream.on("response", (h) => {
      stream.resume();
      stream.on("end", () => resolve(h));
    });
    stream.on("error", reject);
    stream.end(body === undefined ? undefined : Buffer.from(body));
  });
}

describe("CORS", () => {
  const preflight = { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, connect-protocol-version, x-user" };

  it("is off by default: OPTIONS is 405 and responses carry no Access-Control header", async () => {
    const server = await e2e.start();
    const answer = await h1(server, "OPTIONS", "/greet.GreetService/Greet", preflight);
    expect(answer.status).toBe(405);
    const call = await h1(server, "POST", "/greet.GreetService/Greet", { origin, "content-type": "application/proto", "connect-protocol-version": "1" }, GreetRequest.encode({ name: "a" }));
    expect(call.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers preflights for allowed origins (HTTP/1.1 and HTTP/2) and refuses others with 403", async () => {
    const server = await e2e.start({ options: { cors: { allowedOrigins: [origin], allowCredentials: true, maxAgeSeconds: 600, allowedHeaders: ["x-user"] } } });
    const answer = await h1(server, "OPTIONS", "/greet.GreetService/Greet", preflight);
    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBe(origin);
    expect(answer.headers["access-control-allow-credentials"]).toBe("true");
    expect(answer.headers["access-control-max-age"]).toBe("600");
    expect(answer.headers["access-control-allow-methods"]).toContain("POST");
    expect(answer.headers["access-control-allow-headers"]).toContain("x-user");
    expect(answer.headers["access-control-allow-headers"]).toContain("connect-protocol-version");
    const overH2 = await h2(server, { ":method": "OPTIONS", ":path": "/greet.GreetService/Greet", ...preflight });
    expect(overH2[":status"]).toBe(204);
    const denied = await h1(server, "OPTIONS", "/greet.GreetService/Greet", { ...preflight, origin: "https://evil.example" });
    expect(denied.status).toBe(403);
    expect(denied.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("actual responses of every protocol expose the status, encoding and metadata headers (trailers as headers too)", async () => {
    const server = await e2e.start({
      options: { cors: { allowedOrigins: "*", exposedHeaders: ["x-extra"] } },
      handler: {
        greet: (request, ctx) => {
          ctx.responseHeaders.set("x-head", "1");
          ctx.responseTrailers.set("x-tail", "2");
          return { greeting: request.name };
        },
      },
    });
    const unary = await h1(server, "POST", "/greet.GreetService/Greet", { origin, "content-type": "application/proto", "connect-protocol-version": "1" }, GreetRequest.encode({ name: "a" }));
    expect(unary.status).toBe(200);
    expect(unary.headers["access-control-allow-origin"]).toBe("*");
    const exposed = String(unary.headers["access-control-expose-headers"]).split(", ");
    expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin", "connect-content-encoding", "x-extra", "x-head", "trailer-x-tail"]));
    const web = await h2(server, { ":method": "POST", ":path": "/greet.GreetService/GreetServerStream", origin, "content-type": "application/grpc-web+proto" }, envelope(GreetServerStreamRequest.encode({ name: "w" })));
    expect(web[":status"]).toBe(200);
    expect(web["access-control-allow-origin"]).toBe("*");
    expect(String(web["access-control-expose-headers"])).toContain("grpc-status");
    const connect = await h1(server, "POST", "/greet.GreetService/GreetServerStream", { origin, "content-type": "application/connect+proto" }, envelope(GreetServerStreamRequest.encode({ name: "c" })));
    expect(connect.headers["access-control-allow-origin"]).toBe("*");
  });

  it("rejects invalid options when the server is created", async () => {
    await expect(e2e.start({ options: { cors: { allowedOrigins: ["not an origin"] } } })).rejects.toThrow(/not an origin/);
  });
});

describe("ctx.sendHeaders()", () => {
  it("sends response headers before the first message, on gRPC and on Connect streams", async () => {
    const release = deferred<void>();
    const server = await e2e.start({
      handler: {
        async greetServerStream(request, stream, ctx) {
          ctx.responseHeaders.set("x-early", "yes");
          ctx.sendHeaders();
          await release.promise;
          await stream.send({ greeting: request.name });
        },
      },
    });
    const session = e2e.connect(server);
    for (const contentType of ["application/grpc+proto", "application/connect+proto"]) {
      const stream = session.request({ ":method": "POST", ":path": "/greet.GreetService/GreetServerStream", "content-type": contentType, te: "trailers" });
      stream.end(Buffer.from(envelope(GreetServerStreamRequest.encode({ name: "e" }))));
      const headers = await withTimeout(new Promise<IncomingHttpHeaders>((resolve) => stream.once("response", resolve)), 3_000, "early headers");
      expect(headers["x-early"]).toBe("yes");
      expect(headers[":status"]).toBe(200);
      stream.resume();
      const closed = new Promise((resolve) => stream.once("close", resolve));
      release.resolve(); // the first call's message waits for this: its headers came alone
      await closed;
    }
  });
});
