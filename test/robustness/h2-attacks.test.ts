// The known HTTP/2 denial-of-service classes, frame by frame on raw sockets, against a server in its
// own process, each with valid calls running alongside that must not fail: rapid reset
// (CVE-2023-44487), CONTINUATION flood (CVE-2024-27316 class), PING and SETTINGS floods that never
// read the ACKs, empty DATA frames, a zero-window stall, and slowloris on the HTTP/2 preface and on
// HTTP/1.1 request headers. After each, the server must have closed the attacker's sockets (counted
// from /proc/net/tcp*) within a bounded time, and its RSS must be back near the warm figure. Every
// test prints the figures (`attack: …`).
import { connect as netConnect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { eventually, sleep, useE2E } from "../support/e2e.js";
import { frame, FrameType, grpcRequestBlock, h2Preface, headersFrame, pingFrame, rawH2, rstStreamFrame, settingsFrame, type RawH2 } from "../support/h2-frames.js";
import { liveServerSockets, serverSocketStates } from "../support/proc-net.js";
import { mb, startServerProcess, type ServerProcess } from "../support/server-process.js";

const e2e = useE2E();

/** Short timings so that each attack is judged in seconds. */
const fast = { headersTimeoutMs: 1_500, closeGraceMs: 500, probeIdleMs: 1_000, probeTimeoutMs: 1_000, idleTimeoutMs: 3_000 };

interface Arena {
  readonly server: ServerProcess;
  readonly port: number;
  readonly raw: (options?: Parameters<typeof rawH2>[1]) => Promise<RawH2>;
  readonly tcp: () => Promise<Socket>;
  /** Marks the end of the attack's sending (the clock for "closed after") and samples the sockets. */
  readonly sent: () => void;
  /** Stops the valid load, checks it never failed, waits for the attacker's sockets to go; prints figures. */
  readonly finish: (what: string, closeWithinMs: number) => Promise<void>;
}

/** Starts a server process, warms it, measures it, and runs valid unary and streaming calls until `finish`. */
async function arena(options: Record<string, unknown> = {}): Promise<Arena> {
  const server = await startServerProcess({ ...fast, ...options });
  e2e.defer(() => server.kill());
  const port = server.port;
  const sockets = new Set<Socket>();
  e2e.defer(() => {
    for (const socket of sockets) socket.destroy();
  });
  const client = e2e.client(`http://127.0.0.1:${port}`);
  for (let i = 0; i < 200; i++) await client.greet({ name: `warm${i}` });
  const warm = await server.memory();
  const failures: string[] = [];
  let calls = 0;
  let stop = false;
  const load = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        if (i % 2 === 0) expect((await client.greet({ name: `v${i}` }, { timeoutMs: 10_000 })).greeting).toBe(`v${i}`);
        else {
          let n = 0;
          for await (const reply of client.greetServerStream({ name: `s${i}` }, { timeoutMs: 10_000 })) expect(reply.greeting).toBe(`s${i}-${n++}`);
          expect(n).toBe(5);
        }
        calls++;
      } catch (error) {
        failures.push(String(error));
      }
      await sleep(2);
    }
  })();
  let sentAt = Date.now();
  let during: Record<string, number> = {};
  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => sockets.delete(socket));
    return socket;
  };
  return {
    server,
    port,
    raw: async (rawOptions) => {
      const h2 = await rawH2(port, rawOptions);
      track(h2.socket);
      return h2;
    },
    tcp: () =>
      new Promise((resolve, reject) => {
        const socket = track(netConnect(port, "127.0.0.1"));
        socket.resume(); // read, so that the server's FIN is seen
        socket.once("connect", () => resolve(socket));
        socket.once("error", reject);
      }),
    sent: () => {
      sentAt = Date.now();
      during = serverSocketStates(port);
    },
    finish: async (what, closeWithinMs) => {
      // The valid client's one connection stays; every other server socket must go.
      const drained = await eventually(() => liveServerSockets(port) <= 1, closeWithinMs);
      const closedAfter = Date.now() - sentAt;
      stop = true;
      await load;
      const after = await server.memory();
      for (const socket of sockets) socket.destroy();
      process.stdout.write(
        `attack: ${what}: ${calls} valid calls, ${failures.length} failed; server sockets at the attack's end ${JSON.stringify(during)}, ` +
          `attacker's closed ${closedAfter} ms after it, after ${JSON.stringify(serverSocketStates(port))}; ` +
          `RSS warm ${mb(warm.rss)} → after ${mb(after.rss)}, heap ${mb(warm.heap)} → ${mb(after.heap)}\n`,
      );
      expect(failures).toEqual([]);
      expect(calls).toBeGreaterThan(0);
      expect(drained, `server sockets left: ${JSON.stringify(serverSocketStates(port))}`).toBe(true);
      expect(serverSocketStates(port)["CLOSE_WAIT"] ?? 0).toBe(0);
      expect(after.rss).toBeLessThan(warm.rss * 1.5 + 16 * 1024 * 1024);
    },
  };
}

