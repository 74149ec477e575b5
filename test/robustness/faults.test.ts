// Faults: a server process killed mid-stream (UNAVAILABLE at once, reconnect after a restart),
// GOAWAY while calls are in flight, refused streams (replayed transparently), a client that vanishes
// mid-stream, shutdown with calls that finish and calls that never do, and handlers that never
// settle or return garbage.
import { spawn, type ChildProcess } from "node:child_process";
import { connect, constants, type Http2Session } from "node:http2";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GreetServerStreamRequest, GreetStreamRequest, GreetResponse } from "../../snapshots/services/greet.js";
import { Code, isEnded, TripleError, type TripleServer } from "../../snapshots/services/tristub-runtime.js";
import { deferred, envelope, eventually, expectCode, grpcHeaders, sleep, unframe, useE2E, withTimeout } from "../support/e2e.js";
import { repoRoot } from "../support/fixtures.js";
import { expectAlive } from "../support/robustness.js";

const e2e = useE2E();

/** The live HTTP/2 sessions and calls in flight of a TripleServer (private fields, read for white-box checks). */
function internals(server: TripleServer): { sessions: Set<Http2Session>; calls: { readonly size: number } } {
  const inside = server as unknown as { sessions: Set<Http2Session>; dispatcher: { lifecycle: { readonly size: number } } };
  return { sessions: inside.sessions, calls: inside.dispatcher.lifecycle };
}

/** Starts `examples/streaming/server.ts` in its own process (node --import tsx); killed after the test. */
async function startExample(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", join("examples", "streaming", "server.ts"), "--port", String(port)], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  e2e.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match !== null) resolve(Number(match[1]));
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`example server exited (${code}): ${output}`)));
  });
  return { child, port: await withTimeout(listening, 15_000, "starting the example server") };
}

/** Kills a process with SIGKILL and waits until it is gone. */
async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe("server process killed", () => {
  it("fails open streams with UNAVAILABLE within 2 s; a server restarted on the port is reconnected to", async () => {
    const first = await startExample(0);
    const client = e2e.client(`http://127.0.0.1:${first.port}`);
    await expectAlive(client, "before");
    const bidi = client.greetStream();
    await bidi.send({ name: "open" });
    expect((await bidi.recv()).greeting).toBe("open");
    const upload = client.greetClientStream();
    await upload.send({ name: "pending" });
    const replies = client.greetServerStream({ name: "x" });
    await replies.headers;

    const killed = Date.now();
    await kill9(first.child);
    await expectCode(withTimeout(bidi.recv(), 2_000, "bidi recv after kill -9"), Code.UNAVAILABLE);
    await expectCode(withTimeout(upload.closeAndRecv(), 2_000, "upload after kill -9"), Code.UNAVAILABLE);
    expect(Date.now() - killed).toBeLessThan(2_000);
    // While nobody listens: refused at once.
    await expectCode(withTimeout(client.greet({ name: "down" }), 2_000, "call while down"), Code.UNAVAILABLE);

    await startExample(first.port);
    await expectAlive(client, "after restart");
    const again = client.greetStream();
    await again.send({ name: "again" });
    expect((await again.recv()).greeting).toBe("again");
    again.closeRequest();
    await expect(again.recv()).rejects.toSatisfy(isEnded);
  });
});

describe("GOAWAY", () => {
  /** A server whose greet records the client port of each call and holds calls named "hold". */
  async function portServer() {
    const ports: Record<string, number> = {};
    const held = deferred<void>();
    const release = deferred<void>();
    const target = await e2e.start({
      handler: {
        async greet(request, ctx) {
          ports[request.name] = ctx.peer.port ?? 0;
          if (request.name === "hold") {
            held.resolve();
            await release.promise;
          }
          return { greeting: request.name };
        },
      },
    });
    return { target, ports, held: held.promise, release: () => release.resolve() };
  }

  for (const how of ["close()", "goaway()"] as const) {
    it(`session.${how} while a call is in flight: it finishes, new calls go to a new connection`, async () => {
      const { target, ports, held, release } = await portServer();
      const client = e2e.client(target);
      await expectAlive(client, "warm");
      const inflight = client.greet({ name: "hold" });
      await held;
      for (const session of internals(target.server).sessions) {
        if (how === "close()") session.close();
        else session.goaway(constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
      }
      await sleep(50); // the GOAWAY reaches the client
      await expectAlive(client, "new");
      expect(ports["new"]).not.toBe(ports["warm"]);
      release();
      expect((await inflight).greeting).toBe("hold");
      expect(ports["hold"]).toBe(ports["warm"]);
      await expectAlive(client, "later");
      expect(ports["later"]).toBe(ports["new"]);
    });
  }

  it("replays streams the server refused (REFUSED_STREAM, or past a GOAWAY's last stream id)", async () => {
    const handled: string[] = [];
    let streams = 0;
    const raw = await e2e.rawServer((stream, headers) => {
      const n = ++streams;
      if (n === 1) return stream.close(constants.NGHTTP2_REFUSED_STREAM); // refused, same connection
      if (n === 2) {
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, 0); // "processed nothing": the client retries elsewhere
        return stream.close(constants.NGHTTP2_REFUSED_STREAM);
      }
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const [request] = unframe(Buffer.concat(chunks));
        handled.push(`${String(headers[":path"])}#${n}`);
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(envelope(GreetResponse.encode({ greeting: GreetStreamRequest.decode(request!.data).name })));
      });
    });
    const client = e2e.client(raw);
    expect((await client.greet({ name: "replayed twice" })).greeting).toBe("replayed twice");
    expect(handled).toEqual(["/greet.GreetService/Greet#3"]);
  });
});

