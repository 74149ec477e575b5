// grpc.health.v1.Health as the generated `serveHealth` serves it (examples/streaming/gen, generated with
// --health): Check, List and Watch over real sockets with tristub's own client and with @grpc/grpc-js,
// per-service status changes, NOT_SERVING as close() begins, and bad input.
import { connect } from "node:http2";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, test } from "vitest";
import { registerGreetService } from "../../examples/streaming/gen/greet.js";
import { createHealthClient, HealthCheckResponse_ServingStatus as Status, type HealthClient } from "../../examples/streaming/gen/grpc/health/v1/health.js";
import { serveHealth } from "../../examples/streaming/gen/tristub-health.js";
import { Code, createTripleServer, type ServerHealth, type TripleError, type TripleServer } from "../../examples/streaming/gen/tristub-runtime.js";
import { greetTripleServer } from "../../examples/streaming/greet-handler.js";
import { envelope, rawRequest, unframe, useE2E } from "../support/e2e.js";
import { repoRoot } from "../support/fixtures.js";

const e2e = useE2E();

interface Started {
  server: TripleServer;
  health: ServerHealth;
  baseUrl: string;
  port: number;
  client: HealthClient;
}

async function start(): Promise<Started> {
  const server = createTripleServer();
  registerGreetService(server, greetTripleServer);
  const health = serveHealth(server);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${port}`;
  const client = createHealthClient({ baseUrl });
  e2e.defer(() => client.close());
  e2e.defer(() => server.close({ graceMs: 1_000 }));
  return { server, health, baseUrl, port, client };
}

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as TripleError).code;
  }
  throw new Error("the call should have failed");
}

describe("grpc.health.v1.Health, tristub client", () => {
  test("Check: the whole server is SERVING, a set service has its status, an unknown one is NOT_FOUND", async () => {
    const { health, client } = await start();
    expect(await client.check({ service: "" })).toEqual({ status: Status.SERVING });
    expect(await codeOf(client.check({ service: "greet.GreetService" }))).toBe(Code.NOT_FOUND);
    health.setStatus("greet.GreetService", "NOT_SERVING");
    expect(await client.check({ service: "greet.GreetService" })).toEqual({ status: Status.NOT_SERVING });
    health.setStatus("greet.GreetService", "SERVING");
    expect((await client.check({ service: "greet.GreetService" })).status).toBe(Status.SERVING);
    expect(health.getStatus("greet.GreetService")).toBe("SERVING");
    health.clearStatus("greet.GreetService");
    expect(await codeOf(client.check({ service: "greet.GreetService" }))).toBe(Code.NOT_FOUND);
    expect(() => health.setStatus("x", "SERVICE_UNKNOWN" as "SERVING")).toThrow(/cannot set status SERVICE_UNKNOWN/);
  });

  test("List: every service with its status; RESOURCE_EXHAUSTED past maxListedServices", async () => {
    const { health, client } = await start();
    health.setStatus("greet.GreetService", "SERVING");
    health.setStatus("other.Service", "NOT_SERVING");
    const listed = await client.list({});
    expect(Object.fromEntries(Object.entries(listed.statuses).map(([k, v]) => [k, v.status]))).toEqual({
      "": Status.SERVING,
      "greet.GreetService": Status.SERVING,
      "other.Service": Status.NOT_SERVING,
    });
    for (let i = 0; i < 100; i++) health.setStatus(`svc.S${i}`, "SERVING");
    const error = await client.list({}).catch((e: TripleError) => e);
    expect(error).toMatchObject({ code: Code.RESOURCE_EXHAUSTED, rawMessage: "server health list exceeds maximum capacity: 100" });
  });

  test("Watch: the current status, then each change; SERVICE_UNKNOWN for an unknown service, not an error", async () => {
    const { health, client } = await start();
    const watch = client.watch({ service: "greet.GreetService" });
    expect((await watch.recv()).status).toBe(Status.SERVICE_UNKNOWN);
    health.setStatus("greet.GreetService", "SERVING");
    expect((await watch.recv()).status).toBe(Status.SERVING);
    health.setStatus("greet.GreetService", "SERVING"); // no change: nothing is sent
    health.setStatus("greet.GreetService", "NOT_SERVING");
    expect((await watch.recv()).status).toBe(Status.NOT_SERVING);
    health.clearStatus("greet.GreetService");
    expect((await watch.recv()).status).toBe(Status.SERVICE_UNKNOWN);
    expect(health.watcherCount).toBe(1);
    watch.close(); // the client cancels: the server forgets the watcher
    await expect.poll(() => health.watcherCount, { timeout: 2_000 }).toBe(0);
  });

  test("close() turns every service NOT_SERVING, Watch streams see it and end; later changes are ignored", async () => {
    const { server, health, client } = await start();
    health.setStatus("greet.GreetService", "SERVING");
    const whole = client.watch({ service: "" });
    const greet = client.watch({ service: "greet.GreetService" });
    expect((await whole.recv()).status).toBe(Status.SERVING);
    expect((await greet.recv()).status).toBe(Status.SERVING);
    const t0 = performance.now();
    const closed = server.close({ graceMs: 3_000 });
    expect((await whole.recv()).status).toBe(Status.NOT_SERVING);
    expect((await greet.recv()).status).toBe(Status.NOT_SERVING);
    expect(await codeOf(whole.recv())).toBe(Code.UNAVAILABLE);
    expect(await codeOf(greet.recv())).toBe(Code.UNAVAILABLE);
    await closed;
    // The streams ended at once, so close() did not wait for its grace to cut them off.
    expect(performance.now() - t0).toBeLessThan(2_000);
    health.setStatus("greet.GreetService", "SERVING");
    expect(health.getStatus("greet.GreetService")).toBe("NOT_SERVING");
    expect(health.watcherCount).toBe(0);
  });

  test("many watchers, fast changes: each ends on the latest status, none is left behind", async () => {
    const { health, client } = await start();
    const watches = Array.from({ length: 20 }, () => client.watch({ service: "s" }));
    for (const w of watches) expect((await w.recv()).status).toBe(Status.SERVICE_UNKNOWN);
    for (let i = 0; i < 50; i++) health.setStatus("s", i % 2 === 0 ? "SERVING" : "NOT_SERVING");
    for (const w of watches) {
      let last = -1;
      while (last !== Status.NOT_SERVING) last = (await w.recv()).status;
      w.close();
    }
    await expect.poll(() => health.watcherCount, { timeout: 2_000 }).toBe(0);
  });

  test("Check over Triple-unary (a plain HTTP/1.1 JSON POST, e.g. from a load balancer's HTTP probe)", async () => {
    const { baseUrl, health } = await start();
    const post = (service: string) =>
      fetch(`${baseUrl}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ service }) });
    const ok = await post("");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "SERVING" });
    health.setStatus("greet.GreetService", "NOT_SERVING");
    expect(await (await post("greet.GreetService")).json()).toEqual({ status: "NOT_SERVING" });
    const unknown = await post("nope");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "not_found", message: "unknown service" });
  });

  test("bad input: malformed Check and Watch requests get INVALID_ARGUMENT-class codes, the server goes on", async () => {
    const { port, client } = await start();
    const session = connect(`http://127.0.0.1:${port}`);
    e2e.defer(() => new Promise<void>((resolve) => session.close(() => resolve())));
    session.on("error", () => undefined);
    const headers = (path: string) => ({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    const garbage = envelope(Uint8Array.of(0x0a, 0xff, 0xff, 0xff)); // field 1, a length past the end
    for (const method of ["Check", "Watch", "List"]) {
      const response = await rawRequest(session, headers(`/grpc.health.v1.Health/${method}`), garbage);
      const trailers = response.trailers ?? response.headers;
      expect(Number(trailers["grpc-status"]), `${method}: ${String(trailers["grpc-message"])}`).toBe(Code.INVALID_ARGUMENT);
      expect(unframe(response.body)).toEqual([]);
    }
    // A wrong UTF-8 service name is a decode error too, and an unknown method UNIMPLEMENTED.
    const badUtf8 = await rawRequest(session, headers("/grpc.health.v1.Health/Check"), envelope(Uint8Array.of(0x0a, 0x02, 0xc3, 0x28)));
    expect(Number((badUtf8.trailers ?? badUtf8.headers)["grpc-status"])).toBe(Code.INVALID_ARGUMENT);
    const unknown = await rawRequest(session, headers("/grpc.health.v1.Health/Nope"), envelope(new Uint8Array(0)));
    expect(Number((unknown.trailers ?? unknown.headers)["grpc-status"])).toBe(Code.UNIMPLEMENTED);
    expect((await client.check({ service: "" })).status).toBe(Status.SERVING);
  });
});

