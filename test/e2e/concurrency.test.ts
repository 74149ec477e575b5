// Concurrency: many calls multiplexed on one HTTP/2 connection.
import { describe, expect, it } from "vitest";
import { createGreetServiceClient } from "../../snapshots/services/greet.js";
import { Http2ClientTransport, isEnded } from "../../snapshots/services/tristub-runtime.js";
import { collect, sleep, useE2E } from "../support/e2e.js";

const e2e = useE2E();

describe("one connection", () => {
  it("runs 1,000 concurrent unary calls, all succeeding, over a single session", async () => {
    let active = 0;
    let peak = 0;
    const target = await e2e.start({
      handler: {
        async greet(request) {
          peak = Math.max(peak, ++active);
          await sleep(5);
          active--;
          return { greeting: request.name };
        },
      },
    });
    const client = e2e.client(target);
    const names = Array.from({ length: 1_000 }, (_, i) => `call-${i}`);
    const responses = await Promise.all(names.map((name) => client.greet({ name })));
    expect(responses.map((r) => r.greeting)).toEqual(names);
    expect(peak).toBeGreaterThan(100); // they really overlapped on the server
    expect(e2e.created("TCPWRAP")).toBe(2); // one client socket + the server's end of it
    expect(e2e.created("HTTP2SESSION")).toBe(2);
  });

  it("interleaves 100 concurrent streams of all kinds", async () => {
    const target = await e2e.start();
    const client = e2e.client(target);
    const work = Array.from({ length: 25 }, async (_, i) => {
      const bidi = client.greetStream();
      const upload = client.greetClientStream();
      const download = collect(client.greetServerStream({ name: `s${i}` }));
      const unary = client.greet({ name: `u${i}` });
      for (let j = 0; j < 10; j++) {
        await bidi.send({ name: `b${i}.${j}` });
        await upload.send({ name: `c${j}` });
        expect((await bidi.recv()).greeting).toBe(`b${i}.${j}`);
      }
      bidi.closeRequest();
      expect(await collect(bidi)).toEqual([]);
      expect((await upload.closeAndRecv()).greeting).toBe(Array.from({ length: 10 }, (_, j) => `c${j}`).join(","));
      expect((await download).map((r) => r.greeting)).toEqual([0, 1, 2, 3, 4].map((k) => `s${i}-${k}`));
      expect((await unary).greeting).toBe(`u${i}`);
    });
    await Promise.all(work);
    expect(e2e.created("TCPWRAP")).toBe(2);
  });

  it("ends 300 concurrent bidi calls the server finishes while their request sides are open", async () => {
    // The server resets each stream (NO_ERROR) after its trailers: they must still arrive first.
    const target = await e2e.start({
      handler: {
        async greetStream(stream) {
          const first = await stream.recv();
          await stream.send({ greeting: first.name });
        },
      },
    });
    const client = e2e.client(target);
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const stream = client.greetStream();
        await stream.send({ name: String(i) });
        const reply = (await stream.recv()).greeting;
        const end = await stream.recv().then(
          () => "extra message",
          (error: unknown) => (isEnded(error) ? "ended" : String(error)),
        );
        return `${reply} ${end}`;
      }),
    );
    expect(outcomes).toEqual(Array.from({ length: 300 }, (_, i) => `${i} ended`));
  });

  it("shares one transport (one connection) between clients", async () => {
    const target = await e2e.start();
    const transport = new Http2ClientTransport({ baseUrl: target.baseUrl });
    e2e.defer(() => transport.close());
    const a = createGreetServiceClient({ transport });
    const b = createGreetServiceClient({ transport });
    const [ra, rb] = await Promise.all([a.greet({ name: "a" }), b.greet({ name: "b" })]);
    expect([ra.greeting, rb.greeting]).toEqual(["a", "b"]);
    await a.close(); // does not close the shared transport
    expect((await b.greet({ name: "still" })).greeting).toBe("still");
    expect(e2e.created("TCPWRAP")).toBe(2);
  });

  it("separate clients open separate connections", async () => {
    const target = await e2e.start();
    const results = await Promise.all([1, 2, 3].map((i) => e2e.client(target).greet({ name: String(i) })));
    expect(results.map((r) => r.greeting)).toEqual(["1", "2", "3"]);
    expect(e2e.created("TCPWRAP")).toBe(6);
  });
});
