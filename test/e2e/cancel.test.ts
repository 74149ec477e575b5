// Cancellation: an AbortSignal (or closing the response side) resets the stream; the handler's
// ctx.signal aborts, its send() fails, and the client sees CANCELLED.
import { describe, expect, it } from "vitest";
import type { GreetServerStreamResponse } from "../../snapshots/services/greet.js";
import { Code, TripleError, type HandlerContext, type ResponseSink } from "../../snapshots/services/tristub-runtime.js";
import { deferred, expectCode, sleep, useE2E, withTimeout } from "../support/e2e.js";

const e2e = useE2E();

/** What a handler observed after its call was cancelled. */
interface Observed {
  reason: unknown;
  sendError: unknown;
  sent: number;
}

/** A server-stream handler that sends until send() fails, recording the abort reason and the error. */
function endlessStream(done: (observed: Observed) => void) {
  return async (_: unknown, stream: ResponseSink<GreetServerStreamResponse>, ctx: HandlerContext): Promise<void> => {
    let sent = 0;
    try {
      for (;;) {
        await stream.send({ greeting: `${sent++}` });
        await sleep(1);
      }
    } catch (error) {
      done({ reason: ctx.signal.reason, sendError: error, sent });
      throw error;
    }
  };
}

describe("cancel with an AbortSignal", () => {
  it("cancels a server stream mid-way: client CANCELLED, handler's signal aborts and send() fails", async () => {
    const { promise: observed, resolve } = deferred<Observed>();
    const target = await e2e.start({ handler: { greetServerStream: endlessStream(resolve) } });
    const controller = new AbortController();
    const stream = e2e.client(target).greetServerStream({ name: "x" }, { signal: controller.signal });
    for (let i = 0; i < 3; i++) expect((await stream.recv()).greeting).toBe(String(i));
    controller.abort();
    const error = await expectCode(
      (async () => {
        for (;;) await stream.recv(); // messages already received may come first
      })(),
      Code.CANCELLED,
    );
    expect(error.rawMessage).toContain("cancel");
    const seen = await withTimeout(observed, 2_000, "handler noticing the cancellation");
    expect(seen.reason).toBeInstanceOf(TripleError);
    expect((seen.reason as TripleError).code).toBe(Code.CANCELLED);
    expect((seen.sendError as TripleError).code).toBe(Code.CANCELLED);
  });

  it("cancels a unary call whose handler waits on ctx.signal", async () => {
    const { promise: aborted, resolve } = deferred<unknown>();
    const target = await e2e.start({
      handler: {
        greet: (_, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener("abort", () => {
              resolve(ctx.signal.reason);
              reject(ctx.signal.reason as Error);
            });
          }),
      },
    });
    const controller = new AbortController();
    const call = e2e.client(target).greet({ name: "x" }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 50);
    const error = await expectCode(call, Code.CANCELLED);
    expect(error.cause).toBeInstanceOf(Error);
    expect(((await aborted) as TripleError).code).toBe(Code.CANCELLED);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const target = await e2e.start();
    const controller = new AbortController();
    controller.abort();
    await expectCode(e2e.client(target).greet({ name: "x" }, { signal: controller.signal }), Code.CANCELLED);
  });

  it("does nothing when aborted after the call completed", async () => {
    const target = await e2e.start();
    const controller = new AbortController();
    const client = e2e.client(target);
    expect((await client.greet({ name: "x" }, { signal: controller.signal })).greeting).toBe("x");
    controller.abort();
    expect((await client.greet({ name: "y" })).greeting).toBe("y");
  });
});

describe("cancel by closing the response side", () => {
  it("break out of for await cancels the server stream", async () => {
    const { promise: observed, resolve } = deferred<Observed>();
    const target = await e2e.start({ handler: { greetServerStream: endlessStream(resolve) } });
    let count = 0;
    for await (const _ of e2e.client(target).greetServerStream({ name: "x" })) {
      if (++count === 5) break;
    }
    const seen = await withTimeout(observed, 2_000, "handler noticing the cancellation");
    expect((seen.reason as TripleError).code).toBe(Code.CANCELLED);
  });

  it("closeResponse() cancels a bidi call; recv() then fails CANCELLED", async () => {
    const { promise: aborted, resolve } = deferred<unknown>();
    const target = await e2e.start({
      handler: {
        async greetStream(stream, ctx) {
          ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason));
          for await (const request of stream) await stream.send({ greeting: request.name });
        },
      },
    });
    const stream = e2e.client(target).greetStream();
    await stream.send({ name: "a" });
    expect((await stream.recv()).greeting).toBe("a");
    stream.closeResponse();
    await expectCode(stream.recv(), Code.CANCELLED);
    await expectCode(stream.send({ name: "b" }), Code.CANCELLED);
    expect(((await withTimeout(aborted, 2_000, "handler abort")) as TripleError).code).toBe(Code.CANCELLED);
  });

  it("cancel() of a client stream fails closeAndRecv() with CANCELLED and aborts the handler", async () => {
    const { promise: handlerError, resolve } = deferred<unknown>();
    const target = await e2e.start({
      handler: {
        async greetClientStream(stream) {
          try {
            for await (const _ of stream);
          } catch (error) {
            resolve(error);
            throw error;
          }
          return { greeting: "unreachable" };
        },
      },
    });
    const call = e2e.client(target).greetClientStream();
    await call.send({ name: "a" });
    await sleep(20);
    call.cancel();
    await expectCode(call.closeAndRecv(), Code.CANCELLED);
    expect(((await withTimeout(handlerError, 2_000, "handler recv failure")) as TripleError).code).toBe(Code.CANCELLED);
  });
});
