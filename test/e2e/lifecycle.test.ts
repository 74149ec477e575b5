// Server and client lifecycle: graceful close drains in-flight calls, calls after close fail
// UNAVAILABLE, a restarted server is reconnected to, and a forced close ends what is left.
import { describe, expect, it } from "vitest";
import { Code, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { deferred, expectCode, sleep, useE2E, withTimeout } from "../support/e2e.js";

const e2e = useE2E();

/** A greet handler that holds every call until `release()`; `started` resolves when one is held. */
function gate() {
  const started = deferred<void>();
  const released = deferred<void>();
  return {
    started: started.promise,
    release: () => released.resolve(),
    greet: async (request: { name: string }) => {
      started.resolve();
      await released.promise;
      return { greeting: request.name };
    },
  };
}

describe("graceful close", () => {
  it("drains an in-flight call, then closes", async () => {
    const hold = gate();
    const target = await e2e.start({ handler: { greet: hold.greet } });
    const client = e2e.client(target);
    const inflight = client.greet({ name: "in flight" });
    await hold.started;
    let closed = false;
    const closing = target.server.close().then(() => (closed = true));
    await sleep(100);
    expect(closed).toBe(false); // still draining
    hold.release();
    expect((await inflight).greeting).toBe("in flight");
    await withTimeout(closing, 2_000, "server.close()");
    expect(closed).toBe(true);
  });

  it("drains an in-flight stream that keeps sending", async () => {
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream) {
          for (let i = 0; i < 10; i++) {
            await stream.send({ greeting: String(i) });
            await sleep(20);
          }
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "" });
    expect((await stream.recv()).greeting).toBe("0");
    const closing = target.server.close();
    const rest: string[] = [];
    for await (const reply of stream) rest.push(reply.greeting);
    expect(rest).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    await withTimeout(closing, 2_000, "server.close()");
  });

  it("fails calls started after close() with UNAVAILABLE", async () => {
    const hold = gate();
    const target = await e2e.start({ handler: { greet: hold.greet } });
    const client = e2e.client(target);
    const inflight = client.greet({ name: "first" });
    await hold.started;
    const closing = target.server.close();
    // Immediately after close(): on the draining connection (GOAWAY) or a new one (refused).
    await expectCode(client.greet({ name: "right after" }), Code.UNAVAILABLE);
    hold.release();
    expect((await inflight).greeting).toBe("first");
    await closing;
    // After the close: the old client and a new one both fail to connect.
    await expectCode(client.greet({ name: "after" }), Code.UNAVAILABLE);
    await expectCode(e2e.client(target).greet({ name: "new client" }), Code.UNAVAILABLE);
    await expectCode(e2e.client(target).greetServerStream({ name: "" }).recv(), Code.UNAVAILABLE);
  });

  it("ends calls still running after graceMs: the handler's signal aborts, the client fails", async () => {
    const aborted = deferred<unknown>();
    const target = await e2e.start({
      handler: {
        greet: (_, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener("abort", () => {
              aborted.resolve(ctx.signal.reason);
              reject(ctx.signal.reason as Error);
            });
          }),
      },
    });
    const outcome = expectCode(e2e.client(target).greet({ name: "stuck" }), Code.UNAVAILABLE);
    await sleep(50);
    const started = Date.now();
    await withTimeout(target.server.close({ graceMs: 100 }), 2_000, "forced server.close()");
    expect(Date.now() - started).toBeGreaterThanOrEqual(75); // the grace, less its last 20 ms (the cut)
    expect(((await aborted.promise) as TripleError).code).toBe(Code.UNAVAILABLE);
    expect((await outcome).rawMessage).toBe("server is shutting down");
  });

  it("a forced close also ends a stream whose client stopped reading", async () => {
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream) {
          for (;;) await stream.send({ greeting: "x".repeat(64 * 1024) }); // until flow control blocks, then fails
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "" });
    await stream.recv();
    await sleep(100); // the client does not read: windows and queues fill up
    await withTimeout(target.server.close({ graceMs: 50 }), 2_000, "forced server.close()");
    const error = await (async () => {
      for (;;) await stream.recv();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TripleError);
    expect((error as TripleError).code).not.toBe(Code.OK);
  });
});

describe("reconnect", () => {
  it("reconnects to a restarted server on the next call", async () => {
    const first = await e2e.start({ handler: { greet: () => ({ greeting: "first server" }) } });
    const client = e2e.client(first);
    expect((await client.greet({ name: "" })).greeting).toBe("first server");
    await first.server.close();
    await expectCode(client.greet({ name: "" }), Code.UNAVAILABLE);
    await e2e.start({ port: first.port, handler: { greet: () => ({ greeting: "second server" }) } });
    expect((await client.greet({ name: "" })).greeting).toBe("second server");
    expect((await client.greet({ name: "" })).greeting).toBe("second server");
  });

  it("replaces a connection the server dropped without GOAWAY", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    expect((await client.greet({ name: "a" })).greeting).toBe("a");
    // Forced close with no calls in flight: sockets are destroyed.
    await target.server.close({ graceMs: 0 });
    const again = await e2e.start({ port: target.port });
    expect((await e2e.client(again).greet({ name: "fresh" })).greeting).toBe("fresh");
    expect((await client.greet({ name: "b" })).greeting).toBe("b");
  });
});

describe("client close", () => {
  it("waits for in-flight calls, then refuses new ones with UNAVAILABLE", async () => {
    const hold = gate();
    const target = await e2e.start({ handler: { greet: hold.greet } });
    const client = e2e.client(target);
    const inflight = client.greet({ name: "x" });
    await hold.started;
    let closed = false;
    const closing = client.close().then(() => (closed = true));
    await sleep(50);
    expect(closed).toBe(false);
    hold.release();
    expect((await inflight).greeting).toBe("x");
    await withTimeout(closing, 2_000, "client.close()");
    await expectCode(client.greet({ name: "y" }), Code.UNAVAILABLE);
  });
});
