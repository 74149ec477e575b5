// No socket left behind: a mixed soak of malformed traffic (header blocks over nghttp2's 64 KiB and
// over the frame size, bad HPACK, protocol errors, rapid resets that earn ENHANCE_YOUR_CALM, TCP and
// HTTP/1.1 garbage) from peers that then leave in every way (FIN, RST, or silence: half-open) against
// a server process, with valid calls alongside. Afterwards the server's sockets on its port, read from
// /proc/net/tcp*, must be only the valid clients' connections — none in CLOSE_WAIT — and its RSS must
// be back within +20 % of the warm figure.
import { connect as h2Connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { eventually, grpcHeaders, sleep, useE2E } from "../support/e2e.js";
import { frame, FrameType, grpcRequestBlock, h2Preface, headersFrame, rawH2, rstStreamFrame, windowUpdateFrame } from "../support/h2-frames.js";
import { serverSocketStates } from "../support/proc-net.js";
import { Rng, testSeed } from "../support/robustness.js";
import { mb, startServerProcess } from "../support/server-process.js";

const e2e = useE2E();

/** `npm run soak` runs it for a minute (TRISTUB_SOAK_MS=60000). */
const soakMs = Number(process.env["TRISTUB_SOAK_MS"] ?? 10_000);
const attackers = 4;
/** As long as the soak: the allocator's high-water mark is the same mix at the same rate's. */
const warmMs = 10_000;
const validClients = 3;

/** One malformed payload for a raw HTTP/2 connection (after the preface), by kind. */
function attackBytes(rng: Rng, kind: number): Buffer {
  const big = (size: number): Buffer => {
    const block = grpcRequestBlock("Greet", [["x-big", "b".repeat(size)]]);
    const parts: Buffer[] = [];
    for (let at = 0; at < block.length; at += 16_000) {
      const chunk = block.subarray(at, at + 16_000);
      const last = at + 16_000 >= block.length;
      parts.push(at === 0 ? headersFrame(1, chunk, { endHeaders: last }) : frame(FrameType.CONTINUATION, last ? 0x4 : 0, 1, chunk));
    }
    return Buffer.concat(parts);
  };
  switch (kind) {
    case 0:
      return big(66_000 + rng.int(100_000)); // one field past nghttp2's 64 KiB: COMPRESSION_ERROR
    case 1:
      return big(33_000 + rng.int(20_000)); // over the server's 32 KiB header list limit
    case 2:
      return headersFrame(1, grpcRequestBlock("Greet", [["x-big", "b".repeat(20_000)]])); // one frame over 16 KiB
    case 3:
      return headersFrame(1, Buffer.from(rng.bytes(1 + rng.int(40)))); // HPACK garbage
    case 4:
      return rng.pick([frame(FrameType.DATA, 0, 0, Buffer.from("x")), windowUpdateFrame(0, 0), frame(FrameType.HEADERS, 0x4, 2, grpcRequestBlock("Greet"))]);
    default: {
      const frames: Buffer[] = [];
      for (let id = 1; id < 1_000; id += 2) frames.push(headersFrame(id, grpcRequestBlock("Greet")), rstStreamFrame(id));
      return Buffer.concat(frames); // rapid reset: GOAWAY ENHANCE_YOUR_CALM
    }
  }
}

describe("no socket left behind", () => {
  it("after a mixed malformed soak: no CLOSE_WAIT, only the valid clients' connections, RSS within +20 % of warm", async () => {
    const seed = testSeed("sockets-left");
    const rng = new Rng(seed);
    const server = await startServerProcess({ headersTimeoutMs: 1_500, http1RequestTimeoutMs: 3_000, closeGraceMs: 500, probeIdleMs: 1_000, probeTimeoutMs: 1_000 });
    e2e.defer(() => server.kill());
    const port = server.port;
    const open = new Set<Socket>();
    const sessions = new Set<ClientHttp2Session>();
    e2e.defer(() => {
      for (const socket of open) socket.destroy();
      for (const session of sessions) session.destroy();
    });
    const clients = Array.from({ length: validClients }, () => e2e.client(`http://127.0.0.1:${port}`));
    const failures: string[] = [];
    let valid = 0;
    const validLoad = async (until: () => boolean): Promise<void> => {
      await Promise.all(
        clients.map(async (client, c) => {
          for (let i = 0; !until(); i++) {
            try {
              if (i % 2 === 0) expect((await client.greet({ name: `c${c}-${i}` }, { timeoutMs: 10_000 })).greeting).toBe(`c${c}-${i}`);
              else {
                const bidi = client.greetStream({ timeoutMs: 10_000 });
                await bidi.send({ name: "b" });
                expect((await bidi.recv()).greeting).toBe("b");
                bidi.closeRequest();
                for await (const extra of bidi) failures.push(`extra reply ${extra.greeting}`);
              }
              valid++;
            } catch (error) {
              failures.push(String(error));
            }
          }
        }),
      );
    };

    let attacks = 0;
    const leaveSomehow = (socket: Socket): void => {
      const how = rng.int(4);
      const after = rng.int(300);
      setTimeout(() => {
        if (how === 0) socket.end();
        else if (how === 1) socket.destroy();
        else if (how === 2) socket.resetAndDestroy();
        else socket.pause(); // silent: stays connected, reads and answers nothing (half-open peer)
      }, after);
    };
    const attacker = async (until: () => boolean): Promise<void> => {
      while (!until()) {
        attacks++;
        const kind = rng.int(9);
        if (kind <= 5) {
          const raw = await rawH2(port, { ackPings: rng.chance(0.5) });
          open.add(raw.socket);
          raw.socket.once("close", () => open.delete(raw.socket));
          raw.write(attackBytes(rng, kind));
          leaveSomehow(raw.socket);
        } else if (kind === 6) {
          // node:http2 with an oversized header list: refused with RESOURCE_EXHAUSTED, or cut off.
          const session = h2Connect(`http://127.0.0.1:${port}`, { maxSendHeaderBlockLength: 1 << 20 } as never);
          sessions.add(session);
          session.on("error", () => undefined);
          session.once("close", () => sessions.delete(session));
          const stream = session.request(grpcHeaders("Greet", { "x-big": "y".repeat(40_000 + rng.int(60_000)) }));
          stream.on("error", () => undefined);
          stream.end();
          setTimeout(() => (rng.chance(0.5) ? session.destroy() : session.close()), rng.int(300));
        } else {
          const socket = netConnect(port, "127.0.0.1");
          open.add(socket);
          socket.on("error", () => undefined);
          socket.once("close", () => open.delete(socket));
          socket.write(
            kind === 7
              ? Buffer.concat([h2Preface.subarray(0, rng.int(h2Preface.length)), Buffer.from(rng.bytes(rng.int(50)))])
              : `POST /greet.GreetService/Greet HTTP/1.1\r\nhost: x\r\n${rng.chance(0.5) ? "x-big: " + "z".repeat(40_000) : "content-length: 99\r\n\r\n{"}`,
          );
          socket.resume();
          leaveSomehow(socket);
        }
        await sleep(8 + rng.int(8)); // a fixed rate, whatever the server's speed: warm-up and soak alike
      }
    };

    // Warm up with the same mix at the same rate (the allocator's working set), let it settle, measure.
    const warmEnd = Date.now() + warmMs;
    await Promise.all([validLoad(() => Date.now() > warmEnd), ...Array.from({ length: attackers }, () => attacker(() => Date.now() > warmEnd))]);
    await eventually(() => (serverSocketStates(port)["ESTABLISHED"] ?? 0) <= validClients, 10_000);
    await sleep(500);
    const warm = await server.memory();
    const before = serverSocketStates(port);

    const soakEnd = Date.now() + soakMs;
    await Promise.all([validLoad(() => Date.now() > soakEnd), ...Array.from({ length: attackers }, () => attacker(() => Date.now() > soakEnd))]);
    const atEnd = serverSocketStates(port);
    const ended = Date.now();
    // Every attacker is gone or silent; the server must shed them all. Valid clients stay connected.
    const settled = await eventually(() => {
      const states = serverSocketStates(port);
      return (states["CLOSE_WAIT"] ?? 0) === 0 && (states["ESTABLISHED"] ?? 0) <= validClients;
    }, 15_000);
    const settledAfter = Date.now() - ended;
    await sleep(500);
    const after = await server.memory();
    const final = serverSocketStates(port);
    process.stdout.write(
      `sockets-left: ${attacks} malformed connections, ${valid} valid calls, ${failures.length} failed; server sockets warm ${JSON.stringify(before)}, ` +
        `at the end ${JSON.stringify(atEnd)}, ${settledAfter} ms later ${JSON.stringify(final)}; RSS warm ${mb(warm.rss)} → ${mb(after.rss)}, ` +
        `heap ${mb(warm.heap)} → ${mb(after.heap)}, JS-held buffers ${mb(warm.external)} → ${mb(after.external)}\n`,
    );
    expect(failures).toEqual([]);
    expect(attacks).toBeGreaterThan(1_000);
    expect(settled, JSON.stringify(final)).toBe(true);
    expect(final["CLOSE_WAIT"] ?? 0).toBe(0);
    expect(final["ESTABLISHED"] ?? 0).toBe(validClients);
    expect(after.rss).toBeLessThanOrEqual(warm.rss * 1.2);
    // The valid clients still work on their connections.
    for (const client of clients) expect((await client.greet({ name: "after" })).greeting).toBe("after");
  }, soakMs + 50_000);
});