describe("HTTP/2 floods", () => {
  it("rapid reset: HEADERS + RST_STREAM in a tight loop gets GOAWAY ENHANCE_YOUR_CALM and the connection closed", async () => {
    const a = await arena();
    const attacker = await a.raw();
    const block = grpcRequestBlock("Greet");
    let id = 1;
    for (let batch = 0; batch < 50 && !attacker.socket.destroyed; batch++) {
      const frames: Buffer[] = [];
      for (let k = 0; k < 100; k++, id += 2) frames.push(headersFrame(id, block), rstStreamFrame(id));
      attacker.write(Buffer.concat(frames));
      await sleep(1);
    }
    a.sent();
    expect(await attacker.closedWithin(5_000)).toBe(true);
    expect(attacker.goawayCode()).toBe(0xb); // ENHANCE_YOUR_CALM
    expect(id).toBeGreaterThan(400);
    await a.finish(`rapid reset (${(id - 1) / 2} streams sent)`, 3_000);
  });

  it("CONTINUATION flood: endless CONTINUATION frames after HEADERS end the connection", async () => {
    const a = await arena();
    const attacker = await a.raw();
    attacker.write(headersFrame(1, grpcRequestBlock("Greet"), { endHeaders: false }));
    const filler = frame(FrameType.CONTINUATION, 0, 1, Buffer.alloc(0));
    for (let i = 0; i < 200 && attacker.write(Buffer.concat(Array.from({ length: 100 }, () => filler))); i++) await sleep(1);
    a.sent();
    expect(await attacker.closedWithin(5_000)).toBe(true);
    await a.finish("CONTINUATION flood (up to 20,000 empty frames)", 3_000);
  });

  for (const kind of ["PING", "SETTINGS"] as const) {
    it(`${kind} flood from a peer that never reads the ACKs: bounded queue, connection cut`, async () => {
      const a = await arena();
      const attacker = await a.raw({ read: false });
      const one = kind === "PING" ? pingFrame(7) : settingsFrame([[0x3, 100]]);
      const batch = Buffer.concat(Array.from({ length: 1_000 }, () => one));
      for (let i = 0; i < 100 && attacker.write(batch); i++) await sleep(1);
      a.sent();
      await a.finish(`${kind} flood (up to 100,000 frames, ACKs never read)`, 6_000);
    });
  }

  it("empty DATA frame flood on an open stream ends the connection", async () => {
    const a = await arena();
    const attacker = await a.raw();
    attacker.write(headersFrame(1, grpcRequestBlock("GreetClientStream")));
    const empty = frame(FrameType.DATA, 0, 1, Buffer.alloc(0));
    for (let i = 0; i < 100 && attacker.write(Buffer.concat(Array.from({ length: 100 }, () => empty))); i++) await sleep(1);
    a.sent();
    expect(await attacker.closedWithin(5_000)).toBe(true);
    await a.finish("empty DATA flood (up to 10,000 frames)", 3_000);
  });

  it("zero-window stall: 100 streams whose replies can never be sent are cleaned up, memory bounded", async () => {
    const a = await arena();
    const attacker = await a.raw({ preface: false, ackPings: false });
    attacker.write(Buffer.concat([h2Preface, settingsFrame([[0x4, 0]])])); // INITIAL_WINDOW_SIZE 0
    const message = Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x78]); // GreetServerStreamRequest{name:"x"}
    for (let i = 0, id = 1; i < 100; i++, id += 2) {
      attacker.write(Buffer.concat([headersFrame(id, grpcRequestBlock("GreetServerStream")), frame(FrameType.DATA, 0x1, id, message)]));
    }
    a.sent();
    expect(await attacker.closedWithin(8_000)).toBe(true);
    await a.finish("zero-window stall (100 server streams, window 0)", 3_000);
  });
});

