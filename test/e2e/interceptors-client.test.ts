// Client interceptors, on real sockets: a header an interceptor deletes is not sent (whether it came
// from the client's `headers` or the call's own, which may override the client's); a failed unary call
// reports its response headers and trailers to onHeader / onTrailer as it does without interceptors;
// an intercepted stream stops listening to the caller's AbortSignal as soon as the call ends, however
// it ends (no listener piles up on a long-lived signal), and that signal still cancels the call.
import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { Code, TripleError, type Interceptor } from "../../snapshots/services/tristub-runtime.js";
import { collect, eventually, expectCode, sleep, useE2E } from "../support/e2e.js";

const e2e = useE2E();
const passThrough: Interceptor = (next) => (request) => next(request);
const protocols = ["grpc", "triple", "connect"] as const;

describe("client interceptors", () => {
  it("delete request headers for good: the client's, the call's, and a call header over a client one", async () => {
    const seen: (string | null)[][] = [];
    const server = await e2e.start({
      handler: {
        greet: (request, ctx) => {
          seen.push(["x-client", "x-call", "x-both", "x-kept"].map((name) => ctx.requestHeaders.get(name)));
          return { greeting: request.name };
        },
        async greetServerStream(request, stream, ctx) {
          seen.push(["x-client", "x-call", "x-both", "x-kept"].map((name) => ctx.requestHeaders.get(name)));
          await stream.send({ greeting: request.name });
        },
      },
    });
    const strip: Interceptor = (next) => (request) => {
      expect(request.header.get("x-both")).toBe("call");
      for (const name of ["x-client", "x-call", "x-both"]) request.header.delete(name);
      return next(request);
    };
    const callHeaders = { headers: { "x-call": "k", "x-both": "call", "x-kept": "yes" } };
    for (const protocol of protocols) {
      const client = e2e.client(server, { protocol, interceptors: [strip], headers: { "x-client": "c", "x-both": "client" } });
      await client.greet({ name: "u" }, callHeaders);
      await collect(client.greetServerStream({ name: "s" }, callHeaders));
    }
    expect(seen).toEqual(Array.from({ length: protocols.length * 2 }, () => [null, null, null, "yes"]));
  });

  it("report a failed unary call's headers and trailers to onHeader and onTrailer as a call without interceptors does", async () => {
    const server = await e2e.start({
      handler: {
        greet: (_request, ctx) => {
          ctx.responseHeaders.set("x-h", "head");
          ctx.responseTrailers.set("x-t", "tail");
          throw new TripleError(Code.FAILED_PRECONDITION, "no");
        },
      },
    });
    for (const protocol of protocols) {
      const outcome = async (interceptors: Interceptor[] | undefined): Promise<string[]> => {
        const client = e2e.client(server, { protocol, ...(interceptors === undefined ? {} : { interceptors }) });
        const log: string[] = [];
        await expectCode(
          client.greet({ name: "f" }, { onHeader: (h) => log.push(`header x-h=${h.get("x-h")}`), onTrailer: (t) => log.push(`trailer x-t=${t.get("x-t")}`) }),
          Code.FAILED_PRECONDITION,
        );
        return log;
      };
      const plain = await outcome(undefined);
      expect(plain, protocol).toEqual(["header x-h=head", "trailer x-t=tail"]);
      expect(await outcome([passThrough]), protocol).toEqual(plain);
    }
  });

  it("leave no abort listener on a long-lived signal after 1,000 streams, read to the end or not", async () => {
    const server = await e2e.start();
    const client = e2e.client(server, { interceptors: [passThrough] });
    const controller = new AbortController();
    const signal = controller.signal;
    for (let i = 0; i < 1_000; i++) {
      const options = { signal };
      switch (i % 4) {
        case 0: {
          // One message of five read, then the stream is left alone (not closed).
          const stream = client.greetServerStream({ name: `s${i}` }, options);
          expect((await stream.recv()).greeting).toBe(`s${i}-0`);
          break;
        }
        case 1:
          expect((await collect(client.greetServerStream({ name: `r${i}` }, options))).length).toBe(5);
          break;
        case 2: {
          const bidi = client.greetStream(options);
          await bidi.send({ name: `b${i}` });
          expect((await bidi.recv()).greeting).toBe(`b${i}`);
          bidi.closeRequest(); // the end of the responses is never read
          break;
        }
        default: {
          const cs = client.greetClientStream(options);
          await cs.send({ name: `c${i}` });
          expect((await cs.closeAndRecv()).greeting).toBe(`c${i}`);
        }
      }
    }
    expect(await eventually(() => getEventListeners(signal, "abort").length === 0, 3_000), `${getEventListeners(signal, "abort").length} listeners left`).toBe(true);
    // The signal still cancels calls that run.
    const running = client.greetStream({ signal });
    await running.send({ name: "x" });
    expect((await running.recv()).greeting).toBe("x");
    controller.abort();
    await expectCode(running.recv(), Code.CANCELLED);
    expect(await eventually(() => getEventListeners(signal, "abort").length === 0, 1_000)).toBe(true);
  });

  it("still cancel through the caller's signal and close(), and through a retry's backoff", async () => {
    let attempts = 0;
    const server = await e2e.start({
      handler: {
        async greetServerStream(request, stream, ctx) {
          attempts++;
          if (request.name === "flaky") throw new TripleError(Code.UNAVAILABLE, "try again");
          await stream.send({ greeting: "first" });
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        },
      },
    });
    const client = e2e.client(server, { interceptors: [passThrough], retry: { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 500 } });
    const controller = new AbortController();
    const stream = client.greetServerStream({ name: "hang" }, { signal: controller.signal });
    expect((await stream.recv()).greeting).toBe("first");
    setTimeout(() => controller.abort(), 20);
    await expectCode(stream.recv(), Code.CANCELLED);
    const closed = client.greetServerStream({ name: "hang" });
    expect((await closed.recv()).greeting).toBe("first");
    closed.close();
    await expectCode(closed.recv(), Code.CANCELLED);
    // The first attempt fails at once; the caller aborts during the backoff before the next one (the
    // backoff's jitter pinned to its full 500 ms).
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    e2e.defer(() => vi.restoreAllMocks());
    const retried = new AbortController();
    attempts = 0;
    const flaky = client.greetServerStream({ name: "flaky" }, { signal: retried.signal });
    const started = Date.now();
    setTimeout(() => retried.abort(), 100);
    await expectCode(flaky.recv(), Code.CANCELLED);
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleep(600);
    expect(attempts).toBe(1);
  });

  it("let a stream whose call cannot start fail cleanly when the caller closes it at once (bidi over HTTP/1.1)", async () => {
    const server = await e2e.start({});
    const client = e2e.client(server, { protocol: "connect", httpVersion: "1.1", interceptors: [passThrough] });
    const controller = new AbortController();
    const bidi = client.greetStream({ signal: controller.signal });
    // The call itself throws while the chain starts it; closing then must not touch the call that
    // never was (it threw "Cannot access 'call' before initialization" out of an abort listener).
    bidi.closeResponse();
    controller.abort();
    await expectCode(bidi.recv(), Code.UNIMPLEMENTED);
  });

  it("keep following the caller's signal in a retried attempt when an interceptor wraps the signal", async () => {
    let attempts = 0;
    const server = await e2e.start({
      handler: {
        async greetServerStream(_request, stream, ctx) {
          attempts++;
          if (attempts === 1) throw new TripleError(Code.UNAVAILABLE, "try again");
          await stream.send({ greeting: "second" });
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        },
      },
    });
    const own = new AbortController();
    const wrap: Interceptor = (next) => (request) => next({ ...request, signal: AbortSignal.any([request.signal, own.signal]) });
    const client = e2e.client(server, { interceptors: [wrap], retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 10 } });
    const controller = new AbortController();
    const stream = client.greetServerStream({ name: "r" }, { signal: controller.signal });
    expect((await stream.recv()).greeting).toBe("second");
    expect(attempts).toBe(2);
    controller.abort();
    await expectCode(stream.recv(), Code.CANCELLED);
  });
});
