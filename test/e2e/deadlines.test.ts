// Deadlines: the client's own timer (DEADLINE_EXCEEDED near timeoutMs) and the server's enforcement
// of `grpc-timeout` (the handler's ctx.signal aborts, the status is DEADLINE_EXCEEDED) even when the
// client has no timer of its own.
import { describe, expect, it } from "vitest";
import { GreetRequest, GreetServerStreamResponse } from "../../snapshots/services/greet.js";
import { Code, TripleError, type HandlerContext, type ServerOptions } from "../../snapshots/services/tristub-runtime.js";
import { deferred, envelope, expectCode, grpcHeaders, rawRequest, unframe, useE2E } from "../support/e2e.js";

const e2e = useE2E();

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleepOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}

describe("client-side deadline", () => {
  it("fails a slow unary call with DEADLINE_EXCEEDED near timeoutMs", async () => {
    const seen = deferred<{ timeoutMs: number | undefined; deadline: number | undefined; reason: unknown }>();
    const target = await e2e.start({
      handler: {
        async greet(request, ctx) {
          const timeoutMs = ctx.timeoutMs;
          try {
            await sleepOrAbort(5_000, ctx.signal);
          } finally {
            seen.resolve({ timeoutMs, deadline: ctx.deadline, reason: ctx.signal.reason });
          }
          return { greeting: request.name };
        },
      },
    });
    const started = Date.now();
    const error = await expectCode(e2e.client(target).greet({ name: "x" }, { timeoutMs: 200 }), Code.DEADLINE_EXCEEDED);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
    expect(error.rawMessage).toContain("deadline");
    const handler = await seen.promise;
    // The server got the deadline as grpc-timeout and aborted the handler (whichever side fired first).
    expect(handler.timeoutMs).toBeGreaterThan(100);
    expect(handler.timeoutMs).toBeLessThanOrEqual(200);
    expect(handler.deadline).toBeTypeOf("number");
    expect(handler.reason).toBeInstanceOf(TripleError);
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain((handler.reason as TripleError).code);
  });

  it("fires the client's own timer when the server never answers", async () => {
    const raw = await e2e.rawServer(() => undefined); // reads nothing, answers nothing
    const started = Date.now();
    await expectCode(e2e.client(raw).greet({ name: "x" }, { timeoutMs: 150 }), Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("applies the client's default timeoutMs, and a call's own timeoutMs overrides it", async () => {
    const target = await e2e.start({
      handler: {
        async greet(request, ctx) {
          await sleepOrAbort(Number(request.name), ctx.signal);
          return { greeting: String(ctx.deadline !== undefined) };
        },
      },
    });
    const client = e2e.client(target, { timeoutMs: 100 });
    await expectCode(client.greet({ name: "2000" }), Code.DEADLINE_EXCEEDED);
    expect((await client.greet({ name: "200" }, { timeoutMs: 2_000 })).greeting).toBe("true");
  });

  it("fails a server stream mid-way, after some messages arrived", async () => {
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream, ctx) {
          for (let i = 0; ; i++) {
            await stream.send({ greeting: String(i) });
            await sleepOrAbort(20, ctx.signal);
          }
        },
      },
    });
    const received: string[] = [];
    const stream = e2e.client(target).greetServerStream({ name: "x" }, { timeoutMs: 200 });
    await expectCode(
      (async () => {
        for await (const response of stream) received.push(response.greeting);
      })(),
      Code.DEADLINE_EXCEEDED,
    );
    expect(received.length).toBeGreaterThan(2);
  });
});