describe("grpc.health.v1.Health, @grpc/grpc-js client (loaded from tristub's bundled health.proto)", () => {
  const definition = protoLoader.loadSync(join(repoRoot, "generator/protos/grpc/health/v1/health.proto"), { keepCase: true, enums: String });
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & Record<string, Function> } } };
  };

  test("Check, List, Watch (with a change and with the server closing), NOT_FOUND", async () => {
    const { server, health, port } = await start();
    const client = new proto.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    e2e.defer(() => client.close());
    const unary = (method: string, request: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) =>
        client[method]!(request, (error: grpc.ServiceError | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response))),
      );
    expect(await unary("Check", { service: "" })).toEqual({ status: "SERVING" });
    const notFound = await unary("Check", { service: "nope" }).catch((e: grpc.ServiceError) => e);
    expect(notFound).toMatchObject({ code: grpc.status.NOT_FOUND, details: "unknown service" });
    health.setStatus("greet.GreetService", "NOT_SERVING");
    expect(await unary("List", {})).toEqual({ statuses: { "": { status: "SERVING" }, "greet.GreetService": { status: "NOT_SERVING" } } });

    const stream = client["Watch"]!({ service: "greet.GreetService" }) as grpc.ClientReadableStream<{ status: string }>;
    const seen: string[] = [];
    const ended = new Promise<grpc.StatusObject>((resolve) => {
      stream.on("data", (message: { status: string }) => {
        seen.push(message.status);
        if (seen.length === 1) health.setStatus("greet.GreetService", "SERVING");
        if (seen.length === 2) void server.close({ graceMs: 2_000 });
      });
      stream.on("error", () => undefined);
      stream.on("status", resolve);
    });
    const status = await ended;
    expect(seen).toEqual(["NOT_SERVING", "SERVING", "NOT_SERVING"]);
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
  });
});
