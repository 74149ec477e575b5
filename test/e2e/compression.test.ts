// gzip both ways: the client compresses requests with `sendCompression: "gzip"`; the server gzips
// responses of at least compressMinBytes for clients that accept gzip — checked on the wire too. A
// response compressor that throws mid-stream fails the call with INTERNAL; what was sent stays intact.
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse } from "../../snapshots/services/greet.js";
import { nodeGzip } from "../../snapshots/services/tristub/transport/node/gzip.js";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { collect, deferred, envelope, expectCode, grpcHeaders, rawRequest, unframe, useE2E } from "../support/e2e.js";

const e2e = useE2E();

const big = "compressible ".repeat(400); // ~5 KiB, well above the default compressMinBytes (1024)

describe("client → server", () => {
  it("sendCompression gzip puts grpc-encoding and compressed envelopes on the wire", async () => {
    const seen = deferred<{ headers: Record<string, unknown>; body: Uint8Array }>();
    const raw = await e2e.rawServer((stream, headers) => {
      const chunks: Uint8Array[] = [];
      stream.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      stream.on("end", () => {
        seen.resolve({ headers, body: Buffer.concat(chunks) });
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(envelope(GreetResponse.encode({ greeting: "ok" })));
      });
    });
    const client = e2e.client(raw, { sendCompression: "gzip" });
    expect((await client.greet({ name: big })).greeting).toBe("ok");
    const { headers, body } = await seen.promise;
    expect(headers["grpc-encoding"]).toBe("gzip");
    expect(String(headers["grpc-accept-encoding"])).toContain("gzip");
    const [message, ...rest] = unframe(body);
    expect(rest).toEqual([]);
    expect(message?.flags).toBe(1);
    expect(message!.data.length).toBeLessThan(big.length / 4);
    expect(GreetRequest.decode(gunzipSync(message!.data)).name).toBe(big);
  });

  it("the server decompresses gzip requests from the generated client, for every kind", async () => {
    const target = await e2e.start();
    const client = e2e.client(target, { sendCompression: "gzip" });
    expect((await client.greet({ name: big })).greeting).toBe(big);
    expect((await client.greet({ name: "" })).greeting).toBe("");
    const upload = client.greetClientStream();
    for (let i = 0; i < 3; i++) await upload.send({ name: `${i}${big}` });
    expect((await upload.closeAndRecv()).greeting).toBe([0, 1, 2].map((i) => `${i}${big}`).join(","));
  });

  it("the server decompresses a raw gzip request, and rejects unknown encodings", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const compressed = envelope(gzipSync(GreetRequest.encode({ name: "zipped" })), 1);
    const ok = await rawRequest(session, grpcHeaders("Greet", { "grpc-encoding": "gzip" }), compressed);
    expect(ok.trailers?.["grpc-status"]).toBe("0");
    expect(GreetResponse.decode(unframe(ok.body)[0]!.data).greeting).toBe("zipped");

    const br = await rawRequest(session, grpcHeaders("Greet", { "grpc-encoding": "br" }), compressed);
    expect(br.headers["grpc-status"]).toBe(String(Code.UNIMPLEMENTED));
    expect(String(br.headers["grpc-accept-encoding"])).toContain("gzip");

    // A compressed flag without grpc-encoding is a protocol error, not a crash.
    const bare = await rawRequest(session, grpcHeaders("Greet"), compressed);
    expect(bare.headers["grpc-status"] ?? bare.trailers?.["grpc-status"]).not.toBe("0");

    // Corrupt gzip data fails the call.
    const corrupt = await rawRequest(session, grpcHeaders("Greet", { "grpc-encoding": "gzip" }), envelope(Uint8Array.from([1, 2, 3]), 1));
    expect(corrupt.headers["grpc-status"] ?? corrupt.trailers?.["grpc-status"]).toBe(String(Code.INVALID_ARGUMENT));
  });
});

