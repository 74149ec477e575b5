// Many connections: 5,000 idle HTTP/2 connections held open against a server process (memory per idle
// connection measured and printed, valid calls still served), and `maxConnections`: connections past
// it are refused cleanly — HTTP/2 gets GOAWAY ENHANCE_YOUR_CALM, HTTP/1.1 a 503, a generated client
// UNAVAILABLE — and served again once there is room.
import { connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { eventually, expectCode, sleep, useE2E } from "../support/e2e.js";
import { rawH2, type RawH2 } from "../support/h2-frames.js";
import { liveServerSockets, serverSocketStates } from "../support/proc-net.js";
import { mb, startServerProcess } from "../support/server-process.js";

const e2e = useE2E();

/** Opens `count` idle HTTP/2 connections (preface, SETTINGS, ACKs), `batch` at a time. */
async function openIdle(port: number, count: number, batch = 250): Promise<RawH2[]> {
  const out: RawH2[] = [];
  for (let done = 0; done < count; done += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - done) }, () => rawH2(port)))));
  }
  return out;
}

describe("connections", () => {
  it("holds 5,000 idle HTTP/2 connections, serves valid calls meanwhile, and frees them all", async () => {
    // Opening 5,000 connections on a busy machine can take long: the headers timeout is not under test.
    const server = await startServerProcess({ headersTimeoutMs: 60_000 });
    e2e.defer(() => server.kill());
    const idle: RawH2[] = [];
    e2e.defer(() => {
      for (const connection of idle) connection.socket.destroy();
    });
    const client = e2e.client(`http://127.0.0.1:${server.port}`);
    for (let i = 0; i < 100; i++) await client.greet({ name: "warm" });
    const warm = await server.memory();
    idle.push(...(await openIdle(server.port, 5_000)));
    expect(await eventually(() => (serverSocketStates(server.port)["ESTABLISHED"] ?? 0) >= 5_001, 10_000)).toBe(true);
    expect((await client.greet({ name: "busy" })).greeting).toBe("busy");
    // /proc counts connections the kernel accepted; a busy server may not have taken them all yet.
    let loaded = await server.memory();
    for (let i = 0; i < 40 && loaded.connections < 5_001; i++) {
      await sleep(500);
      loaded = await server.memory();
    }
    expect(loaded.connections).toBe(5_001);
    const perConnection = (loaded.rss - warm.rss) / 5_000;
    for (const connection of idle) connection.socket.destroy();
    expect(await eventually(() => liveServerSockets(server.port) <= 1, 10_000)).toBe(true);
    // The server may still be running the close handlers of 5,000 sockets: measure until it settles.
    let after = await server.memory();
    for (let i = 0; i < 10 && after.heap > warm.heap * 1.5 + 4 * 1024 * 1024; i++) {
      await sleep(500);
      after = await server.memory();
    }
    process.stdout.write(
      `idle: 5,000 idle HTTP/2 connections: RSS ${mb(warm.rss)} → ${mb(loaded.rss)} (${(perConnection / 1024).toFixed(1)} KB each), ` +
        `heap ${mb(warm.heap)} → ${mb(loaded.heap)}; after they left: RSS ${mb(after.rss)}, heap ${mb(after.heap)}, ${after.connections} connection(s)\n`,
    );
    expect(perConnection).toBeLessThan(64 * 1024);
    expect(after.connections).toBe(1);
    expect(after.heap).toBeLessThan(warm.heap * 1.5 + 4 * 1024 * 1024);
  }, 60_000);

  it("refuses connections past maxConnections cleanly, in each protocol, and serves again when there is room", async () => {
    const server = await startServerProcess({ maxConnections: 50 });
    e2e.defer(() => server.kill());
    const idle = await openIdle(server.port, 50);
    e2e.defer(() => {
      for (const connection of idle) connection.socket.destroy();
    });
    expect(await eventually(() => (serverSocketStates(server.port)["ESTABLISHED"] ?? 0) >= 50, 5_000)).toBe(true);

    const refused = await rawH2(server.port);
    expect(await refused.closedWithin(3_000)).toBe(true);
    expect(refused.goawayCode()).toBe(0xb); // ENHANCE_YOUR_CALM, "too many connections"
    expect(refused.frames().map((f) => f.type)).toEqual([0x4, 0x7]);

    const http1 = await new Promise<string>((resolve) => {
      const socket = netConnect(server.port, "127.0.0.1");
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      socket.on("error", () => undefined);
      socket.once("close", () => resolve(text));
      socket.write("POST /greet.GreetService/Greet HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}");
    });
    expect(http1).toMatch(/^HTTP\/1\.1 503 /);
    expect(http1).toContain('"code":"unavailable"');

    const client = e2e.client(`http://127.0.0.1:${server.port}`);
    await expectCode(client.greet({ name: "full" }, { timeoutMs: 5_000 }), Code.UNAVAILABLE);

    for (const connection of idle.splice(0, 10)) connection.socket.destroy();
    expect(await eventually(() => (serverSocketStates(server.port)["ESTABLISHED"] ?? 0) <= 40, 5_000)).toBe(true);
    expect((await client.greet({ name: "room again" })).greeting).toBe("room again");
  });
});
