// Client and server interceptors over real sockets: order (first outermost), header mutation both
// ways, message inspection and replacement for every call kind, short-circuits that the handler never
// sees, handler errors seen by server interceptors, trailers seen by client interceptors, retries
// beneath client interceptors (once per call), deadlines and cancellation through them, Triple-unary.
// (Over 300 lines: one matrix of the interceptor contract, each case sharing the helpers at the top.)
import { describe, expect, it } from "vitest";
import { AdminService } from "../../snapshots/services/health.js";
import {
  Code,
  codeName,
  TripleError,
  type Interceptor,
  type InterceptedStreamResponse,
  type InterceptedUnaryResponse,
} from "../../snapshots/services/tristub-runtime.js";
import { collect, deferred, expectCode, sleep, useE2E, withTimeout } from "../support/e2e.js";

const e2e = useE2E();

/** Maps every message of a stream. */
async function* mapStream<T extends object>(source: AsyncIterable<T>, map: (message: T) => T): AsyncGenerator<T, void, undefined> {
  for await (const message of source) yield map(message);
}

/** An interceptor that replaces `name` / `greeting` fields of requests (client) or responses (server). */
function rename(field: "name" | "greeting", change: (value: string) => string): Interceptor {
  const map = <T extends object>(message: T): T => ({ ...message, [field]: change(String((message as Record<string, unknown>)[field])) });
  return (next) => async (request) => {
    const req = field === "name" ? (request.stream ? { ...request, message: mapStream(request.message, map) } : { ...request, message: map(request.message) }) : request;
    const response = await next(req);
    if (field === "name") return response;
    return response.stream ? { ...response, message: mapStream(response.message, map) } : { ...response, message: map(response.message) };
  };
}

/** Records `label:in` before and `label:out` after each call (after a stream's last message). */
function tracer(label: string, log: string[]): Interceptor {
  return (next) => async (request) => {
    log.push(`${label}:in`);
    const response = await next(request);
    if (!response.stream) {
      log.push(`${label}:out`);
      return response;
    }
    return {
      ...response,
      message: (async function* () {
        try {
          yield* response.message;
        } finally {
          log.push(`${label}:out`);
        }
      })(),
    };
  };
}

const deny: Interceptor = (next) => async (request) => {
  if (request.header.get("authorization") !== "Bearer good") throw new TripleError(Code.UNAUTHENTICATED, "no valid token");
  return next(request);
};

