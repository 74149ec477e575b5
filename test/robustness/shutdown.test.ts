// Graceful shutdown under load: a server process whose SIGTERM handler calls `close({ graceMs })` gets
// SIGTERM with ~1,000 calls of every kind in flight — some that finish within the grace period, some
// that the clients keep open. Every call must complete or end with UNAVAILABLE (none hangs), new
// connections must be refused, and the process must exit within the grace period.
import { connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import { Code, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { sleep, useE2E, withTimeout } from "../support/e2e.js";
import { startServerProcess } from "../support/server-process.js";

const e2e = useE2E();

const graceMs = 3_000;
const perKind = 250;

/** How a call ended: "ok", "UNAVAILABLE", another code, or (until it settles) "hung". */
function outcome(call: Promise<unknown>): { result: string; done: Promise<void> } {
  const state = { result: "hung", done: Promise.resolve() };
  state.done = call.then(
    () => void (state.result = "ok"),
    (error: unknown) =>
      void (state.result = error instanceof TripleError ? (error.code === Code.UNAVAILABLE ? "UNAVAILABLE" : `code ${error.code}`) : `other: ${String(error)}`),
  );
  return state;
}

describe("graceful shutdown", () => {
  it("SIGTERM with ~1,000 calls in flight: each completes or ends UNAVAILABLE, new connections refused, exit within the grace", async () => {
    const server = await startServerProcess({ slowMs: 100 }, { TRISTUB_SIGTERM_GRACE_MS: String(graceMs) });
    e2e.defer(() => server.kill());
    const url = `http://127.0.0.1:${server.port}`;
    const clients = Array.from({ length: 4 }, () => e2e.client(url));
    const calls: { kind: string; done: { result: string; done: Promise<void> } }[] = [];
    const started: Promise<unknown>[] = [];
    for (let i = 0; i < perKind; i++) {
      const client = clients[i % clients.length]!;
      // Finishes well within the grace period.
      calls.push({ kind: "unary", done: outcome(client.greet({ name: `u${i}` })) });
      const replies = (async () => {
        let n = 0;
        for await (const reply of client.greetServerStream({ name: `s${i}` })) expect(reply.greeting).toBe(`s${i}-${n++}`);
        expect(n).toBe(5);
      })();
      calls.push({ kind: "server-stream", done: outcome(replies) });
      // Kept open by the client for half of them: these can only end when the grace runs out.
      const upload = client.greetClientStream();
      started.push(upload.send({ name: `c${i}` }));
      const keepOpen = i % 2 === 0;
      calls.push({ kind: keepOpen ? "client-stream (held open)" : "client-stream", done: outcome(keepOpen ? upload.trailers.catch(() => undefined).then(() => upload.closeAndRecv()) : upload.send({ name: "more" }).then(() => upload.closeAndRecv())) });
      const bidi = client.greetStream();
      const chat = (async () => {
        await bidi.send({ name: `b${i}` });
        expect((await bidi.recv()).greeting).toBe(`b${i}`);
        if (!keepOpen) bidi.closeRequest();
        for await (const extra of bidi) throw new Error(`unexpected reply ${extra.greeting}`);
      })();
      calls.push({ kind: keepOpen ? "bidi (held open)" : "bidi", done: outcome(chat) });
    }
    await Promise.all(started);
    await sleep(150); // every call has reached the server

    const inFlight = (await server.memory()).calls;
    const signalled = Date.now();
    const closing = new Promise((resolve) => server.child.on("message", (message: { closing?: boolean }) => message.closing === true && resolve(true)));
    let closedAfterMs = -1;
    server.child.on("message", (message: { closedAfterMs?: number }) => (closedAfterMs = message.closedAfterMs ?? closedAfterMs));
    server.child.kill("SIGTERM");
    await withTimeout(closing, 2_000, "SIGTERM handler");
    const refused = await new Promise<string>((resolve) => {
      const socket = netConnect(server.port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: Error & { code?: string }) => resolve(error.code ?? String(error)));
    });
    const exitCode = await withTimeout(server.exited, graceMs + 2_000, "server exit");
    const exitedAfter = Date.now() - signalled;
    // None may hang: 2 s after the server is gone, every call has settled.
    await Promise.race([Promise.all(calls.map((call) => call.done.done)), sleep(2_000)]);
    const results = calls.map((call) => `${call.kind}: ${call.done.result}`);

    const tally = new Map<string, number>();
    for (const result of results) tally.set(result, (tally.get(result) ?? 0) + 1);
    process.stdout.write(`shutdown: ${calls.length} calls started, ${inFlight} streaming calls open on the server at SIGTERM, close() took ${closedAfterMs} ms, exit ${String(exitCode)} ${exitedAfter} ms after the signal; ${JSON.stringify(Object.fromEntries(tally))}\n`);
    expect(calls.length).toBe(4 * perKind);
    expect(refused).toBe("ECONNREFUSED");
    expect(results.filter((r) => !r.endsWith(": ok") && !r.endsWith(": UNAVAILABLE"))).toEqual([]);
    // Calls the client kept open end with UNAVAILABLE when the grace runs out; the rest complete.
    expect(results.filter((r) => r.includes("held open") && !r.endsWith("UNAVAILABLE"))).toEqual([]);
    // The rest complete — except calls the server had not taken yet when it sent GOAWAY: the client
    // tries them on a new connection, which is refused (UNAVAILABLE, safe to retry elsewhere).
    expect(results.filter((r) => !r.includes("held open") && r.endsWith(": ok")).length).toBeGreaterThan(perKind);
    expect(exitCode).toBe(0);
    // close({ graceMs }) takes the grace at most; the rest is the busy child getting to its signal
    // handler, and exiting.
    expect(closedAfterMs).toBeGreaterThanOrEqual(graceMs - 300);
    expect(closedAfterMs).toBeLessThanOrEqual(graceMs + 100);
    expect(exitedAfter).toBeLessThan(graceMs + 1_500);
  });
});
