// Metadata both ways: client headers → ctx.requestHeaders; ctx.responseHeaders/responseTrailers →
// onHeader/onTrailer and the streams' headers/trailers promises; `-bin` values as base64.
import { describe, expect, it } from "vitest";
import { Code, decodeBinaryHeader, encodeBinaryHeader, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { collect, expectCode, expectEnded, useE2E } from "../support/e2e.js";

const e2e = useE2E();

const token = Uint8Array.from([0, 0xff, 0x10, 0x80, 0x7f, 1, 2, 3, 4]);

describe("request metadata", () => {
  it("reaches ctx.requestHeaders: client-wide and per-call headers, lower-cased, -bin decodable", async () => {
    let seen: Headers | undefined;
    const target = await e2e.start({
      handler: {
        greet(request, ctx) {
          seen = ctx.requestHeaders;
          return { greeting: request.name };
        },
      },
    });
    const client = e2e.client(target, { headers: { "x-client": "everywhere", "x-shared": "client" } });
    await client.greet(
      { name: "" },
      { headers: new Headers({ "X-Call": "Mixed Case Value", "x-token-bin": encodeBinaryHeader(token), "x-shared": "call" }) },
    );
    expect(seen?.get("x-client")).toBe("everywhere");
    expect(seen?.get("x-call")).toBe("Mixed Case Value");
    expect(seen?.get("x-shared")).toBe("call"); // the call's value wins
    expect(decodeBinaryHeader(seen?.get("x-token-bin") ?? "")).toEqual([token]);
    expect(seen?.get("content-type")).toBe("application/grpc+proto");
  });

  it("cannot override protocol headers", async () => {
    let seen: Headers | undefined;
    const target = await e2e.start({
      handler: {
        greet(request, ctx) {
          seen = ctx.requestHeaders;
          return { greeting: request.name };
        },
      },
    });
    const client = e2e.client(target);
    const response = await client.greet(
      { name: "ok" },
      { headers: { "content-type": "text/plain", "grpc-timeout": "1n", "grpc-encoding": "br", te: "x" } },
    );
    expect(response.greeting).toBe("ok");
    expect(seen?.get("content-type")).toBe("application/grpc+proto");
    expect(seen?.get("grpc-timeout")).toBeNull();
    expect(seen?.get("grpc-encoding")).toBeNull();
  });

  it("reaches streaming handlers too", async () => {
    const target = await e2e.start({
      handler: {
        async greetStream(stream, ctx) {
          for await (const request of stream) await stream.send({ greeting: `${request.name}:${ctx.requestHeaders.get("x-session")}` });
        },
      },
    });
    const stream = e2e.client(target).greetStream({ headers: { "x-session": "s1" } });
    await stream.send({ name: "a" });
    expect((await stream.recv()).greeting).toBe("a:s1");
    stream.closeRequest();
    await expectEnded(stream.recv());
  });
});

describe("response metadata", () => {
  it("unary: onHeader and onTrailer get ctx.responseHeaders and ctx.responseTrailers", async () => {
    const target = await e2e.start({
      handler: {
        greet(request, ctx) {
          ctx.responseHeaders.set("x-header", "h1");
          ctx.responseHeaders.set("x-header-bin", encodeBinaryHeader(token));
          ctx.responseTrailers.set("x-trailer", "t1");
          ctx.responseTrailers.set("x-trailer-bin", encodeBinaryHeader(token.slice(1)));
          return { greeting: request.name };
        },
      },
    });
    const order: string[] = [];
    let headers: Headers | undefined;
    let trailers: Headers | undefined;
    const response = await e2e.client(target).greet(
      { name: "x" },
      {
        onHeader: (h) => {
          order.push("header");
          headers = h;
        },
        onTrailer: (t) => {
          order.push("trailer");
          trailers = t;
        },
      },
    );
    expect(response.greeting).toBe("x");
    expect(order).toEqual(["header", "trailer"]);
    expect(headers?.get("x-header")).toBe("h1");
    expect(decodeBinaryHeader(headers?.get("x-header-bin") ?? "")).toEqual([token]);
    expect(headers?.get("x-trailer")).toBeNull();
    expect(trailers?.get("x-trailer")).toBe("t1");
    expect(decodeBinaryHeader(trailers?.get("x-trailer-bin") ?? "")).toEqual([token.slice(1)]);
    expect(trailers?.get("x-header")).toBeNull();
  });

  it("server stream: headers resolve before the end, trailers after", async () => {
    const release = { resolve: (): void => undefined };
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream, ctx) {
          ctx.responseHeaders.set("x-header", "early");
          await stream.send({ greeting: "first" });
          await new Promise<void>((resolve) => (release.resolve = resolve));
          ctx.responseTrailers.set("x-trailer", "late");
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "" });
    expect((await stream.headers).get("x-header")).toBe("early");
    expect((await stream.recv()).greeting).toBe("first");
    let trailersArrived = false;
    void stream.trailers.then(() => (trailersArrived = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(trailersArrived).toBe(false);
    release.resolve();
    await expectEnded(stream.recv());
    expect((await stream.trailers).get("x-trailer")).toBe("late");
  });

  it("a stream without messages gets its headers as headers and its trailers as trailers (not one trailers-only response)", async () => {
    const target = await e2e.start({
      handler: {
        greetServerStream(_, __, ctx) {
          ctx.responseHeaders.set("x-header", "h");
          ctx.responseTrailers.set("x-trailer", "t");
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "" });
    await expectEnded(stream.recv());
    expect((await stream.headers).get("x-header")).toBe("h");
    expect((await stream.headers).get("x-trailer")).toBeNull();
    expect((await stream.trailers).get("x-trailer")).toBe("t");
    expect((await stream.trailers).get("x-header")).toBeNull();
  });

  it("client and bidi streams expose headers and trailers", async () => {
    const target = await e2e.start({
      handler: {
        async greetClientStream(stream, ctx) {
          ctx.responseHeaders.set("x-kind", "client");
          ctx.responseTrailers.set("x-count", String((await collect(stream)).length));
          return { greeting: "done" };
        },
        async greetStream(stream, ctx) {
          ctx.responseHeaders.set("x-kind", "bidi");
          let count = 0;
          for await (const request of stream) {
            count++;
            await stream.send({ greeting: request.name });
          }
          ctx.responseTrailers.set("x-count", String(count));
        },
      },
    });
    const client = e2e.client(target);
    const upload = client.greetClientStream();
    for (let i = 0; i < 3; i++) await upload.send({ name: "" });
    expect((await upload.closeAndRecv()).greeting).toBe("done");
    expect((await upload.headers).get("x-kind")).toBe("client");
    expect((await upload.trailers).get("x-count")).toBe("3");

    const bidi = client.greetStream();
    await bidi.send({ name: "a" });
    await bidi.send({ name: "b" });
    bidi.closeRequest();
    expect((await collect(bidi)).map((r) => r.greeting)).toEqual(["a", "b"]);
    expect((await bidi.headers).get("x-kind")).toBe("bidi");
    expect((await bidi.trailers).get("x-count")).toBe("2");
  });

  it("headers and trailers promises resolve (empty) when the call fails before any arrive", async () => {
    const raw = await e2e.rawServer((stream) => stream.close(0x2)); // RST_STREAM(INTERNAL_ERROR), no response
    const stream = e2e.client(raw).greetServerStream({ name: "" });
    await expectCode(stream.recv(), Code.INTERNAL);
    expect([...(await stream.headers).keys()]).toEqual([]);
    expect([...(await stream.trailers).keys()]).toEqual([]);
  });

  it("a throwing onHeader callback fails the call instead of crashing the process", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    const error = await expectCode(
      client.greet(
        { name: "x" },
        {
          onHeader: () => {
            throw new TripleError(Code.PERMISSION_DENIED, "header check failed");
          },
        },
      ),
      Code.PERMISSION_DENIED,
    );
    expect(error.rawMessage).toBe("header check failed");
    expect((await client.greet({ name: "y" })).greeting).toBe("y");
  });
});
