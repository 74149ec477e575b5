// Framing on the wire: envelopes split at every byte (both directions), RST_STREAM(NO_ERROR) after a
// complete response, and responses that are not proper gRPC (HTTP errors, missing status, bad bodies).
import { constants, type ServerHttp2Stream } from "node:http2";
import { describe, expect, it } from "vitest";
import { GreetClientStreamRequest, GreetClientStreamResponse, GreetRequest, GreetResponse } from "../../snapshots/services/greet.js";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { collect, envelope, expectCode, grpcHeaders, rawRequest, sleep, unframe, useE2E } from "../support/e2e.js";

const e2e = useE2E();

/** Answers like a gRPC server: 200, the given body, then trailers (none for `null`). */
function respond(stream: ServerHttp2Stream, body: Uint8Array, trailers: Record<string, string> | null = { "grpc-status": "0" }) {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: trailers !== null });
  if (trailers !== null) stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  stream.end(body);
}

/** Writes `bytes` one byte per DATA frame, pausing between writes. */
async function writeBytewise(write: (chunk: Uint8Array) => Promise<void>, bytes: Uint8Array): Promise<void> {
  for (let i = 0; i < bytes.length; i++) {
    await write(bytes.subarray(i, i + 1));
    if (i % 4 === 0) await sleep(1);
  }
}

describe("envelopes split at every byte", () => {
  it("the server decodes requests written one byte per DATA frame", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const unary = await rawRequest(session, grpcHeaders("Greet"), (write) =>
      writeBytewise(write, envelope(GreetRequest.encode({ name: "byte by byte" }))),
    );
    expect(unary.trailers?.["grpc-status"]).toBe("0");
    expect(GreetResponse.decode(unframe(unary.body)[0]!.data).greeting).toBe("byte by byte");

    const body = Buffer.concat(["a", "", "ccc"].map((name) => envelope(GreetClientStreamRequest.encode({ name }))));
    const upload = await rawRequest(session, grpcHeaders("GreetClientStream"), (write) => writeBytewise(write, body));
    expect(upload.trailers?.["grpc-status"]).toBe("0");
    expect(GreetClientStreamResponse.decode(unframe(upload.body)[0]!.data).greeting).toBe("a,,ccc");
  });

  it("the generated client decodes responses written one byte per DATA frame", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-done": "yes" }));
      const body = Buffer.concat(["one", "", "three"].map((greeting) => envelope(GreetResponse.encode({ greeting }))));
      void writeBytewise((chunk) => new Promise((resolve) => stream.write(chunk, () => resolve())), body).then(() => stream.end());
    });
    const client = e2e.client(raw);
    const replies = client.greetServerStream({ name: "" });
    expect((await collect(replies)).map((r) => r.greeting)).toEqual(["one", "", "three"]);
    expect((await replies.trailers).get("x-done")).toBe("yes");
  });
});

describe("RST_STREAM(NO_ERROR) after a complete response", () => {
  it("is success for a unary call", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.on("end", () => {
        respond(stream, envelope(GreetResponse.encode({ greeting: "complete" })));
        stream.once("wantTrailers", () => setImmediate(() => stream.close(constants.NGHTTP2_NO_ERROR)));
      });
    });
    expect((await e2e.client(raw).greet({ name: "" })).greeting).toBe("complete");
  });

  it("is success for a client stream the server answered before the client finished sending", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.once("data", () => {
        respond(stream, envelope(GreetClientStreamResponse.encode({ greeting: "early" })));
        stream.once("wantTrailers", () => setImmediate(() => stream.close(constants.NGHTTP2_NO_ERROR)));
      });
    });
    const upload = e2e.client(raw).greetClientStream();
    await upload.send({ name: "first" });
    await sleep(50); // the response and the reset arrive while the request side is open
    const sent = await upload.send({ name: "too late" }).then(
      () => "resolved",
      (error: unknown) => error,
    );
    expect((await upload.closeAndRecv()).greeting).toBe("early");
    // A send after the server ended the call reports the end, not a failure.
    if (sent !== "resolved") expect((sent as { code?: number }).code).toBe(Code.OK);
  });
});

describe("responses that are not proper gRPC", () => {
  it.each([
    [400, Code.INTERNAL],
    [401, Code.UNAUTHENTICATED],
    [403, Code.PERMISSION_DENIED],
    [404, Code.UNIMPLEMENTED],
    [429, Code.UNAVAILABLE],
    [500, Code.UNKNOWN],
    [502, Code.UNAVAILABLE],
    [503, Code.UNAVAILABLE],
    [504, Code.UNAVAILABLE],
  ])("maps HTTP %i without grpc-status to code %i", async (status, code) => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": status, "content-type": "text/plain" });
      stream.end("proxy says no");
    });
    const error = await expectCode(e2e.client(raw).greet({ name: "" }), code);
    expect(error.rawMessage).toContain(String(status));
  });

  it("prefers grpc-status over the HTTP status", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": 503, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "gone" }, { endStream: true });
    });
    expect((await expectCode(e2e.client(raw).greet({ name: "" }), Code.NOT_FOUND)).rawMessage).toBe("gone");
  });

  it("fails with INTERNAL when the response ends without grpc-status", async () => {
    const message = envelope(GreetResponse.encode({ greeting: "orphan" }));
    const noTrailers = await e2e.rawServer((stream) => {
      stream.resume();
      respond(stream, message, null);
    });
    const error = await expectCode(e2e.client(noTrailers).greet({ name: "" }), Code.INTERNAL);
    expect(error.rawMessage).toContain("grpc-status");

    const emptyTrailers = await e2e.rawServer((stream) => {
      stream.resume();
      respond(stream, message, { "x-other": "1" });
    });
    await expectCode(e2e.client(emptyTrailers).greet({ name: "" }), Code.INTERNAL);

    // Also when the request side is still open (bidi) — the call must not hang.
    const bidi = e2e.client(noTrailers).greetStream();
    expect((await bidi.recv()).greeting).toBe("orphan");
    await expectCode(bidi.recv(), Code.INTERNAL);
  });

  it("fails bad bodies: truncated envelope, bad flags, compressed without encoding (INTERNAL), wrong message count (UNIMPLEMENTED)", async () => {
    const bodies: Record<string, Uint8Array> = {
      truncated: envelope(GreetResponse.encode({ greeting: "cut" })).subarray(0, 6),
      flags: envelope(GreetResponse.encode({ greeting: "x" }), 0x80),
      compressed: envelope(GreetResponse.encode({ greeting: "x" }), 1),
      none: new Uint8Array(0),
      two: Buffer.concat([envelope(GreetResponse.encode({ greeting: "a" })), envelope(GreetResponse.encode({ greeting: "b" }))]),
      garbage: envelope(Uint8Array.from([0x0a, 0x09, 0x01])),
    };
    const raw = await e2e.rawServer((stream, headers) => {
      stream.resume();
      respond(stream, bodies[String(headers["x-body"])]!);
    });
    const client = e2e.client(raw);
    for (const name of Object.keys(bodies)) {
      // Zero or two messages for a unary call is gRPC's cardinality violation: UNIMPLEMENTED.
      const code = name === "none" || name === "two" ? Code.UNIMPLEMENTED : Code.INTERNAL;
      const error = await expectCode(client.greet({ name: "" }, { headers: { "x-body": name } }), code);
      expect(error.rawMessage, name).not.toBe("");
    }
  });

  it("fails a non-gRPC 200 response", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "text/html" });
      stream.end("<html></html>");
    });
    await expectCode(e2e.client(raw).greet({ name: "" }), Code.UNKNOWN);
  });
});
