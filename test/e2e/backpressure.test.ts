// Backpressure: a server streaming 50 MiB to a client that reads slowly must wait in send() (HTTP/2
// flow control) instead of buffering — the process's memory stays bounded. Likewise for uploads.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { sleep, useE2E } from "../support/e2e.js";

const e2e = useE2E();

const MiB = 1024 * 1024;
const messageBytes = 64 * 1024;
const messages = 800; // 50 MiB in all

/** Forces a full garbage collection (exposed at run time), so measurements see live memory only. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** rss and arrayBuffers above a baseline, in MiB, after a full GC. */
function memoryAbove(base: NodeJS.MemoryUsage): { rss: number; arrayBuffers: number } {
  collectGarbage();
  const now = process.memoryUsage();
  return { rss: (now.rss - base.rss) / MiB, arrayBuffers: (now.arrayBuffers - base.arrayBuffers) / MiB };
}

/** An incompressible-enough payload (compression is off anyway) of `messageBytes`. */
const payload = "0123456789abcdef".repeat(messageBytes / 16);

describe("backpressure", () => {
  it("server streaming 50 MiB to a slow reader: send() waits and memory stays bounded", async () => {
    let sent = 0;
    let received = 0;
    let maxAhead = 0;
    let longestSendMs = 0;
    const target = await e2e.start({
      options: { disableCompression: true },
      handler: {
        async greetServerStream(_, stream) {
          for (let i = 0; i < messages; i++) {
            const started = Date.now();
            await stream.send({ greeting: payload });
            longestSendMs = Math.max(longestSendMs, Date.now() - started);
            sent++;
            maxAhead = Math.max(maxAhead, sent - received);
          }
        },
      },
    });
    const client = e2e.client(target);
    expect((await client.greet({ name: "warm-up" })).greeting).toBe("warm-up");
    collectGarbage();
    const base = process.memoryUsage();
    const peaks = { rss: 0, arrayBuffers: 0 };
    const stalls: number[] = [];
    let bytes = 0;
    for await (const reply of client.greetServerStream({ name: "" })) {
      bytes += reply.greeting.length;
      received++;
      if (received % 100 === 0) {
        // Stop reading for a while: the server must stall, not buffer the rest of the 50 MiB.
        const before = sent;
        await sleep(150);
        stalls.push(sent - before);
        const usage = memoryAbove(base);
        peaks.rss = Math.max(peaks.rss, usage.rss);
        peaks.arrayBuffers = Math.max(peaks.arrayBuffers, usage.arrayBuffers);
      } else if (received % 10 === 0) {
        await sleep(1);
      }
    }
    expect(received).toBe(messages);
    expect(bytes).toBe(messages * messageBytes);
    // The sender ran at most a bounded distance ahead of the reader (client queue + HTTP/2 windows).
    expect(maxAhead).toBeLessThan(200);
    expect(Math.max(...stalls.slice(1))).toBeLessThan(200);
    // send() really waited while the reader paused.
    expect(longestSendMs).toBeGreaterThan(50);
    // Live buffers stay far below the 50 MiB streamed (without backpressure they pass 60 MiB). rss
    // also counts heap pages the GC keeps around (~36 MiB when bounded, 75+ when not): a looser bound.
    expect(peaks.arrayBuffers).toBeLessThan(40);
    expect(peaks.rss).toBeLessThan(64);
  });

  it("client streaming 50 MiB to a slow handler: the client's send() waits", async () => {
    let handled = 0;
    let sent = 0;
    let maxAhead = 0;
    const target = await e2e.start({
      handler: {
        async greetClientStream(stream) {
          for await (const request of stream) {
            if (request.name.length !== messageBytes) throw new Error("bad message");
            if (++handled % 100 === 0) await sleep(150);
          }
          return { greeting: String(handled) };
        },
      },
    });
    const upload = e2e.client(target).greetClientStream();
    collectGarbage();
    const base = process.memoryUsage();
    let peak = 0;
    for (let i = 0; i < messages; i++) {
      await upload.send({ name: payload });
      sent++;
      maxAhead = Math.max(maxAhead, sent - handled);
      if (i % 100 === 50) peak = Math.max(peak, memoryAbove(base).arrayBuffers);
    }
    expect((await upload.closeAndRecv()).greeting).toBe(String(messages));
    expect(maxAhead).toBeLessThan(200);
    expect(peak).toBeLessThan(40);
  });
});