describe("client vanishes", () => {
  it("aborts the handler's signal and frees the call when the client's socket is destroyed mid-stream", async () => {
    const outcomes = { serverStream: deferred<unknown>(), bidiRecv: deferred<unknown>(), sendAfter: deferred<unknown>() };
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream, ctx) {
          ctx.signal.addEventListener("abort", () => outcomes.serverStream.resolve(ctx.signal.reason));
          for (;;) {
            try {
              await stream.send({ greeting: "tick" });
            } catch (error) {
              outcomes.sendAfter.resolve(error);
              throw error;
            }
            await sleep(10);
          }
        },
        async greetStream(stream) {
          await stream.send({ greeting: "ready" });
          try {
            for (;;) await stream.recv();
          } catch (error) {
            outcomes.bidiRecv.resolve(error);
            throw error;
          }
        },
      },
    });
    // A connection over a socket the test owns, so that it can vanish without a GOAWAY or RST_STREAM.
    const socket = netConnect(target.port, "127.0.0.1");
    socket.on("error", () => undefined);
    const session = connect(target.baseUrl, { createConnection: () => socket });
    session.on("error", () => undefined);
    e2e.defer(() => session.destroy());
    const first = (path: string, body: Uint8Array) =>
      new Promise<void>((resolve) => {
        const stream = session.request(grpcHeaders(path), { endStream: false });
        stream.on("error", () => undefined);
        stream.once("data", () => resolve());
        stream.write(body);
        if (path === "GreetServerStream") stream.end();
      });
    await first("GreetServerStream", envelope(GreetServerStreamRequest.encode({ name: "" })));
    await first("GreetStream", envelope(GreetStreamRequest.encode({ name: "a" })));
    expect(internals(target.server).calls.size).toBe(2);
    socket.destroy();

    const reason = await withTimeout(outcomes.serverStream.promise, 1_000, "the handler's abort");
    expect((reason as TripleError).code).toBe(Code.CANCELLED);
    const recvError = await withTimeout(outcomes.bidiRecv.promise, 1_000, "the bidi handler's recv");
    expect(isEnded(recvError)).toBe(false);
    expect((recvError as TripleError).code).toBe(Code.CANCELLED);
    expect((await withTimeout(outcomes.sendAfter.promise, 1_000, "send after the client left")) as TripleError).toBeInstanceOf(TripleError);
    expect(await eventually(() => internals(target.server).calls.size === 0)).toBe(true);
    expect(await eventually(() => internals(target.server).sessions.size === 0)).toBe(true);
    await expectAlive(e2e.client(target));
  });
});

describe("handlers that never settle or misbehave", () => {
  it("a handler that ignores its signal and never settles costs the call only; close() cuts it after graceMs", async () => {
    let started = 0;
    const target = await e2e.start({
      handler: {
        async greet(request) {
          if (request.name === "slow") {
            started++;
            await sleep(100);
          }
          if (request.name !== "never") return { greeting: request.name };
          started++;
          return new Promise<never>(() => undefined);
        },
        greetServerStream: () => new Promise<never>(() => undefined),
      },
    });
    const client = e2e.client(target);
    await expectCode(client.greet({ name: "never" }, { timeoutMs: 100 }), Code.DEADLINE_EXCEEDED);
    const stream = client.greetServerStream({ name: "" });
    await sleep(50);
    stream.close();
    await expectCode(stream.recv(), Code.CANCELLED);
    // The calls are over for the server too, although their handlers are still pending.
    expect(await eventually(() => internals(target.server).calls.size === 0)).toBe(true);
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => client.greet({ name: String(i) })));
    expect(burst).toHaveLength(50);

    // Shutdown: a call that finishes within the grace period does; one that never settles is ended.
    const pending = client.greet({ name: "never" });
    const slow = client.greet({ name: "slow" });
    await eventually(() => started === 3);
    const closingStarted = Date.now();
    const closing = target.server.close({ graceMs: 300 });
    await expectCode(e2e.client(target).greet({ name: "refused" }), Code.UNAVAILABLE); // no longer accepting
    expect((await slow).greeting).toBe("slow"); // finished within the grace period
    const error = await expectCode(pending, Code.UNAVAILABLE);
    expect(error.rawMessage).toBe("server is shutting down");
    await withTimeout(closing, 2_000, "server.close()");
    expect(Date.now() - closingStarted).toBeGreaterThanOrEqual(230); // the grace minus its last 60 ms (the cut)
  });

  it("a handler that returns garbage or throws non-errors yields UNKNOWN 'internal error', and the server keeps serving", async () => {
    const seen: unknown[] = [];
    const target = await e2e.start({
      options: { onError: (error) => seen.push(error) },
      handler: {
        greet(request) {
          switch (request.name) {
            case "undefined":
              return undefined as never;
            case "null":
              return null as never;
            case "number":
              return 42 as never;
            case "throw-undefined":
              throw undefined; // eslint-disable-line no-throw-literal
            case "throw-stack":
              throw Object.assign(new Error("at /srv/app/secret.ts:12:3"), { stack: "Error\n    at secret (/srv/app/secret.ts:12:3)" });
            default:
              return { greeting: request.name };
          }
        },
      },
    });
    const client = e2e.client(target);
    for (const name of ["undefined", "null", "number", "throw-undefined", "throw-stack"]) {
      const error = await expectCode(client.greet({ name }), Code.UNKNOWN);
      expect(error.rawMessage, name).toBe("internal error");
      expect(error.message).not.toMatch(/secret|\n\s+at /);
    }
    expect(seen).toHaveLength(5);
    await expectAlive(client);
  });
});
