// Server limits that the e2e suite does not exercise: each option must really take effect —
// maxConcurrentStreams (SETTINGS, enforced per connection), idleTimeoutMs (idle HTTP/2 connections
// and silent TCP connections are closed; busy ones are not cut), and the Triple-unary HTTP/1.1 body
// size (maxReceiveMessageBytes), refused before the body is buffered.
import { request as httpRequest } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { GreetRequest } from "../../snapshots/services/greet.js";
import { Code, isEnded } from "../../snapshots/services/tristub-runtime.js";
import { deferred, envelope, eventually, grpcHeaders, rawRequest, sleep, useE2E, withTimeout } from "../support/e2e.js";
import { expectAlive, statusOf } from "../support/robustness.js";

const e2e = useE2E();

/** A plain TCP connection to the server, destroyed after the test. */
async function tcp(port: number): Promise<Socket> {
  const socket = netConnect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  e2e.defer(() => socket.destroy());
  await new Promise((resolve) => socket.once("connect", resolve));
  return socket;
}

describe("maxConcurrentStreams", () => {
  it("caps the calls one connection runs at once; the others wait and then complete", async () => {
    let running = 0;
    let peak = 0;
    const release = deferred<void>();
    const target = await e2e.start({
      options: { maxConcurrentStreams: 2 },
      handler: {
        async greet(request) {
          running++;
          peak = Math.max(peak, running);
          await release.promise;
          running--;
          return { greeting: request.name };
        },
      },
    });
    const client = e2e.client(target);
    const calls = Array.from({ length: 6 }, (_, i) => client.greet({ name: String(i) }));
    await eventually(() => running === 2);
    await sleep(100);
    expect(running).toBe(2); // the other four wait for a stream slot
    release.resolve();
    expect((await Promise.all(calls)).map((r) => r.greeting)).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(peak).toBe(2);
    // A second connection has its own slots.
    expect(e2e.created("TCPWRAP")).toBe(2);
  });
});

describe("a long-lived connection", () => {
  // Resetting a stream both sides had ended counts as an invalid frame to node:http2, which ends the
  // connection with INTERNAL_ERROR after 1,000 of them: the client did so after every call.
  it("serves 1,500 sequential calls of every kind on one connection", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    for (let i = 0; i < 1_500; i++) {
      const name = String(i);
      switch (i % 4) {
        case 0:
          expect((await client.greet({ name })).greeting).toBe(name);
          break;
        case 1: {
          let count = 0;
          for await (const reply of client.greetServerStream({ name })) count += reply.greeting.startsWith(name) ? 1 : 0;
          expect(count).toBe(5);
          break;
        }
        case 2: {
          const upload = client.greetClientStream();
          await upload.send({ name });
          expect((await upload.closeAndRecv()).greeting).toBe(name);
          break;
        }
        default: {
          const bidi = client.greetStream();
          await bidi.send({ name });
          expect((await bidi.recv()).greeting).toBe(name);
          bidi.closeRequest();
          await expect(bidi.recv()).rejects.toSatisfy(isEnded);
        }
      }
    }
    for (let i = 0; i < 1_500; i++) await client.greet({ name: "more unary" }, { timeoutMs: 5_000 });
    expect(e2e.created("TCPWRAP")).toBe(2); // one connection: client and server socket
  });
});

describe("idleTimeoutMs", () => {
  it("closes an idle HTTP/2 connection gracefully; the client reconnects on its next call", async () => {
    const ports: number[] = [];
    const target = await e2e.start({
      options: { idleTimeoutMs: 200 },
      handler: {
        greet(request, ctx) {
          ports.push(ctx.peer.port ?? 0);
          return { greeting: request.name };
        },
      },
    });
    const session = e2e.connect(target);
    const goaway = deferred<number>();
    session.once("goaway", (code) => goaway.resolve(code));
    expect(statusOf(await rawRequest(session, grpcHeaders("Greet"), envelope(GreetRequest.encode({ name: "a" }))))).toBe("0");
    const started = Date.now();
    expect(await withTimeout(goaway.promise, 2_000, "GOAWAY of the idle connection")).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);

    const client = e2e.client(target);
    await expectAlive(client, "first");
    await sleep(400); // idle: the server closes this connection
    await expectAlive(client, "after idle");
    expect(ports).toHaveLength(3);
    expect(ports[2]).not.toBe(ports[1]); // a new connection
  });

  it("does not cut a call that is quiet for longer than the idle timeout", async () => {
    const target = await e2e.start({
      options: { idleTimeoutMs: 150 },
      handler: {
        async greetServerStream(request, stream) {
          await stream.send({ greeting: "before" });
          await sleep(500);
          await stream.send({ greeting: "after" });
        },
      },
    });
    const replies: string[] = [];
    for await (const reply of e2e.client(target).greetServerStream({ name: "" })) replies.push(reply.greeting);
    expect(replies).toEqual(["before", "after"]);
  });

  it("closes TCP connections that send nothing, or only part of the HTTP/2 preface", async () => {
    const target = await e2e.start({ options: { idleTimeoutMs: 200 } });
    const silent = await tcp(target.port);
    const partial = await tcp(target.port);
    partial.write("PR");
    const closed = (socket: Socket): Promise<void> => new Promise((resolve) => socket.once("close", () => resolve()));
    const started = Date.now();
    await withTimeout(Promise.all([closed(silent), closed(partial)]), 2_000, "closing silent connections");
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expectAlive(e2e.client(target));
  });

  it("is disabled by 0", async () => {
    const target = await e2e.start({ options: { idleTimeoutMs: 0 } });
    const silent = await tcp(target.port);
    await sleep(300);
    expect(silent.destroyed).toBe(false);
  });
});

describe("HTTP/1.1 body size (Triple-unary)", () => {
  /** POSTs to Greet over HTTP/1.1; `body` is written as given, the request ended only if `end`. */
  function post(port: number, headers: Record<string, string | number>, body: Uint8Array, end: boolean) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port, method: "POST", path: "/greet.GreetService/Greet", headers: { "content-type": "application/proto", ...headers }, agent: false },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      e2e.defer(() => req.destroy());
      req.write(body);
      if (end) req.end();
    });
  }

  it("refuses a body over maxReceiveMessageBytes with 413, from content-length or as chunks arrive", async () => {
    const target = await e2e.start({ options: { maxReceiveMessageBytes: 1_000 } });
    const declared = await post(target.port, { "content-length": 5_000 }, new Uint8Array(100), false);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ code: "resource_exhausted" });
    // Chunked, no length: refused once 1,000 bytes arrived, while the upload is still open.
    const chunked = await withTimeout(post(target.port, { "transfer-encoding": "chunked" }, new Uint8Array(2_000), false), 2_000, "refusing a chunked upload");
    expect(chunked.status).toBe(413);
    const small = await post(target.port, {}, GreetRequest.encode({ name: "x".repeat(900) }), true);
    expect(small.status).toBe(200);
    await expectAlive(e2e.client(target));
    expect(Code.RESOURCE_EXHAUSTED).toBe(8);
  });
});
