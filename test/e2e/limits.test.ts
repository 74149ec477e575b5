// Message size limits (default 4 MiB): 3 MiB passes, 5 MiB fails with RESOURCE_EXHAUSTED — on the
// server's receive side and on the client's; gzip cannot be used to get around them.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GreetRequest } from "../../snapshots/services/greet.js";
import { Code, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { deferred, envelope, expectCode, grpcHeaders, rawRequest, useE2E, withTimeout } from "../support/e2e.js";

const e2e = useE2E();

const MiB = 1024 * 1024;

/** A server whose unary reply has as many bytes as the request's name says (or echoes other names). */
async function sizedServer(options?: Parameters<typeof e2e.start>[0]) {
  return e2e.start({
    ...options,
    handler: {
      greet: (request) => ({ greeting: /^\d+$/.test(request.name) ? "y".repeat(Number(request.name)) : request.name }),
      ...options?.handler,
    },
  });
}

describe("default limits", () => {
  it("carries a 3 MiB message both ways", async () => {
    const target = await e2e.start();
    const name = "a".repeat(3 * MiB);
    const response = await e2e.client(target).greet({ name });
    expect(response.greeting.length).toBe(name.length);
    expect(response.greeting === name).toBe(true);
  });

  it("the server refuses a 5 MiB request with RESOURCE_EXHAUSTED, and the connection stays usable", async () => {
    let handlerRan = false;
    const target = await sizedServer({
      handler: {
        greet: (request) => {
          handlerRan = request.name.length > MiB;
          return { greeting: "" };
        },
      },
    });
    const client = e2e.client(target);
    const error = await expectCode(client.greet({ name: "b".repeat(5 * MiB) }), Code.RESOURCE_EXHAUSTED);
    expect(error.rawMessage).toMatch(/exceeds the maximum/);
    expect(handlerRan).toBe(false);
    expect((await client.greet({ name: "after" })).greeting).toBe("");
    expect(e2e.created("TCPWRAP")).toBe(2);
  });

  it("the client refuses a 5 MiB response with RESOURCE_EXHAUSTED; the handler sees the reset", async () => {
    const gone = deferred<unknown>();
    const target = await sizedServer({
      handler: {
        async greetServerStream(request, stream, ctx) {
          ctx.signal.addEventListener("abort", () => gone.resolve(ctx.signal.reason));
          await stream.send({ greeting: "small" });
          await stream.send({ greeting: "z".repeat(Number(request.name)) });
          // Stay in the call until the client's reset arrives.
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        },
      },
    });
    const client = e2e.client(target);
    const response = await client.greet({ name: String(3 * MiB) });
    expect(response.greeting.length).toBe(3 * MiB);
    await expectCode(client.greet({ name: String(5 * MiB) }), Code.RESOURCE_EXHAUSTED);

    const stream = client.greetServerStream({ name: String(5 * MiB) });
    expect((await stream.recv()).greeting).toBe("small");
    await expectCode(stream.recv(), Code.RESOURCE_EXHAUSTED);
    expect(((await withTimeout(gone.promise, 2_000, "handler abort")) as TripleError).code).toBe(Code.CANCELLED);
  });

  it("a 5 MiB message in a client stream fails the upload", async () => {
    const target = await e2e.start();
    const upload = e2e.client(target).greetClientStream();
    await upload.send({ name: "ok" });
    void upload.send({ name: "c".repeat(5 * MiB) }).catch(() => undefined);
    await expectCode(upload.closeAndRecv(), Code.RESOURCE_EXHAUSTED);
  });
});

describe("configured limits", () => {
  it("honours the server's and the client's maxReceiveMessageBytes", async () => {
    const target = await sizedServer({ options: { maxReceiveMessageBytes: 1_000 } });
    const client = e2e.client(target, { maxReceiveMessageBytes: 2_000 });
    expect((await client.greet({ name: "s".repeat(990) })).greeting.length).toBe(990);
    await expectCode(client.greet({ name: "s".repeat(1_000) }), Code.RESOURCE_EXHAUSTED);
    expect((await client.greet({ name: "1990" })).greeting.length).toBe(1_990);
    await expectCode(client.greet({ name: "2001" }), Code.RESOURCE_EXHAUSTED);
  });

  it("applies the limit after decompression (a gzip bomb is RESOURCE_EXHAUSTED)", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const bomb = gzipSync(GreetRequest.encode({ name: "\0".repeat(16 * MiB) }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await rawRequest(session, grpcHeaders("Greet", { "grpc-encoding": "gzip" }), envelope(bomb, 1));
    expect(response.headers["grpc-status"] ?? response.trailers?.["grpc-status"]).toBe(String(Code.RESOURCE_EXHAUSTED));

    const client = e2e.client(target, { sendCompression: "gzip" });
    await expectCode(client.greet({ name: "\0".repeat(5 * MiB) }), Code.RESOURCE_EXHAUSTED);
    expect((await client.greet({ name: "\0".repeat(3 * MiB) })).greeting.length).toBe(3 * MiB);
  });

  it("refuses an oversized envelope from its header alone, before the payload arrives", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const header = Uint8Array.from([0, 0x7f, 0xff, 0xff, 0xff]); // declares a 2 GiB message
    const started = Date.now();
    const response = await rawRequest(session, grpcHeaders("Greet"), header);
    expect(response.headers["grpc-status"]).toBe(String(Code.RESOURCE_EXHAUSTED));
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
