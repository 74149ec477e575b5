// Errors: a handler's TripleError reaches the client with code, message, details and metadata; any
// other exception becomes UNKNOWN without its text, and the server's onError hook sees it.
import { describe, expect, it } from "vitest";
import { GreetRequest } from "../../snapshots/services/greet.js";
import {
  Code,
  decodeBinaryHeader,
  encodeBinaryHeader,
  TripleError,
  type HandlerContext,
} from "../../snapshots/services/tristub-runtime.js";
import { envelope, expectCode, grpcHeaders, rawRequest, unframe, useE2E } from "../support/e2e.js";

const e2e = useE2E();

const details = [
  { typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: Uint8Array.from([0x0a, 0x03, 0x66, 0x6f, 0x6f]) },
  { typeUrl: "type.googleapis.com/google.rpc.DebugInfo", value: new Uint8Array(0) },
  { typeUrl: "type.example.com/Blob", value: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
];
const binary = Uint8Array.from([0, 1, 2, 0xfe, 0xff]);

describe("TripleError from a handler", () => {
  it("delivers code, message, details and metadata (trailers-only response)", async () => {
    const target = await e2e.start({
      handler: {
        greet(request) {
          throw new TripleError(Code.NOT_FOUND, `no greeting for ${request.name}`, {
            metadata: { "x-reason": "missing", "x-blob-bin": encodeBinaryHeader(binary) },
            details,
          });
        },
      },
    });
    let trailers: Headers | undefined;
    const error = await expectCode(
      e2e.client(target).greet({ name: "bob" }, { onTrailer: (t) => (trailers = t) }),
      Code.NOT_FOUND,
    );
    expect(error.rawMessage).toBe("no greeting for bob");
    expect(error.message).toBe("[not_found] no greeting for bob");
    expect(error.details).toEqual(details);
    expect(error.metadata.get("x-reason")).toBe("missing");
    expect(decodeBinaryHeader(error.metadata.get("x-blob-bin") ?? "")).toEqual([binary]);
    // A trailers-only response is the trailers too: onTrailer sees the error's metadata.
    expect(trailers?.get("x-reason")).toBe("missing");
  });

  it("round-trips a non-ASCII, percent and control-character message, percent-encoded on the wire", async () => {
    const message = "héllo 100% + 50%25 wörld 世界 🚀\ttab\nline \u0000 %zz %";
    const target = await e2e.start({
      handler: {
        greet() {
          throw new TripleError(Code.INVALID_ARGUMENT, message);
        },
      },
    });
    const error = await expectCode(e2e.client(target).greet({ name: "" }), Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe(message);

    const response = await rawRequest(e2e.connect(target), grpcHeaders("Greet"), envelope(GreetRequest.encode({ name: "" })));
    const wire = String(response.headers["grpc-message"]);
    expect(wire).toMatch(/^[\x20-\x7e]*$/);
    expect(wire).toContain("%C3%A9");
    expect(decodeURIComponent(wire.replace(/%(?![0-9A-F]{2})/g, "%25"))).toBe(message);
  });

  it("delivers an error after messages were sent, with header and trailer metadata", async () => {
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream, ctx) {
          ctx.responseHeaders.set("x-from-headers", "h");
          ctx.responseTrailers.set("x-from-trailers", "t");
          await stream.send({ greeting: "one" });
          await stream.send({ greeting: "two" });
          throw new TripleError(Code.ABORTED, "stopped", { metadata: { "x-from-error": "e" }, details: details.slice(0, 1) });
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "" });
    const received: string[] = [];
    const error = await expectCode(
      (async () => {
        for await (const response of stream) received.push(response.greeting);
      })(),
      Code.ABORTED,
    );
    expect(received).toEqual(["one", "two"]);
    expect(error.rawMessage).toBe("stopped");
    expect(error.details).toEqual(details.slice(0, 1));
    expect(error.metadata.get("x-from-error")).toBe("e");
    expect(error.metadata.get("x-from-trailers")).toBe("t");
    expect(error.metadata.get("x-from-headers")).toBe("h");
    expect((await stream.headers).get("x-from-headers")).toBe("h");
    expect((await stream.trailers).get("x-from-error")).toBe("e");
  });

  it("carries every code 1..16 through", async () => {
    const target = await e2e.start({
      handler: {
        greet(request) {
          throw new TripleError(Number(request.name) as Code, `code ${request.name}`);
        },
      },
    });
    const client = e2e.client(target);
    for (let code = 1; code <= 16; code++) {
      const error = await expectCode(client.greet({ name: String(code) }), code);
      expect(error.rawMessage).toBe(`code ${code}`);
    }
  });
});

describe("unexpected exceptions", () => {
  it("become UNKNOWN without the exception text; onError sees the original", async () => {
    const seen: { error: unknown; method: string }[] = [];
    const target = await e2e.start({
      options: { onError: (error: unknown, ctx: HandlerContext) => seen.push({ error, method: ctx.method.name }) },
      handler: {
        greet() {
          throw new Error("secret database password");
        },
        async greetServerStream(_, stream) {
          await stream.send({ greeting: "partial" });
          throw "a secret string"; // eslint-disable-line no-throw-literal
        },
      },
    });
    const client = e2e.client(target);
    const unary = await expectCode(client.greet({ name: "" }), Code.UNKNOWN);
    expect(unary.message).not.toMatch(/secret/);
    expect(unary.cause).toBeUndefined(); // the cause never crosses the wire

    const received: string[] = [];
    const streamed = await expectCode(
      (async () => {
        for await (const response of client.greetServerStream({ name: "" })) received.push(response.greeting);
      })(),
      Code.UNKNOWN,
    );
    expect(received).toEqual(["partial"]);
    expect(streamed.message).not.toMatch(/secret/);

    expect(seen.map((s) => s.method)).toEqual(["Greet", "GreetServerStream"]);
    expect((seen[0]?.error as Error).message).toBe("secret database password");
    expect(seen[1]?.error).toBe("a secret string");
  });

  it("is not reported to onError for a TripleError, and a throwing onError does not break the server", async () => {
    let calls = 0;
    const target = await e2e.start({
      options: {
        onError: () => {
          calls++;
          throw new Error("hook failed");
        },
      },
      handler: {
        greet(request) {
          if (request.name === "triple") throw new TripleError(Code.NOT_FOUND, "nope");
          throw new Error("boom");
        },
      },
    });
    const client = e2e.client(target);
    await expectCode(client.greet({ name: "triple" }), Code.NOT_FOUND);
    expect(calls).toBe(0);
    await expectCode(client.greet({ name: "plain" }), Code.UNKNOWN);
    expect(calls).toBe(1);
    expect((await client.greetClientStream().closeAndRecv()).greeting).toBe("");
  });

  it("fails a request that does not decode with INVALID_ARGUMENT", async () => {
    const target = await e2e.start();
    const response = await rawRequest(e2e.connect(target), grpcHeaders("Greet"), envelope(Uint8Array.from([0x0a, 0x05, 0x61])));
    expect(response.headers["grpc-status"]).toBe(String(Code.INVALID_ARGUMENT));
    expect(unframe(response.body)).toEqual([]);
  });
});
