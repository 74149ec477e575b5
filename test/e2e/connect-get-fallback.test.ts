// Connect unary GET (`useHttpGet`) with a request too long for a URL: above `maxGetUrlBytes` (default
// 4096) the call is sent as a POST instead, as connect-go's client falls back. Against tristub's own
// server (a NO_SIDE_EFFECTS method, which serves GET and POST; the handler tells them apart by the
// content type only a POST has) and @connectrpc/connect-node (test/connect-node-server), over HTTP/2
// and HTTP/1.1.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse } from "../../snapshots/services/greet.js";
import { closeClientConfig, createClientConfig, type ClientOptions } from "../../snapshots/services/tristub/client/client-options.js";
import { callUnary } from "../../snapshots/services/tristub/client/client-streams.js";
import { serveUnary } from "../../snapshots/services/tristub/server/server-handlers.js";
import type { MethodInfo } from "../../snapshots/services/tristub-runtime.js";
import { startConnectNodeServer, type ConnectNodeServer } from "../connect-node-server/server.js";
import { useE2E, type E2EServer } from "../support/e2e.js";

const e2e = useE2E();

/** A GreetService unary method marked NO_SIDE_EFFECTS (what `useHttpGet` needs to send a GET). */
const readOnly = (name: string): MethodInfo<GreetRequest, GreetResponse> =>
  ({
    service: "greet.GreetService",
    name,
    path: `/greet.GreetService/${name}`,
    kind: "unary",
    idempotency: "no_side_effects",
    input: GreetRequest,
    output: GreetResponse,
  }) as unknown as MethodInfo<GreetRequest, GreetResponse>;
/** Served by tristub's server in these tests (GreetService has no NO_SIDE_EFFECTS method). */
const lookup = readOnly("Lookup");

/** Calls `method` once with a fresh client; returns the response and its headers. */
async function call(
  baseUrl: string,
  http: "2" | "1.1",
  name: string,
  options: Partial<ClientOptions> = {},
  method = lookup,
): Promise<{ greeting: string; headers: Headers }> {
  const config = createClientConfig({ baseUrl, protocol: "connect", httpVersion: http, useHttpGet: true, ...options });
  let headers = new Headers();
  try {
    const response = await callUnary(config, method, { name }, { onHeader: (h) => (headers = h) });
    return { greeting: response.greeting, headers };
  } finally {
    await closeClientConfig(config);
  }
}

describe.each(["2", "1.1"] as const)("Connect GET fallback to POST over HTTP/%s", (http) => {
  async function start(): Promise<E2EServer> {
    const server = await e2e.start();
    // The method reports how it was called: a GET carries no content type.
    server.server.register([serveUnary(lookup, (request, ctx) => ({ greeting: `${ctx.requestHeaders.get("content-type") ?? "GET"} ${request.name.length}` }))]);
    return server;
  }

  it("tristub's server: short requests go as GET, longer ones than maxGetUrlBytes (default 4096) as POST", async () => {
    const server = await start();
    expect((await call(server.baseUrl, http, "short")).greeting).toBe("GET 5");
    // ~2.6 KiB of base64url: under the default.
    expect((await call(server.baseUrl, http, "a".repeat(1900))).greeting).toBe("GET 1900");
    // ~54 KiB as a GET: past the default and past the server's 32 KiB header limit.
    expect((await call(server.baseUrl, http, "b".repeat(40_000))).greeting).toBe("application/proto 40000");
    // A smaller limit moves the line.
    expect((await call(server.baseUrl, http, "c".repeat(100), { maxGetUrlBytes: 100 })).greeting).toBe("application/proto 100");
    expect((await call(server.baseUrl, http, "c".repeat(100), { maxGetUrlBytes: 400 })).greeting).toBe("GET 100");
  });

  it("without the fallback (a limit above the server's), the long GET fails: the fallback is what makes it work", async () => {
    const server = await start();
    await expect(call(server.baseUrl, http, "b".repeat(40_000), { maxGetUrlBytes: 1_000_000 })).rejects.toThrow();
  });
});

describe.each(["2", "1.1"] as const)("Connect GET fallback against connect-node over HTTP/%s", (http) => {
  let peer: ConnectNodeServer;
  beforeAll(async () => {
    peer = await startConnectNodeServer(http);
  });
  afterAll(() => peer.close());

  it("a request too long for a GET is POSTed and answered", async () => {
    const name = "n".repeat(20_000);
    const reply = await call(peer.baseUrl, http, name, {}, readOnly("Greet"));
    expect(reply.greeting).toBe(name);
    expect(reply.headers.get("x-seen-content-type")).toBe("application/proto");
    // As a GET (no fallback), connect-node refuses it (its Greet is not NO_SIDE_EFFECTS, and over
    // HTTP/1.1 the request line is past node:http's header limit too).
    await expect(call(peer.baseUrl, http, name, { maxGetUrlBytes: 1_000_000 }, readOnly("Greet"))).rejects.toThrow();
  });
});

it("maxGetUrlBytes must be a positive number", () => {
  expect(() => createClientConfig({ baseUrl: "http://127.0.0.1:1", protocol: "connect", useHttpGet: true, maxGetUrlBytes: 0 })).toThrow(TypeError);
});
