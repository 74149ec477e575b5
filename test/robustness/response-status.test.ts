// Where the client reads the status of a gRPC response: only HEADERS that end the stream are a
// trailers-only response. A `grpc-status` in HEADERS that a body or trailers follow is not the status
// (grpc-go ignores it too; connectrpc conformance "gRPC Unexpected Responses/trailers-only/*").
import { describe, expect, it } from "vitest";
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
