// The lean HTTP/2 path of Connect/Triple unary POSTs (server/server-triple-unary-call.ts) on real
// sockets, driven by a raw node:http2 client so that every outcome is seen on the wire: bodies in
// several DATA frames and gzipped, the size limit while a body arrives (no content-length), a
// deadline, a client reset and a shutdown during an async handler — in both dialects.
import { gzipSync } from "node:zlib";
import type { ClientHttp2Stream, IncomingHttpHeaders } from "node:http2";
import { describe, expect, it } from "vitest";
import { deferred, useE2E, withTimeout, type E2EServer } from "../support/e2e.js";
import { GreetRequest, GreetResponse } from "../../snapshots/services/greet.js";
import { TripleError } from "../../snapshots/services/tristub-runtime.js";

const e2e = useE2E();
const path = "/greet.GreetService/Greet";
const connect = { "connect-protocol-version": "1" };

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Posts `chunks` (each its own DATA frame) and reads the whole answer. */
function post(server: E2EServer, headers: Record<string, string>, chunks: readonly Uint8Array[], open?: (stream: ClientHttp2Stream) => void): Promise<Answer> {
  const stream = e2e.connect(server).request({ ":method": "POST", ":path": path, "content-type": "application/proto", ...headers });
  open?.(stream);
  return new Promise((resolve, reject) => {
    const body: Buffer[] = [];
    let head: IncomingHttpHeaders = {};
    stream.on("response", (h) => (head = h));
    stream.on("data", (c: Buffer) => body.push(c));
    stream.on("end", () => resolve({ status: Number(head[":status"]), headers: head, body: Buffer.concat(body) }));
    stream.on("error", reject);
    chunks.forEach((chunk, i) => (i === chunks.length - 1 ? stream.end(Buffer.from(chunk)) : stream.write(Buffer.from(chunk))));
    if (chunks.length === 0) stream.end();
  });
}

describe("Connect/Triple unary POST over HTTP/2 (lean path)", () => {
  it("joins a body sent in several DATA frames and answers with content-length", async () => {
    const server = await e2e.start();
    const bytes = GreetRequest.encode({ name: "x".repeat(300) });
    const answer = await post(server, connect, [bytes.subarray(0, 100), bytes.subarray(100, 200), bytes.subarray(200)]);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/proto");
    expect(Number(answer.headers["content-length"])).toBe(answer.body.length);
    expect(GreetResponse.decode(answer.body).greeting).toBe("x".repeat(300));
  });

  it("reads a gzipped request body", async () => {
    const server = await e2e.start();
    const answer = await post(server, { ...connect, "content-encoding": "gzip" }, [gzipSync(GreetRequest.encode({ name: "zipped" }))]);
    expect(answer.status).toBe(200);
    expect(GreetResponse.decode(answer.body).greeting).toBe("zipped");
  });

  it("refuses a body over maxReceiveMessageBytes as it arrives (no content-length), in each dialect's shape", async () => {
    const server = await e2e.start({ options: { maxReceiveMessageBytes: 64 } });
    const chunk = new Uint8Array(40);
    const overConnect = await post(server, connect, [chunk, chunk, chunk]);
    expect(overConnect.status).toBe(413);
    expect(JSON.parse(overConnect.body.toString())).toMatchObject({ code: "resource_exhausted" });
    const overTriple = await post(server, {}, [chunk, chunk, chunk]);
    expect(overTriple.status).toBe(413);
    expect(JSON.parse(overTriple.body.toString())).toMatchObject({ code: "resource_exhausted", status: 8 });
  });

  it("ends an async handler at the deadline: Connect 504, Triple 408, the handler's signal aborted", async () => {
    const aborted: unknown[] = [];
    const server = await e2e.start({
      handler: {
        greet: (_request, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener("abort", () => {
              aborted.push(ctx.signal.reason);
              resolve({ greeting: "late" });
            });
          }),
      },
    });
    const body = [GreetRequest.encode({ name: "slow" })];
    const viaConnect = await withTimeout(post(server, { ...connect, "connect-timeout-ms": "50" }, body), 5_000, "connect deadline");
    expect(viaConnect.status).toBe(504);
    expect(JSON.parse(viaConnect.body.toString())).toMatchObject({ code: "deadline_exceeded" });
    const viaTriple = await withTimeout(post(server, { "triple-timeout-ms": "50" }, body), 5_000, "triple deadline");
    expect(viaTriple.status).toBe(408);
    expect(JSON.parse(viaTriple.body.toString())).toMatchObject({ code: "deadline_exceeded" });
    expect(aborted).toHaveLength(2);
  });

  it("aborts the handler's signal when the client resets the stream, and shutdown answers a running call with 503", async () => {
    const started = deferred<void>();
    const cancelled = deferred<unknown>();
    let calls = 0;
    const server = await e2e.start({
      handler: {
        greet: (_request, ctx) =>
          new Promise((resolve) => {
            calls++;
            started.resolve();
            ctx.signal.addEventListener("abort", () => {
              cancelled.resolve(ctx.signal.reason);
              resolve({ greeting: "gone" });
            });
          }),
      },
    });
    let reset: ClientHttp2Stream | undefined;
    const first = post(server, connect, [GreetRequest.encode({ name: "a" })], (stream) => (reset = stream)).catch(() => undefined);
    await withTimeout(started.promise, 5_000, "handler start");
    reset?.close(0x8);
    await first;
    const reason = (await withTimeout(cancelled.promise, 5_000, "cancel")) as TripleError;
    expect(reason).toBeInstanceOf(TripleError);
    expect(reason.message).toContain("client closed the connection");
    const second = post(server, connect, [GreetRequest.encode({ name: "b" })]);
    await withTimeout(eventuallyCalls(() => calls, 2), 5_000, "second call");
    const closing = server.server.close({ graceMs: 300 });
    const answer = await withTimeout(second, 5_000, "shutdown answer");
    await closing;
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: "unavailable" });
  });
});

/** Resolves once `count()` reaches `n`. */
async function eventuallyCalls(count: () => number, n: number): Promise<void> {
  while (count() < n) await new Promise((resolve) => setTimeout(resolve, 5));
}
