// Client retry policy: unary calls and server-streaming calls before their first message are retried
// on the listed codes, with exponential backoff, within the call's deadline, honouring the server's
// grpc-retry-pushback-ms; anything else is never repeated.
import { describe, expect, it } from "vitest";
import { Code, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { expectCode, useE2E } from "../support/e2e.js";

const e2e = useE2E();

/** A raw gRPC server answering each call with the next of `statuses` (trailers-only), counting calls. */
async function scriptedServer(statuses: readonly { status: string; pushback?: string }[]) {
  let calls = 0;
  const times: number[] = [];
  const raw = await e2e.rawServer((stream) => {
    stream.on("data", () => undefined);
    const next = statuses[Math.min(calls, statuses.length - 1)] ?? { status: "0" };
    calls++;
    times.push(Date.now());
    const trailers: Record<string, string | number> = { ":status": 200, "content-type": "application/grpc", "grpc-status": next.status, "grpc-message": "scripted" };
    if (next.pushback !== undefined) trailers["grpc-retry-pushback-ms"] = next.pushback;
    stream.respond(trailers, { endStream: true });
  });
  return { raw, calls: () => calls, times };
}

describe("retry policy", () => {
  it("retries UNAVAILABLE unary calls until one succeeds", async () => {
    let failures = 2;
    const target = await e2e.start({
      handler: {
        greet: (request) => {
          if (failures-- > 0) throw new TripleError(Code.UNAVAILABLE, "try again");
          return { greeting: request.name };
        },
      },
    });
    for (const protocol of ["grpc", "triple"] as const) {
      failures = 2;
      const client = e2e.client(target, { protocol, retry: { maxAttempts: 3, initialBackoffMs: 5 } });
      expect((await client.greet({ name: protocol })).greeting).toBe(protocol);
      expect(failures).toBe(-1);
    }
    failures = 1;
    await expectCode(e2e.client(target).greet({ name: "no retry" }), Code.UNAVAILABLE);
  });

  it("gives up after maxAttempts, and never retries codes it does not list", async () => {
    const unavailable = await scriptedServer([{ status: String(Code.UNAVAILABLE) }]);
    await expectCode(e2e.client(unavailable.raw, { retry: { maxAttempts: 4, initialBackoffMs: 1 } }).greet({ name: "a" }), Code.UNAVAILABLE);
    expect(unavailable.calls()).toBe(4);
    const invalid = await scriptedServer([{ status: String(Code.INVALID_ARGUMENT) }]);
    await expectCode(e2e.client(invalid.raw, { retry: { maxAttempts: 4, initialBackoffMs: 1 } }).greet({ name: "a" }), Code.INVALID_ARGUMENT);
    expect(invalid.calls()).toBe(1);
  });

  it("waits grpc-retry-pushback-ms when the server sets it, and stops when it is negative", async () => {
    const pushed = await scriptedServer([{ status: String(Code.UNAVAILABLE), pushback: "120" }, { status: "0" }]);
    await expectCode(e2e.client(pushed.raw, { retry: { initialBackoffMs: 1 } }).greet({ name: "a" }), Code.UNIMPLEMENTED); // OK without a message
    expect(pushed.calls()).toBe(2);
    expect((pushed.times[1] ?? 0) - (pushed.times[0] ?? 0)).toBeGreaterThanOrEqual(100);
    const refused = await scriptedServer([{ status: String(Code.UNAVAILABLE), pushback: "-1" }]);
    await expectCode(e2e.client(refused.raw, { retry: { initialBackoffMs: 1 } }).greet({ name: "a" }), Code.UNAVAILABLE);
    expect(refused.calls()).toBe(1);
  });

  it("keeps every attempt within the call's deadline", async () => {
    const down = await scriptedServer([{ status: String(Code.UNAVAILABLE) }]);
    const client = e2e.client(down.raw, { retry: { maxAttempts: 50, initialBackoffMs: 80, backoffMultiplier: 1 } });
    const started = Date.now();
    const error = await client.greet({ name: "a" }, { timeoutMs: 300 }).then(
      () => undefined,
      (e: unknown) => e as TripleError,
    );
    expect([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]).toContain(error?.code);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(down.calls()).toBeGreaterThan(1);
    expect(down.calls()).toBeLessThan(50);
  });

  it("retries a server stream only before its first message", async () => {
    let attempts = 0;
    let failAfterFirst = false;
    const target = await e2e.start({
      handler: {
        async greetServerStream(request, stream) {
          attempts++;
          if (attempts === 1) throw new TripleError(Code.UNAVAILABLE, "not yet");
          await stream.send({ greeting: `${request.name}-1` });
          if (failAfterFirst) throw new TripleError(Code.UNAVAILABLE, "gone mid-stream");
          await stream.send({ greeting: `${request.name}-2` });
        },
      },
    });
    const client = e2e.client(target, { retry: { maxAttempts: 3, initialBackoffMs: 5 } });
    const replies: string[] = [];
    for await (const reply of client.greetServerStream({ name: "s" })) replies.push(reply.greeting);
    expect(replies).toEqual(["s-1", "s-2"]);
    expect(attempts).toBe(2);
    attempts = 1;
    failAfterFirst = true;
    const stream = client.greetServerStream({ name: "t" });
    expect((await stream.recv()).greeting).toBe("t-1");
    await expectCode(stream.recv(), Code.UNAVAILABLE);
    expect(attempts).toBe(2);
  });
});