describe("server → client", () => {
  it("gzips large responses for a client that accepts gzip: grpc-encoding gzip and flag 1", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const response = await rawRequest(
      session,
      grpcHeaders("Greet", { "grpc-accept-encoding": "gzip" }),
      envelope(GreetRequest.encode({ name: big })),
    );
    expect(response.headers["grpc-encoding"]).toBe("gzip");
    const [message] = unframe(response.body);
    expect(message?.flags).toBe(1);
    expect(message!.data.length).toBeLessThan(big.length / 4);
    expect(GreetResponse.decode(gunzipSync(message!.data)).greeting).toBe(big);
  });

  it("leaves messages under compressMinBytes uncompressed (flag 0)", async () => {
    const target = await e2e.start({ options: { compressMinBytes: 2_000 } });
    const session = e2e.connect(target);
    const headers = grpcHeaders("GreetServerStream", { "grpc-accept-encoding": "identity, gzip" });
    const small = await rawRequest(session, headers, envelope(GreetRequest.encode({ name: "x".repeat(1_500) })));
    expect(unframe(small.body).map((m) => m.flags)).toEqual([0, 0, 0, 0, 0]);
    const large = await rawRequest(session, headers, envelope(GreetRequest.encode({ name: "x".repeat(2_500) })));
    expect(unframe(large.body).map((m) => m.flags)).toEqual([1, 1, 1, 1, 1]);
  });

  it("does not compress for clients that do not accept gzip, nor with disableCompression", async () => {
    const request = envelope(GreetRequest.encode({ name: big }));
    const plain = await e2e.start();
    const none = await rawRequest(e2e.connect(plain), grpcHeaders("Greet"), request);
    expect(none.headers["grpc-encoding"]).toBeUndefined();
    expect(unframe(none.body)[0]?.flags).toBe(0);

    const disabled = await e2e.start({ options: { disableCompression: true } });
    const off = await rawRequest(e2e.connect(disabled), grpcHeaders("Greet", { "grpc-accept-encoding": "gzip" }), request);
    expect(off.headers["grpc-encoding"]).toBeUndefined();
    expect(unframe(off.body)[0]?.flags).toBe(0);
  });

  it("the generated client decompresses gzip responses (it always accepts gzip)", async () => {
    const target = await e2e.start({ options: { compressMinBytes: 0 } });
    const client = e2e.client(target);
    let encoding: string | null = null;
    expect((await client.greet({ name: big }, { onHeader: (h) => (encoding = h.get("grpc-encoding")) })).greeting).toBe(big);
    expect(encoding).toBe("gzip");
    const replies: string[] = [];
    for await (const reply of client.greetServerStream({ name: "s" })) replies.push(reply.greeting);
    expect(replies).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4"]);
  });
});

describe("a response compressor that throws mid-stream (gRPC)", () => {
  const original = nodeGzip.compress;
  afterEach(() => {
    nodeGzip.compress = original;
  });

  it("fails the call with INTERNAL after the messages sent before it, which arrive intact; the server keeps serving", async () => {
    const boom = new Error("compressor exploded");
    nodeGzip.compress = () => {
      throw boom;
    };
    const sendErrors: unknown[] = [];
    const target = await e2e.start({
      options: { compressMinBytes: 100 },
      handler: {
        async greetServerStream(request, stream) {
          await stream.send({ greeting: "small" }); // under compressMinBytes: sent as is
          try {
            await stream.send({ greeting: big }); // compressed: the compressor throws
          } catch (error) {
            sendErrors.push(error);
            throw error;
          }
        },
      },
    });
    const client = e2e.client(target);
    const call = client.greetServerStream({ name: "x" });
    expect((await call.recv()).greeting).toBe("small");
    const failure = await expectCode(collect(call), Code.INTERNAL);
    expect(failure.message).toContain("could not compress");
    expect(sendErrors).toHaveLength(1);
    nodeGzip.compress = original;
    expect((await collect(client.greetServerStream({ name: "again" }))).map((r) => r.greeting)).toEqual(["small", big]);
  });
});
