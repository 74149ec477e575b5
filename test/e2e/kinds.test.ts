// The four RPC kinds through the generated GreetService client and server, over a real socket.
import { describe, expect, it } from "vitest";
import { expectEnded, useE2E } from "../support/e2e.js";

const e2e = useE2E();

describe("unary", () => {
  it("answers a request", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    expect(await client.greet({ name: "triple" })).toEqual({ greeting: "triple" });
    expect(await client.greet({ name: "" })).toEqual({ greeting: "" });
  });

  it("sends calls of one client over one connection", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    for (let i = 0; i < 5; i++) expect((await client.greet({ name: `n${i}` })).greeting).toBe(`n${i}`);
    expect(e2e.created("TCPWRAP")).toBe(2); // the client's socket and the server's end of it
  });

  it("passes the handler's context: request headers and the peer", async () => {
    const target = await e2e.start({
      handler: { greet: (_, ctx) => ({ greeting: `${ctx.method.name} ${ctx.peer.address} ${ctx.requestHeaders.get("user-agent")}` }) },
    });
    expect((await e2e.client(target).greet({ name: "" })).greeting).toBe("Greet 127.0.0.1 tristub-node");
  });
});

describe("server streaming", () => {
  it("receives N responses in order, then the end", async () => {
    const n = 100;
    const target = await e2e.start({
      handler: {
        async greetServerStream(request, stream) {
          for (let i = 0; i < n; i++) await stream.send({ greeting: `${request.name} ${i}` });
        },
      },
    });
    const client = e2e.client(target);
    const received: string[] = [];
    for await (const response of client.greetServerStream({ name: "hi" })) received.push(response.greeting);
    expect(received).toEqual(Array.from({ length: n }, (_, i) => `hi ${i}`));
  });

  it("works with recv() until isEnded", async () => {
    const target = await e2e.start();
    const call = e2e.client(target).greetServerStream({ name: "x" });
    const received: string[] = [];
    for (;;) {
      try {
        received.push((await call.recv()).greeting);
      } catch (error) {
        await expectEnded(Promise.reject(error));
        break;
      }
    }
    expect(received).toEqual(["x-0", "x-1", "x-2", "x-3", "x-4"]);
  });

  it("receives zero responses", async () => {
    const target = await e2e.start({ handler: { greetServerStream: () => undefined } });
    const received: unknown[] = [];
    for await (const response of e2e.client(target).greetServerStream({ name: "x" })) received.push(response);
    expect(received).toEqual([]);
  });
});

describe("client streaming", () => {
  it("sends N requests and receives one response", async () => {
    const target = await e2e.start();
    const call = e2e.client(target).greetClientStream();
    for (let i = 0; i < 50; i++) await call.send({ name: `n${i}` });
    const response = await call.closeAndRecv();
    expect(response.greeting).toBe(Array.from({ length: 50 }, (_, i) => `n${i}`).join(","));
  });

  it("sends zero requests", async () => {
    const target = await e2e.start();
    expect(await e2e.client(target).greetClientStream().closeAndRecv()).toEqual({ greeting: "" });
  });
});

describe("bidi streaming", () => {
  it("interleaves send and recv", async () => {
    const target = await e2e.start();
    const stream = e2e.client(target).greetStream();
    for (let i = 0; i < 20; i++) {
      await stream.send({ name: `m${i}` });
      expect((await stream.recv()).greeting).toBe(`m${i}`);
    }
    stream.closeRequest();
    await expectEnded(stream.recv());
  });

  it("reads with for await while sending", async () => {
    const target = await e2e.start();
    const stream = e2e.client(target).greetStream();
    const sending = (async () => {
      for (let i = 0; i < 200; i++) await stream.send({ name: `m${i}` });
      stream.closeRequest();
    })();
    const received: string[] = [];
    for await (const response of stream) received.push(response.greeting);
    await sending;
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  it("lets the server talk first and end before the client half-closes", async () => {
    const target = await e2e.start({
      handler: {
        async greetStream(stream) {
          await stream.send({ greeting: "hello" });
          const first = await stream.recv();
          await stream.send({ greeting: `bye ${first.name}` });
        },
      },
    });
    const stream = e2e.client(target).greetStream();
    expect((await stream.recv()).greeting).toBe("hello");
    await stream.send({ name: "client" });
    expect((await stream.recv()).greeting).toBe("bye client");
    // The server finished (OK) although the request side is still open: the stream ends normally.
    await expectEnded(stream.recv());
    expect(await stream.trailers).toBeInstanceOf(Headers);
  });
});