describe("server-side deadline (grpc-timeout, no client timer)", () => {
  const request = envelope(GreetRequest.encode({ name: "x" }));

  it("aborts the handler's signal at the deadline and answers DEADLINE_EXCEEDED", async () => {
    const aborted = deferred<{ reason: unknown; after: number }>();
    let started = 0;
    const target = await e2e.start({
      handler: {
        async greet(_, ctx: HandlerContext) {
          started = Date.now();
          ctx.signal.addEventListener("abort", () => aborted.resolve({ reason: ctx.signal.reason, after: Date.now() - started }));
          await sleepOrAbort(5_000, ctx.signal);
          return { greeting: "too late" };
        },
      },
    });
    const session = e2e.connect(target);
    const response = await rawRequest(session, grpcHeaders("Greet", { "grpc-timeout": "100m" }), request);
    // Nothing was sent yet: a trailers-only response.
    expect(response.headers[":status"]).toBe(200);
    expect(response.headers["grpc-status"]).toBe(String(Code.DEADLINE_EXCEEDED));
    expect(response.trailers).toBeUndefined();
    expect(response.body.length).toBe(0);
    const { reason, after } = await aborted.promise;
    expect((reason as TripleError).code).toBe(Code.DEADLINE_EXCEEDED);
    expect(after).toBeGreaterThanOrEqual(80);
    expect(after).toBeLessThan(1_000);
  });

  it("ends a server stream that already sent messages with DEADLINE_EXCEEDED trailers", async () => {
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream, ctx) {
          for (let i = 0; ; i++) {
            await stream.send({ greeting: String(i) });
            await sleepOrAbort(10, ctx.signal);
          }
        },
      },
    });
    const session = e2e.connect(target);
    const response = await rawRequest(session, grpcHeaders("GreetServerStream", { "grpc-timeout": "100m" }), request);
    expect(response.headers[":status"]).toBe(200);
    expect(response.headers["grpc-status"]).toBeUndefined();
    expect(response.trailers?.["grpc-status"]).toBe(String(Code.DEADLINE_EXCEEDED));
    const messages = unframe(response.body).map((e) => GreetServerStreamResponse.decode(e.data).greeting);
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.slice(0, 3)).toEqual(["0", "1", "2"]);
  });

  it("ends the stream at the deadline even while the client keeps its request side open", async () => {
    const target = await e2e.start({
      handler: {
        async greetStream(stream) {
          for await (const request of stream) await stream.send({ greeting: request.name });
        },
      },
    });
    const session = e2e.connect(target);
    const started = Date.now();
    // Sends one message and never half-closes: the server must not wait for the client to finish.
    const response = await rawRequest(session, grpcHeaders("GreetStream", { "grpc-timeout": "100m" }), async (write) => {
      await write(envelope(GreetRequest.encode({ name: "open" })));
      await new Promise(() => undefined);
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.trailers?.["grpc-status"]).toBe(String(Code.DEADLINE_EXCEEDED));
    expect(unframe(response.body).map((e) => GreetServerStreamResponse.decode(e.data).greeting)).toEqual(["open"]);
    expect(response.rstCode).toBe(0); // RST_STREAM(NO_ERROR): "stop sending", not a failure
  });

  it("answers a malformed grpc-timeout with INVALID_ARGUMENT", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    for (const value of ["123456789m", "10x", "-5S"]) {
      const response = await rawRequest(session, grpcHeaders("Greet", { "grpc-timeout": value }), request);
      expect(response.headers["grpc-status"], value).toBe(String(Code.INVALID_ARGUMENT));
    }
  });

  it("runs a call with a generous grpc-timeout normally", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const response = await rawRequest(session, grpcHeaders("Greet", { "grpc-timeout": "5S" }), request);
    expect(response.trailers?.["grpc-status"]).toBe("0");
    expect(unframe(response.body)).toHaveLength(1);
  });
});

describe("deadlines in bulk", () => {
  /**
   * Times out `count` calls of `timeoutMs` each on one connection, beside a witness bidi call on that
   * connection: a GOAWAY for "too many resets" would close the connection under the witness
   * (closeGraceMs later) and fail it.
   */
  async function timeoutBurstKeepsConnection(count: number, timeoutMs: number, options: ServerOptions): Promise<void> {
    const target = await e2e.start({
      options: { closeGraceMs: 300, ...options },
      handler: {
        async greet(request, ctx) {
          await sleepOrAbort(5_000, ctx.signal);
          return { greeting: request.name };
        },
      },
    });
    const client = e2e.client(target);
    const witness = client.greetStream();
    await witness.send({ name: "before" });
    expect((await witness.recv()).greeting).toBe("before");
    await Promise.all(Array.from({ length: count }, (_, i) => expectCode(client.greet({ name: `t${i}` }, { timeoutMs }), Code.DEADLINE_EXCEEDED)));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await witness.send({ name: "after" });
    expect((await witness.recv()).greeting).toBe("after");
    witness.closeRequest();
  }

  it("a burst of 400 calls timing out on one connection does not cost that connection (rapid-reset guard)", async () => {
    // Every expired call resets its stream (RST_STREAM CANCEL): 400 resets within a moment, above
    // the former 200-reset burst that answered them with GOAWAY ENHANCE_YOUR_CALM.
    await timeoutBurstKeepsConnection(400, 50, {});
  });

  it("calls cancelled after running a while do not count as rapid resets (700 deadline resets on one connection, burst lowered to 100)", async () => {
    // Each call runs 250 ms (past the 100 ms rapid-reset window) before its deadline resets it: the
    // attack resets streams as it opens them, a client giving up on calls that ran is not one. Before
    // the window, these resets drained the (lowered) burst and the connection got GOAWAY.
    await timeoutBurstKeepsConnection(700, 250, { streamResetBurst: 100 });
  });
});
