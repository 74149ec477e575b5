// isEnded semantics: the normal end of a stream is an error for which isEnded() is true — on the
// client's recv() after the server finished OK, and on the handler's recv() after the client
// half-closed — and it never hides a failure.
import { describe, expect, it } from "vitest";
import { Code, isEnded, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { deferred, expectCode, expectEnded, sleep, useE2E, withTimeout } from "../support/e2e.js";

const e2e = useE2E();

describe("isEnded()", () => {
  it("is true only for the OK end-of-stream TripleError", () => {
    expect(isEnded(new TripleError(Code.OK, "stream ended"))).toBe(true);
    expect(isEnded(new TripleError(Code.CANCELLED, ""))).toBe(false);
    expect(isEnded(new Error("ended"))).toBe(false);
    expect(isEnded(undefined)).toBe(false);
    expect(isEnded({ code: 0 })).toBe(false);
  });
});

describe("client side", () => {
  it("recv() rejects with isEnded after the last message, and keeps doing so", async () => {
    const target = await e2e.start();
    const stream = e2e.client(target).greetServerStream({ name: "e" });
    for (let i = 0; i < 5; i++) expect((await stream.recv()).greeting).toBe(`e-${i}`);
    await expectEnded(stream.recv());
    await expectEnded(stream.recv());
    // for await over an ended stream yields nothing and does not throw
    for await (const _ of stream) throw new Error("no more messages expected");
  });

  it("messages already received are delivered before the end", async () => {
    const target = await e2e.start();
    const stream = e2e.client(target).greetServerStream({ name: "q" });
    await stream.trailers; // everything arrived and the call is over
    const received: string[] = [];
    for await (const reply of stream) received.push(reply.greeting);
    expect(received).toEqual(["q-0", "q-1", "q-2", "q-3", "q-4"]);
  });

  it("a failed stream rejects with its error, never isEnded, also on later recv() calls", async () => {
    const target = await e2e.start({
      handler: {
        async greetServerStream(_, stream) {
          await stream.send({ greeting: "one" });
          throw new TripleError(Code.DATA_LOSS, "broken");
        },
      },
    });
    const stream = e2e.client(target).greetServerStream({ name: "" });
    expect((await stream.recv()).greeting).toBe("one");
    await expectCode(stream.recv(), Code.DATA_LOSS);
    await expectCode(stream.recv(), Code.DATA_LOSS);
  });

  it("a bidi stream ends for the client when the server returns, while requests are still open", async () => {
    const target = await e2e.start({
      handler: {
        async greetStream(stream) {
          const first = await stream.recv();
          await stream.send({ greeting: first.name });
        },
      },
    });
    const stream = e2e.client(target).greetStream();
    await stream.send({ name: "only" });
    expect((await stream.recv()).greeting).toBe("only");
    await expectEnded(stream.recv());
    // The call is over: sending reports the end (like grpc-go's io.EOF), not a failure.
    const sent = await stream.send({ name: "late" }).catch((error: unknown) => error);
    expect(isEnded(sent)).toBe(true);
    stream.closeRequest();
    stream.closeResponse(); // harmless after the end
  });

  it("send() after closeRequest() fails with FAILED_PRECONDITION; a second pending recv() too", async () => {
    const target = await e2e.start();
    const stream = e2e.client(target).greetStream();
    const first = stream.recv();
    await expectCode(stream.recv(), Code.FAILED_PRECONDITION);
    await stream.send({ name: "a" });
    expect((await first).greeting).toBe("a");
    stream.closeRequest();
    await expectCode(stream.send({ name: "b" }), Code.FAILED_PRECONDITION);
    await expectEnded(stream.recv());
  });
});

describe("server side", () => {
  it("the handler's recv() rejects with isEnded after the client half-closes, and keeps doing so", async () => {
    const seen = deferred<{ names: string[]; endedTwice: boolean }>();
    const target = await e2e.start({
      handler: {
        async greetClientStream(stream) {
          const names: string[] = [];
          for (;;) {
            try {
              names.push((await stream.recv()).name);
            } catch (error) {
              if (!isEnded(error)) throw error;
              break;
            }
          }
          const again = await stream.recv().catch((error: unknown) => error);
          seen.resolve({ names, endedTwice: isEnded(again) });
          return { greeting: names.join("+") };
        },
      },
    });
    const upload = e2e.client(target).greetClientStream();
    await upload.send({ name: "x" });
    await upload.send({ name: "y" });
    expect((await upload.closeAndRecv()).greeting).toBe("x+y");
    expect(await seen.promise).toEqual({ names: ["x", "y"], endedTwice: true });
  });

  it("a cancelled client is never seen as a half-close by the handler", async () => {
    const seen = deferred<unknown>();
    const target = await e2e.start({
      handler: {
        async greetClientStream(stream) {
          try {
            for (;;) await stream.recv();
          } catch (error) {
            seen.resolve(error);
            throw error;
          }
        },
      },
    });
    for (let i = 0; i < 5; i++) {
      const upload = e2e.client(target).greetClientStream();
      await upload.send({ name: "partial upload" });
      await sleep(5);
      upload.cancel();
      await expectCode(upload.closeAndRecv(), Code.CANCELLED);
    }
    const error = await withTimeout(seen.promise, 2_000, "handler recv");
    expect(isEnded(error)).toBe(false);
    expect((error as TripleError).code).toBe(Code.CANCELLED);
  });

  it("the handler's recv() of a unary or server-stream request is hidden: exactly one message", async () => {
    let count = 0;
    const target = await e2e.start({
      handler: {
        async greetServerStream(request, stream) {
          count++;
          await stream.send({ greeting: request.name });
        },
      },
    });
    const replies: string[] = [];
    for await (const reply of e2e.client(target).greetServerStream({ name: "once" })) replies.push(reply.greeting);
    expect(replies).toEqual(["once"]);
    expect(count).toBe(1);
  });
});
