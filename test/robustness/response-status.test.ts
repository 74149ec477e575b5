// Where the client reads the status of a gRPC response: only HEADERS that end the stream are a
// trailers-only response. A `grpc-status` in HEADERS that a body or trailers follow is not the status
// (grpc-go ignores it too; connectrpc conformance "gRPC Unexpected Responses/trailers-only/*"). And a
// server's RST_STREAM(CANCEL) after the deadline is the deadline (conformance "Timeouts" against
// grpc-go's server, which resets at the deadline, sometimes before the client's timer runs).
import { constants } from "node:http2";
import { describe, expect, it, vi } from "vitest";
import { GreetResponse } from "../../snapshots/services/greet.js";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { envelope, expectCode, useE2E } from "../support/e2e.js";

const e2e = useE2E();

describe("client: grpc-status in the response HEADERS", () => {
  it("uses the trailers' status, not one in HEADERS that trailers follow", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(Code.RESOURCE_EXHAUSTED) }, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(Code.FAILED_PRECONDITION), "x-trailer": "real" }));
      stream.end();
    });
    let trailers: Headers | undefined;
    const error = await expectCode(e2e.client(raw).greet({ name: "" }, { onTrailer: (t) => (trailers = t) }), Code.FAILED_PRECONDITION);
    expect(error.metadata.get("x-trailer")).toBe("real");
    expect(trailers?.get("x-trailer")).toBe("real");
  });

  it("fails with INTERNAL (no status) when HEADERS with grpc-status are followed by a message and no trailers", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(Code.FAILED_PRECONDITION) });
      stream.end(envelope(GreetResponse.encode({ greeting: "ignored" })));
    });
    const error = await expectCode(e2e.client(raw).greet({ name: "" }), Code.INTERNAL);
    expect(error.rawMessage).toMatch(/missing grpc-status trailer/);
  });

  it("still reads a trailers-only response (HEADERS with END_STREAM) as the status", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(Code.NOT_FOUND), "grpc-message": "gone" }, { endStream: true });
    });
    const error = await expectCode(e2e.client(raw).greet({ name: "" }), Code.NOT_FOUND);
    expect(error.rawMessage).toBe("gone");
  });
});

describe("client: RST_STREAM(CANCEL) from the server", () => {
  it("is DEADLINE_EXCEEDED once the call's deadline has passed, even before the client's own timer ran", async () => {
    const timeoutMs = 30;
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      // The server enforces the deadline: it resets the stream once the client's deadline has passed.
      const started = Date.now();
      const waitForDeadline = (): void => {
        if (Date.now() - started > timeoutMs + 20) stream.close(constants.NGHTTP2_CANCEL);
        else setImmediate(waitForDeadline);
      };
      waitForDeadline();
    });
    const client = e2e.client(raw);
    // The client's deadline timer never fires (fake setTimeout): only the server's reset ends the call.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const error = await expectCode(client.greet({ name: "" }, { timeoutMs }), Code.DEADLINE_EXCEEDED);
      expect(error.rawMessage).toMatch(/deadline exceeded/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stays CANCELLED before the deadline", async () => {
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.close(constants.NGHTTP2_CANCEL);
    });
    const error = await expectCode(e2e.client(raw).greet({ name: "" }, { timeoutMs: 10_000 }), Code.CANCELLED);
    expect(error.rawMessage).toMatch(/reset by peer with code 8/);
  });
});