describe("oversized header blocks (nodejs/node#35233 class)", () => {
  /** A request header block carrying `fields` headers of `size` bytes, as HEADERS + CONTINUATION frames. */
  function bigBlock(streamId: number, fields: number, size: number): Buffer {
    const block = grpcRequestBlock("Greet", Array.from({ length: fields }, (_, i) => [`x-big-${i}`, "b".repeat(size)] as const));
    const parts: Buffer[] = [];
    for (let at = 0; at < block.length; at += 16_000) {
      const last = at + 16_000 >= block.length;
      const chunk = block.subarray(at, at + 16_000);
      parts.push(at === 0 ? headersFrame(streamId, chunk, { endHeaders: last }) : frame(FrameType.CONTINUATION, last ? 0x4 : 0, streamId, chunk));
    }
    return Buffer.concat(parts);
  }

  it("the server process survives header blocks past 64 KiB, the sessions' destruction and forced GCs", async () => {
    const a = await arena();
    for (let round = 0; round < 3; round++) {
      const attackers = await Promise.all(Array.from({ length: 60 }, () => a.raw()));
      attackers.forEach((attacker, i) => {
        // One field past nghttp2's 64 KiB (COMPRESSION_ERROR), several fields past 64 KiB in all (over
        // maxHeaderListBytes), after an open stream or on the first one.
        if (i % 3 === 0) attacker.write(headersFrame(1, grpcRequestBlock("GreetStream")));
        const id = i % 3 === 0 ? 3 : 1;
        attacker.write(i % 2 === 0 ? bigBlock(id, 1, 66_000 + i * 1_000) : bigBlock(id, 3, 30_000));
      });
      await sleep(300);
      for (const attacker of attackers) attacker.socket.destroy();
      await sleep(300);
      await a.server.memory(); // a full GC in the server: where ~Http2Session aborts if nghttp2 memory leaked
      expect(a.server.child.exitCode).toBeNull();
    }
    a.sent();
    await a.finish("oversized header blocks (3 × 60 connections, blocks of 66–130 KiB, destroyed, GC)", 3_000);
    expect(a.server.child.exitCode).toBeNull();
  });
});

describe("slowloris", () => {
  it("closes HTTP/2 connections that dribble the preface, by the headers timeout", async () => {
    const a = await arena();
    const victims = await Promise.all(Array.from({ length: 200 }, () => a.tcp()));
    a.sent(); // the clock runs from the connect: the headers timeout does too
    const started = Date.now();
    const preface = h2Preface.toString("latin1");
    for (let i = 0; i < preface.length && Date.now() - started < 4_000 && victims.some((socket) => !socket.destroyed); i++) {
      for (const socket of victims) if (!socket.destroyed) socket.write(preface[i]!);
      await sleep(300);
    }
    expect(victims.filter((socket) => !socket.destroyed).length).toBe(0);
    await a.finish("slowloris on the HTTP/2 preface (200 connections, a byte every 300 ms)", 3_000);
  });

  it("closes HTTP/1.1 connections that dribble request headers, first request or a later one", async () => {
    const a = await arena();
    const victims = await Promise.all(Array.from({ length: 200 }, () => a.tcp()));
    const answered = await Promise.all(
      victims.slice(0, 100).map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            // A complete first request; the slow one follows on the same keep-alive connection.
            socket.once("data", (chunk: Buffer) => resolve(chunk.toString("latin1").startsWith("HTTP/1.1 200")));
            socket.write("POST /greet.GreetService/Greet HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n{\"name\":\"a\"}");
          }),
      ),
    );
    expect(answered.every(Boolean)).toBe(true);
    const replies = victims.slice(0, 100).map((socket) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      return () => text;
    });
    for (const socket of victims) socket.write("POST /greet.GreetService/Greet HTTP/1.1\r\n");
    a.sent();
    const started = Date.now();
    while (Date.now() - started < 5_000 && victims.some((socket) => !socket.destroyed)) {
      for (const socket of victims) if (!socket.destroyed) socket.write("x");
      await sleep(300);
    }
    expect(victims.filter((socket) => !socket.destroyed).length).toBe(0);
    // A later request's headers are timed by node:http itself (now that its timer runs): 408.
    expect(replies.filter((text) => !text().startsWith("HTTP/1.1 408 ")).length).toBe(0);
    await a.finish("slowloris on HTTP/1.1 headers (200 connections, 100 after a first request)", 3_000);
  });
});
