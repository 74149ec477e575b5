// The pure pieces under the interceptors: the chain is built first-outermost, header copies replace,
// and MessageChannel (push-shaped sends → an async iterable) keeps order, applies backpressure, ends
// with close() or fail(), and rejects producers once its reader stops.
import { describe, expect, it } from "vitest";
import { interceptorsApply, interceptorsCopyHeaders, type Interceptor } from "../../runtime-template/protocol/interceptor.js";
import { MessageChannel } from "../../runtime-template/protocol/message-channel.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";

describe("interceptorsApply", () => {
  it("makes the first interceptor the outermost", async () => {
    const log: string[] = [];
    const named = (name: string): Interceptor => (next) => async (request) => {
      log.push(`${name}>`);
      const response = await next(request);
      log.push(`<${name}`);
      return response;
    };
    const chain = interceptorsApply([named("a"), named("b"), named("c")], async () => {
      log.push("call");
      return { stream: false, header: new Headers(), message: {}, trailer: new Headers() };
    });
    await chain({ stream: false, method: {} as never, header: new Headers(), message: {}, signal: new AbortController().signal, timeoutMs: undefined, peer: undefined });
    expect(log).toEqual(["a>", "b>", "c>", "call", "<c", "<b", "<a"]);
  });

  it("copies headers over, removing what the source lacks", () => {
    const into = new Headers({ keep: "old", drop: "x" });
    interceptorsCopyHeaders(into, new Headers({ keep: "new", add: "y" }));
    expect([...into]).toEqual([["add", "y"], ["keep", "new"]]);
  });
});

describe("MessageChannel", () => {
  it("delivers in order; push resolves only once the reader took the message", async () => {
    const channel = new MessageChannel<number>();
    let taken = 0;
    const first = channel.push(1).then(() => taken++);
    const second = channel.push(2).then(() => taken++);
    await Promise.resolve();
    expect(taken).toBe(0);
    expect(await channel.next()).toEqual({ done: false, value: 1 });
    await first;
    expect(taken).toBe(1);
    const pending = channel.next();
    expect(await pending).toEqual({ done: false, value: 2 });
    await second;
    const waiting = channel.next();
    await channel.push(3);
    expect(await waiting).toEqual({ done: false, value: 3 });
    channel.close();
    expect(await channel.next()).toEqual({ done: true, value: undefined });
    await expect(channel.push(4)).rejects.toBeInstanceOf(TripleError);
  });

  it("fail() ends the stream with the error after what was pushed", async () => {
    const channel = new MessageChannel<string>();
    void channel.push("a");
    channel.fail(new TripleError(Code.DATA_LOSS, "gone"));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const value of channel) seen.push(value);
      })(),
    ).rejects.toMatchObject({ code: Code.DATA_LOSS });
    expect(seen).toEqual(["a"]);
  });

  it("rejects waiting and later pushes once the reader stops (break)", async () => {
    const channel = new MessageChannel<number>();
    const first = channel.push(1);
    const stuck = channel.push(2);
    for await (const value of channel) {
      expect(value).toBe(1);
      break;
    }
    await first;
    await expect(stuck).rejects.toMatchObject({ code: Code.CANCELLED });
    await expect(channel.push(3)).rejects.toMatchObject({ code: Code.CANCELLED });
  });
});