describe("interceptors", () => {
  it("run in list order, first outermost, on both sides and for every call kind", async () => {
    const log: string[] = [];
    const target = await e2e.start({ options: { interceptors: [tracer("s1", log), tracer("s2", log)] } });
    const client = e2e.client(target, { interceptors: [tracer("c1", log), tracer("c2", log)] });
    const expected = ["c1:in", "c2:in", "s1:in", "s2:in", "s2:out", "s1:out", "c2:out", "c1:out"];
    expect((await client.greet({ name: "u" })).greeting).toBe("u");
    expect(log.splice(0)).toEqual(expected);
    expect((await collect(client.greetServerStream({ name: "s" }))).map((r) => r.greeting)).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4"]);
    expect(log.splice(0)).toEqual(expected);
    const cs = client.greetClientStream();
    await cs.send({ name: "a" });
    await cs.send({ name: "b" });
    expect((await cs.closeAndRecv()).greeting).toBe("a,b");
    expect(log.splice(0)).toEqual(expected);
    const bidi = client.greetStream();
    await bidi.send({ name: "x" });
    expect((await bidi.recv()).greeting).toBe("x");
    bidi.closeRequest();
    expect(await collect(bidi)).toEqual([]);
    expect(log.splice(0)).toEqual(expected);
  });

  it("see the method, and change request and response headers both ways", async () => {
    const seen: string[] = [];
    const handlerSaw: string[] = [];
    const server: Interceptor = (next) => async (request) => {
      seen.push(`${request.method.service}/${request.method.name} ${request.method.kind} ${request.method.path} peer=${request.peer?.address}`);
      request.header.set("x-verified-user", `user-of-${request.header.get("x-token")}`);
      const response = await next(request);
      response.header.set("x-server-header", "h");
      response.trailer.set("x-server-trailer", "t");
      return response;
    };
    const client: Interceptor = (next) => async (request) => {
      expect(request.peer).toBeUndefined();
      request.header.set("x-token", "abc");
      expect(request.header.get("x-client-default")).toBe("d");
      const response = await next(request);
      expect(response.header.get("x-server-header")).toBe("h");
      response.header.set("x-client-added", "c");
      return response;
    };
    const target = await e2e.start({
      options: { interceptors: [server] },
      handler: {
        greet: (request, ctx) => (handlerSaw.push(ctx.requestHeaders.get("x-verified-user") ?? ""), { greeting: request.name }),
        async greetServerStream(request, stream, ctx) {
          handlerSaw.push(ctx.requestHeaders.get("x-verified-user") ?? "");
          await stream.send({ greeting: request.name });
        },
      },
    });
    for (const protocol of ["grpc", "triple"] as const) {
      const c = e2e.client(target, { protocol, interceptors: [client], headers: { "x-client-default": "d" } });
      let header: Headers | undefined;
      let trailer: Headers | undefined;
      await c.greet({ name: "a" }, { onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) });
      expect(header?.get("x-client-added")).toBe("c");
      expect(header?.get("x-server-header")).toBe("h");
      expect(trailer?.get("x-server-trailer")).toBe("t");
      const stream = c.greetServerStream({ name: "s" });
      expect((await collect(stream)).length).toBe(1);
      expect((await stream.headers).get("x-client-added")).toBe("c");
      expect((await stream.trailers).get("x-server-trailer")).toBe("t");
    }
    expect(handlerSaw).toEqual(["user-of-abc", "user-of-abc", "user-of-abc", "user-of-abc"]);
    expect(seen[0]).toBe("greet.GreetService/Greet unary /greet.GreetService/Greet peer=127.0.0.1");
    expect(seen[1]).toBe("greet.GreetService/GreetServerStream server_streaming /greet.GreetService/GreetServerStream peer=127.0.0.1");
    expect(AdminService.methods.lookup.idempotency).toBe("no_side_effects");
    expect(AdminService.methods.status.idempotency).toBe("idempotent");
    expect("idempotency" in AdminService.methods.reset).toBe(false);
  });

  it("inspect and replace messages of every call kind, both sides", async () => {
    const target = await e2e.start({ options: { interceptors: [rename("greeting", (g) => `${g}!`)] } });
    for (const protocol of ["grpc", "triple"] as const) {
      const client = e2e.client(target, { protocol, interceptors: [rename("name", (n) => n.toUpperCase())] });
      expect((await client.greet({ name: "u" })).greeting).toBe("U!");
      expect((await collect(client.greetServerStream({ name: "s" }))).map((r) => r.greeting)).toEqual(["S-0!", "S-1!", "S-2!", "S-3!", "S-4!"]);
      const cs = client.greetClientStream();
      await cs.send({ name: "a" });
      await cs.send({ name: "b" });
      expect((await cs.closeAndRecv()).greeting).toBe("A,B!");
      const bidi = client.greetStream();
      const replies: string[] = [];
      for (const name of ["x", "y"]) {
        await bidi.send({ name });
        replies.push((await bidi.recv()).greeting);
      }
      bidi.closeRequest();
      expect(await collect(bidi)).toEqual([]);
      expect(replies).toEqual(["X!", "Y!"]);
    }
  });

  it("short-circuit with UNAUTHENTICATED before the handler runs, on every kind and protocol", async () => {
    let handlerCalls = 0;
    const counted = <T>(value: T): T => (handlerCalls++, value);
    const target = await e2e.start({
      options: { interceptors: [deny] },
      handler: {
        greet: (request) => counted({ greeting: request.name }),
        greetServerStream: async () => void counted(undefined),
        greetClientStream: async () => counted({ greeting: "" }),
        greetStream: async () => void counted(undefined),
      },
    });
    for (const protocol of ["grpc", "triple"] as const) {
      const client = e2e.client(target, { protocol });
      const error = await expectCode(client.greet({ name: "a" }), Code.UNAUTHENTICATED);
      expect(error.rawMessage).toBe("no valid token");
    }
    const client = e2e.client(target);
    await expectCode(collect(client.greetServerStream({ name: "a" })), Code.UNAUTHENTICATED);
    const cs = client.greetClientStream();
    await cs.send({ name: "a" }).catch(() => undefined);
    await expectCode(cs.closeAndRecv(), Code.UNAUTHENTICATED);
    const bidi = client.greetStream();
    await bidi.send({ name: "a" }).catch(() => undefined);
    await expectCode(bidi.recv(), Code.UNAUTHENTICATED);
    expect(handlerCalls).toBe(0);
    const allowed = e2e.client(target, { headers: { authorization: "Bearer good" } });
    expect((await allowed.greet({ name: "ok" })).greeting).toBe("ok");
    expect(handlerCalls).toBe(1);
  });

  it("client interceptors short-circuit too: every call kind fails, sends do not hang", async () => {
    let handlerCalls = 0;
    const target = await e2e.start({ handler: { greet: (r) => (handlerCalls++, { greeting: r.name }) } });
    const client = e2e.client(target, { interceptors: [deny] });
    await expectCode(client.greet({ name: "a" }), Code.UNAUTHENTICATED);
    await expectCode(collect(client.greetServerStream({ name: "a" })), Code.UNAUTHENTICATED);
    const cs = client.greetClientStream();
    await expectCode(withTimeout(cs.send({ name: "a" }), 1_000, "send"), Code.UNAUTHENTICATED);
    await expectCode(cs.closeAndRecv(), Code.UNAUTHENTICATED);
    const bidi = client.greetStream();
    await expectCode(withTimeout(bidi.send({ name: "a" }), 1_000, "send"), Code.UNAUTHENTICATED);
    await expectCode(bidi.recv(), Code.UNAUTHENTICATED);
    expect((await bidi.trailers) instanceof Headers).toBe(true);
    expect(handlerCalls).toBe(0);
  });

  it("server interceptors see the errors handlers throw, unary and streaming", async () => {
    const seen: string[] = [];
    const observe: Interceptor = (next) => async (request) => {
      try {
        const response = await next(request);
        if (!response.stream) return response;
        return {
          ...response,
          message: (async function* () {
            try {
              yield* response.message;
            } catch (error) {
              seen.push(`${request.method.name}: ${error instanceof TripleError ? codeName(error.code) : String(error)}`);
              throw error;
            }
          })(),
        };
      } catch (error) {
        seen.push(`${request.method.name}: ${error instanceof TripleError ? codeName(error.code) : String(error)}`);
        throw error;
      }
    };
    const target = await e2e.start({
      options: { interceptors: [observe] },
      handler: {
        greet: () => {
          throw new TripleError(Code.NOT_FOUND, "nobody");
        },
        async greetServerStream(_request, stream) {
          await stream.send({ greeting: "one" });
          throw new Error("boom");
        },
      },
    });
    const client = e2e.client(target);
    await expectCode(client.greet({ name: "a" }), Code.NOT_FOUND);
    const stream = client.greetServerStream({ name: "a" });
    expect((await stream.recv()).greeting).toBe("one");
    await expectCode(stream.recv(), Code.UNKNOWN);
    expect(seen).toEqual(["Greet: NOT_FOUND", "GreetServerStream: Error: boom"]);
  });

  it("let client interceptors read trailers (unary, server and client streams) and error metadata", async () => {
    const trailers: string[] = [];
    const readTrailers: Interceptor = (next) => async (request) => {
      try {
        const response = await next(request);
        if (!response.stream) {
          trailers.push(`unary ${(response as InterceptedUnaryResponse).trailer.get("x-t")}`);
          return response;
        }
        const streamed = response as InterceptedStreamResponse;
        return {
          ...streamed,
          message: (async function* () {
            yield* streamed.message;
            trailers.push(`${request.method.kind} ${streamed.trailer.get("x-t")}`);
          })(),
        };
      } catch (error) {
        trailers.push(`error ${(error as TripleError).metadata.get("x-t")}`);
        throw error;
      }
    };
    const target = await e2e.start({
      handler: {
        greet: (request, ctx) => {
          ctx.responseTrailers.set("x-t", request.name);
          if (request.name === "fail") throw new TripleError(Code.ABORTED, "failed");
          return { greeting: request.name };
        },
        async greetServerStream(request, stream, ctx) {
          ctx.responseTrailers.set("x-t", "ss");
          await stream.send({ greeting: request.name });
        },
        async greetClientStream(stream, ctx) {
          for await (const _ of stream);
          ctx.responseTrailers.set("x-t", "cs");
          return { greeting: "" };
        },
      },
    });
    const client = e2e.client(target, { interceptors: [readTrailers] });
    await client.greet({ name: "u" });
    let failedTrailer: Headers | undefined;
    await expectCode(client.greet({ name: "fail" }, { onTrailer: (t) => (failedTrailer = t) }), Code.ABORTED);
    expect(failedTrailer?.get("x-t")).toBe("fail");
    await collect(client.greetServerStream({ name: "s" }));
    const cs = client.greetClientStream();
    await cs.send({ name: "a" });
    await cs.closeAndRecv();
    expect(trailers).toEqual(["unary u", "error fail", "server_streaming ss", "client_streaming cs"]);
  });

  it("run once per call with retries beneath them", async () => {
    let failures = 2;
    let handlerCalls = 0;
    let interceptorCalls = 0;
    const count: Interceptor = (next) => (request) => (interceptorCalls++, next(request));
    const target = await e2e.start({
      handler: {
        greet: (request) => {
          handlerCalls++;
          if (failures-- > 0) throw new TripleError(Code.UNAVAILABLE, "try again");
          return { greeting: request.name };
        },
        async greetServerStream(request, stream) {
          handlerCalls++;
          if (failures-- > 0) throw new TripleError(Code.UNAVAILABLE, "try again");
          await stream.send({ greeting: request.name });
        },
      },
    });
    const client = e2e.client(target, { interceptors: [count], retry: { maxAttempts: 3, initialBackoffMs: 5 } });
    expect((await client.greet({ name: "r" })).greeting).toBe("r");
    expect([handlerCalls, interceptorCalls]).toEqual([3, 1]);
    failures = 2;
    expect((await collect(client.greetServerStream({ name: "s" }))).map((r) => r.greeting)).toEqual(["s"]);
    expect([handlerCalls, interceptorCalls]).toEqual([6, 2]);
  });

  it("keep deadlines and cancellation working, and may set a deadline themselves", async () => {
    const aborted: string[] = [];
    const watchAbort: Interceptor = (next) => (request) => {
      request.signal.addEventListener("abort", () => aborted.push(request.method.name), { once: true });
      return next(request);
    };
    const hang = async (_: unknown, ctx: { signal: AbortSignal }): Promise<never> => {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      throw new TripleError(Code.CANCELLED, "gone");
    };
    const target = await e2e.start({
      options: { interceptors: [watchAbort] },
      handler: {
        greet: (r, ctx) => hang(r, ctx),
        greetServerStream: (r, _s, ctx) => hang(r, ctx),
        greetStream: (s, ctx) => hang(s, ctx),
      },
    });
    const client = e2e.client(target, { interceptors: [watchAbort] });
    await expectCode(client.greet({ name: "a" }, { timeoutMs: 100 }), Code.DEADLINE_EXCEEDED);
    const shortDeadline: Interceptor = (next) => (request) => next({ ...request, timeoutMs: 80 });
    const started = Date.now();
    await expectCode(e2e.client(target, { interceptors: [shortDeadline] }).greet({ name: "b" }), Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2_000);
    const controller = new AbortController();
    const stream = client.greetServerStream({ name: "c" }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expectCode(collect(stream), Code.CANCELLED);
    const closed = client.greetServerStream({ name: "d" });
    const pending = closed.recv();
    await sleep(50);
    closed.close();
    await expectCode(pending, Code.CANCELLED);
    const bidi = client.greetStream();
    await bidi.send({ name: "e" });
    await sleep(30);
    bidi.closeResponse();
    await expectCode(bidi.recv(), Code.CANCELLED);
    await sleep(100);
    // Client side: the timeout and both cancels; server side: the deadline and the three cancels.
    expect(aborted.filter((n) => n === "GreetServerStream").length).toBeGreaterThanOrEqual(3);
    expect(aborted.filter((n) => n === "Greet").length).toBeGreaterThanOrEqual(2);
  });

  it("release a handler blocked on send when the client goes away", async () => {
    const ended = deferred<string>();
    const target = await e2e.start({
      options: { interceptors: [rename("greeting", (g) => g)] },
      handler: {
        async greetServerStream(_request, stream) {
          try {
            for (let i = 0; ; i++) await stream.send({ greeting: "x".repeat(1000) + i });
          } catch (error) {
            ended.resolve(error instanceof TripleError ? codeName(error.code) : String(error));
            throw error;
          }
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "a" });
    await stream.recv();
    stream.close();
    expect(await withTimeout(ended.promise, 2_000, "handler release")).toMatch(/CANCELLED|UNAVAILABLE/);
  });
});
