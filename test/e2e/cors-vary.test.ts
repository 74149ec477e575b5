// CORS and HTTP caches, on real sockets: when the CORS answer depends on the request's Origin (a list
// of origins, a predicate, "*" with credentials), every response says `Vary: Origin` — responses to
// requests without an Origin too, which a shared cache could otherwise serve to a browser page of an
// allowed origin without its CORS headers. With "*" and no credentials the answer does not depend on
// the Origin: every response carries `Access-Control-Allow-Origin: *` and no Vary.
import { request as http1Request } from "node:http";
import type { IncomingHttpHeaders } from "node:http2";
import { describe, expect, it } from "vitest";
import { GreetRequest } from "../../snapshots/services/greet.js";
import type { CorsOptions } from "../../snapshots/services/tristub-runtime.js";
import { envelope, grpcHeaders, rawRequest, useE2E, type E2EServer } from "../support/e2e.js";

const e2e = useE2E();
const app = "https://app.example.com";

function h1(server: E2EServer, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http1Request(
      { host: "127.0.0.1", port: server.port, method: "POST", path: "/greet.GreetService/Greet", headers: { "content-type": "application/proto", "connect-protocol-version": "1", ...headers }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end(Buffer.from(GreetRequest.encode({ name: "v" })));
  });
}

/** The response HEADERS of a gRPC call over HTTP/2 with `extra` request headers. */
async function h2(server: E2EServer, extra: Record<string, string>): Promise<IncomingHttpHeaders> {
  const reply = await rawRequest(e2e.connect(server), grpcHeaders("Greet", extra), envelope(GreetRequest.encode({ name: "v" })));
  return reply.headers;
}

/** Policies whose answer depends on the Origin, and whether they allow https://evil.example. */
const dependent: [string, CorsOptions, boolean][] = [
  ["a list of origins", { allowedOrigins: [app] }, false],
  ["a predicate", { allowedOrigins: (origin) => origin === app }, false],
  ['"*" with credentials', { allowedOrigins: "*", allowCredentials: true }, true],
];

describe.each(dependent)("CORS with %s", (_, cors, allowsEvil) => {
  it("says Vary: Origin on every response: without an Origin, from another one, and from an allowed one (HTTP/1.1 and HTTP/2)", async () => {
    const server = await e2e.start({ options: { cors } });
    for (const [what, headers] of [
      ["no Origin", {}],
      ["another Origin", { origin: "https://evil.example" }],
      ["an allowed Origin", { origin: app }],
    ] as const) {
      const one = await h1(server, headers);
      expect(one.status, what).toBe(200);
      expect(one.headers["vary"], `HTTP/1.1, ${what}`).toBe("Origin");
      const two = await h2(server, headers);
      expect(two[":status"], what).toBe(200);
      expect(two["vary"], `HTTP/2, ${what}`).toBe("Origin");
      const origin = "origin" in headers ? headers.origin : undefined;
      const allowed = origin === app || (origin !== undefined && allowsEvil);
      expect(one.headers["access-control-allow-origin"], what).toBe(allowed ? origin : undefined);
      expect(two["access-control-allow-origin"], what).toBe(allowed ? origin : undefined);
    }
  });
});

describe('CORS with "*" and no credentials', () => {
  it("sends Access-Control-Allow-Origin: * on every response, with or without an Origin, and no Vary", async () => {
    const server = await e2e.start({ options: { cors: { allowedOrigins: "*" } } });
    for (const headers of [{}, { origin: app }]) {
      const one = await h1(server, headers);
      expect(one.headers["access-control-allow-origin"]).toBe("*");
      expect(String(one.headers["access-control-expose-headers"])).toContain("grpc-status");
      expect(one.headers["vary"]).toBeUndefined();
      const two = await h2(server, headers);
      expect(two["access-control-allow-origin"]).toBe("*");
      expect(two["vary"]).toBeUndefined();
    }
  });
});

describe("CORS and a handler's own Vary", () => {
  it("adds Origin to the Vary the handler set instead of replacing it (HTTP/1.1 and HTTP/2)", async () => {
    const server = await e2e.start({
      options: { cors: { allowedOrigins: [app] } },
      handler: {
        greet: (request, ctx) => {
          ctx.responseHeaders.set("vary", "accept-language");
          return { greeting: request.name };
        },
      },
    });
    for (const headers of [{}, { origin: app }]) {
      expect((await h1(server, headers)).headers["vary"]).toBe("accept-language, Origin");
      expect((await h2(server, headers))["vary"]).toBe("accept-language, Origin");
    }
  });
});
