// client.close() always settles: idle connections end at once, calls in flight get `closeGraceMs` to
// finish and are then cancelled (CANCELLED), whatever state they are in — a bidi call left open, a
// half-closed call whose responses nobody reads, a Triple-unary call the server never answers. And a
// baseUrl's path is put before every method path, on every protocol; unix:///path targets work.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerGreetService } from "../../snapshots/services/greet.js";
import { Code, createTripleServer } from "../../snapshots/services/tristub-runtime.js";
import { deferred, echoHandler, expectCode, sleep, useE2E, withTimeout } from "../support/e2e.js";

const e2e = useE2E();

describe("client.close()", () => {
  it("settles at once when the client is idle", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    expect((await client.greet({ name: "a" })).greeting).toBe("a");
    const started = Date.now();
    await withTimeout(client.close(), 1_000, "close() of an idle client");
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("lets a call in flight finish within the grace period", async () => {
    const release = deferred<void>();
    const target = await e2e.start({ handler: { greet: async (r) => (await release.promise, { greeting: r.name }) } });
    const client = e2e.client(target, { closeGraceMs: 5_000 });
    const inflight = client.greet({ name: "slow" });
    await sleep(50);
    const closing = client.close();
    await sleep(100);
    release.resolve();
    expect((await inflight).greeting).toBe("slow");
    await withTimeout(closing, 2_000, "close() after the call finished");
  });

  it("cancels a bidi call left open once the grace period is over", async () => {
    const target = await e2e.start();
    const client = e2e.client(target, { closeGraceMs: 200 });
    const bidi = client.greetStream();
    await bidi.send({ name: "x" });
    expect((await bidi.recv()).greeting).toBe("x");
    const started = Date.now();
    await withTimeout(client.close(), 3_000, "close() with an open bidi call");
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expectCode(bidi.recv(), Code.CANCELLED);
  });

  it("settles with a half-closed bidi call whose responses are never read", async () => {
    const target = await e2e.start({
      handler: {
        async greetStream(stream) {
          for await (const request of stream) for (let i = 0; i < 2_000; i++) await stream.send({ greeting: `${request.name}${i}`.repeat(50) });
        },
      },
    });
    const client = e2e.client(target, { closeGraceMs: 300 });
    const bidi = client.greetStream();
    await bidi.send({ name: "flood" });
    bidi.closeRequest();
    await sleep(100);
    await withTimeout(client.close(), 3_000, "close() with an undrained bidi call");
  });

  it("cancels a Triple-unary call the server never answers", async () => {
    const target = await e2e.start({ handler: { greet: () => new Promise(() => undefined) } });
    for (const httpVersion of ["2", "1.1"] as const) {
      const client = e2e.client(target, { protocol: "triple", httpVersion, closeGraceMs: 200 });
      // The call fails while close() runs: its outcome is taken at once (no unhandled rejection).
      const outcome = client.greet({ name: "never" }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await sleep(50);
      await withTimeout(client.close(), 3_000, `close() over HTTP/${httpVersion}`);
      await expectCode(Promise.reject(await outcome), Code.CANCELLED);
    }
    await target.server.close({ graceMs: 0 });
  });
});

describe("baseUrl with a path", () => {
  it("is put before the method path for gRPC and Triple-unary over HTTP/2 and HTTP/1.1", async () => {
    const target = await e2e.start();
    const seen: string[] = [];
    const raw = await e2e.rawServer((stream, headers) => {
      seen.push(String(headers[":path"]));
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "nope" }, { endStream: true });
    });
    const grpc = e2e.client(`${raw.baseUrl}/some/prefix/`);
    await expectCode(grpc.greet({ name: "a" }), Code.UNIMPLEMENTED);
    const stream = grpc.greetServerStream({ name: "a" });
    await expectCode(stream.recv(), Code.UNIMPLEMENTED);
    expect(seen).toEqual(["/some/prefix/greet.GreetService/Greet", "/some/prefix/greet.GreetService/GreetServerStream"]);
    // Against the tristub server the prefixed path is unknown, and the error names it.
    for (const protocol of ["grpc", "triple"] as const) {
      for (const httpVersion of protocol === "grpc" ? (["2"] as const) : (["2", "1.1"] as const)) {
        const client = e2e.client(`${target.baseUrl}/api`, { protocol, httpVersion });
        const error = await expectCode(client.greet({ name: "a" }), Code.UNIMPLEMENTED);
        expect(error.rawMessage, `${protocol} over HTTP/${httpVersion}`).toContain("/api/greet.GreetService/Greet");
      }
    }
  });
});

describe("unix:///path targets", () => {
  it("serve gRPC (all kinds) and Triple-unary over HTTP/2 and HTTP/1.1 on a Unix domain socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tristub-unix-"));
    e2e.defer(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "greet.sock");
    const server = createTripleServer();
    registerGreetService(server, echoHandler);
    await server.listen({ path });
    e2e.defer(() => server.close({ graceMs: 0 }));
    for (const options of [{}, { protocol: "triple", httpVersion: "2" }, { protocol: "triple", httpVersion: "1.1" }] as const) {
      const client = e2e.client(`unix://${path}`, options);
      expect((await client.greet({ name: "unix" })).greeting).toBe("unix");
    }
    const client = e2e.client(`unix://${path}`);
    const replies: string[] = [];
    for await (const reply of client.greetServerStream({ name: "s" })) replies.push(reply.greeting);
    expect(replies.length).toBeGreaterThan(0);
    expect(() => e2e.client("unix:///")).toThrow(/names no socket path/);
  });
});
