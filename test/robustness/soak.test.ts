// Soak: one server takes valid load from generated clients (all four kinds, proto and JSON, gzip)
// while more than 10,000 malformed requests are interleaved — random and mutated envelopes and
// headers over raw HTTP/2, garbage over raw TCP, broken HTTP/1.1 — along with connections closed
// abruptly mid-request. Every valid call must succeed, every malformed request must be answered or
// refused (none may hang), no answer may leak a stack trace, the server must still answer at the end,
// and no socket or stream may be left open (the e2e fixture's leak checks). Inputs come from a seeded
// PRNG: TRISTUB_SEED=<printed seed> repeats them (the interleaving is up to the scheduler).
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GreetClientStreamRequest, GreetRequest, GreetServerStreamRequest, GreetStreamRequest } from "../../snapshots/services/greet.js";
import { grpcPercentDecode } from "../../runtime-template/protocol/grpc-status.js";
import { envelope, eventually, grpcHeaders, useE2E } from "../support/e2e.js";
import { expectAlive, Rng, testSeed } from "../support/robustness.js";

const e2e = useE2E();

const counts = { h2Streams: 12_000, tcpGarbage: 1_000, http1Garbage: 1_000, abruptSessions: 400 };
const requestLimitMs = 5_000;
const stackTrace = /\n\s+at |node:internal|\.[cm]?[jt]s:\d+/;

/** Runs `task(i)` for i in [0, total) with at most `concurrency` at a time. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const methods = ["Greet", "GreetStream", "GreetClientStream", "GreetServerStream", "Nope"];
const printable = (rng: Rng, max: number): string =>
  Array.from({ length: rng.int(max) }, () => String.fromCharCode(0x20 + rng.int(0x5f))).join("");

/** A valid request message for a GreetService method, encoded. */
function validMessage(rng: Rng, method: string): Uint8Array {
  const name = printable(rng, 30);
  switch (method) {
    case "GreetStream":
      return GreetStreamRequest.encode({ name });
    case "GreetClientStream":
      return GreetClientStreamRequest.encode({ name });
    case "GreetServerStream":
      return GreetServerStreamRequest.encode({ name });
    default:
      return GreetRequest.encode({ name });
  }
}

/** A malformed (or occasionally valid) gRPC / Triple-unary request: headers and body. */
function malformedRequest(rng: Rng): { headers: OutgoingHttpHeaders; body: Uint8Array; reset: boolean } {
  const method = rng.pick(methods);
  const headers = grpcHeaders(method);
  const mutations = 1 + rng.int(3);
  // At most one 40 KB header per request: over the server's 32 KiB limit, but the block stays under
  // nghttp2's 64 KiB, past which node:http2 (20.x) can leak nghttp2 memory on the rejecting session and
  // abort in ~Http2Session at a later GC (`current_nghttp2_memory_ == 0`; nodejs/node#35233, #39951) —
  // a Node crash, not tristub's; seen once in a full-suite run. headers.test.ts covers oversized blocks.
  let oversized = false;
  for (let m = 0; m < mutations; m++) {
    switch (rng.int(12)) {
      case 0:
        headers["content-type"] = rng.pick(["application/grpc", "application/grpc+json", "application/json", "application/proto", "text/plain", "", "application/grpc; x=1", printable(rng, 20)]);
        break;
      case 1:
        headers["grpc-timeout"] = rng.pick(["1n", "5S", "99999999H", "0m", "10", "x", "-1S", "123456789m", printable(rng, 10)]);
        break;
      case 2:
        headers["grpc-encoding"] = rng.pick(["gzip", "identity", "br", "deflate", "", printable(rng, 10)]);
        break;
      case 3:
        headers[":method"] = rng.pick(["GET", "PUT", "DELETE", "HEAD", "OPTIONS", "BREW"]);
        break;
      case 4:
        headers[":path"] = rng.pick(["/", "/greet.GreetService/", "/greet.GreetService/greet", `/greet.GreetService/${printable(rng, 10).replace(/[^\w.]/g, "")}`, `/x/${"y".repeat(rng.int(3000))}`]);
        break;
      case 5:
        headers["tri-service-group"] = printable(rng, 10);
        headers["tri-service-version"] = rng.pick(["", "1.0.0", printable(rng, 5)]);
        break;
      case 6:
        headers["te"] = rng.pick(["trailers", "gzip"]);
        break;
      case 7:
        headers["triple-timeout-ms"] = rng.pick(["100", "-1", "99999999999", printable(rng, 8)]);
        headers["tri-protocol-version"] = rng.pick(["1.0.0", "2", ""]);
        break;
      case 8:
        headers["content-encoding"] = rng.pick(["gzip", "br", "identity"]);
        break;
      case 9: {
        const large: boolean = !oversized && rng.chance(0.05);
        oversized ||= large;
        headers[`x-${printable(rng, 8).toLowerCase().replace(/[^a-z0-9-]/g, "") || "k"}`] = printable(rng, large ? 40_000 : 200);
        break;
      }
      case 10:
        headers["grpc-accept-encoding"] = printable(rng, 30);
        break;
      default:
        headers[`x-bin-${rng.int(10)}-bin`] = printable(rng, 20);
    }
  }
  let body: Uint8Array;
  const message = validMessage(rng, method);
  switch (rng.int(10)) {
    case 0:
      body = rng.bytes(rng.int(300));
      break;
    case 1:
      body = rng.mutate(envelope(message));
      break;
    case 2:
      body = Buffer.concat([envelope(message), envelope(message), rng.bytes(rng.int(8))]);
      break;
    case 3: {
      const header = Buffer.from([0, 0, 0, 0, 0]);
      header.writeUInt32BE(rng.pick([0x7fffffff, 0xffffffff, 5 << 20, 1 << 30]), 1);
      body = Buffer.concat([header, rng.bytes(rng.int(100))]);
      break;
    }
    case 4:
      body = envelope(message, rng.pick([1, 2, 0x80, 0xff]));
      break;
    case 5:
      body = envelope(rng.chance(0.5) ? gzipSync(Buffer.alloc(rng.pick([1 << 10, 8 << 20]))) : rng.mutate(gzipSync(message)), 1);
      break;
    case 6:
      body = envelope(Buffer.from(rng.pick(["{", '{"name":1}', "[]", '{"name":"json"}', "null", '"x"'])));
      break;
    case 7:
      body = new Uint8Array(0);
      break;
    case 8:
      body = rng.chance(0.5) ? message : rng.mutate(message); // a bare message, as Triple-unary sends
      break;
    default:
      body = envelope(message);
  }
  return { headers, body, reset: rng.chance(0.1) };
}

/** Garbage for a raw TCP connection: random bytes, a bad HTTP/2 preface and frames, or broken HTTP/1. */
function tcpGarbage(rng: Rng): Uint8Array {
  const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  switch (rng.int(4)) {
    case 0:
      return rng.bytes(1 + rng.int(2000));
    case 1:
      return Buffer.concat([preface, rng.bytes(rng.int(500))]);
    case 2:
      return rng.mutate(Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), rng.bytes(rng.int(100))]));
    default:
      return Buffer.from(`${rng.pick(["POST", "GET", "PRI", "P", "\0"])} ${printable(rng, 50)}\r\n${printable(rng, 200)}`, "latin1");
  }
}

/** A broken (or occasionally valid) Triple-unary HTTP/1.1 request. */
function http1Garbage(rng: Rng): Uint8Array {
  const body = rng.chance(0.5) ? GreetRequest.encode({ name: printable(rng, 20) }) : rng.bytes(rng.int(200));
  const lines = [
    `${rng.pick(["POST", "GET", "PUT", "POST"])} ${rng.pick(["/greet.GreetService/Greet", "/greet.GreetService/GreetStream", "/nope", "*", printable(rng, 20)])} ${rng.pick(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1"])}`,
    "host: 127.0.0.1",
    `content-type: ${rng.pick(["application/proto", "application/json", "application/grpc", "text/plain"])}`,
  ];
  const extra = rng.int(4);
  for (let i = 0; i < extra; i++) {
    lines.push(
      rng.pick([
        `content-length: ${rng.pick([body.length, body.length + 10, 0, -1, 1e12, "x"])}`,
        "transfer-encoding: chunked",
        "content-encoding: gzip",
        "expect: 100-continue",
        `triple-timeout-ms: ${printable(rng, 6)}`,
        `x-big: ${"b".repeat(rng.chance(0.1) ? 40_000 : 10)}`,
        printable(rng, 30),
        "connection: close",
      ]),
    );
  }
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  const request = Buffer.concat([head, rng.chance(0.3) ? Buffer.from(`${body.length.toString(16)}\r\n`) : new Uint8Array(0), body]);
  return rng.chance(0.3) ? rng.mutate(request) : request;
}

describe("soak", () => {
  it("serves valid load while >10,000 malformed requests and abrupt disconnects are interleaved", async () => {
    const seed = testSeed("soak");
    const rng = new Rng(seed);
    const unexpected: unknown[] = [];
    const target = await e2e.start({ options: { onError: (error) => unexpected.push(error) } });
    const server = target.server as unknown as { dispatcher: { lifecycle: { readonly size: number } } };
    const sockets = new Set<Socket>();
    const sessions = new Set<ClientHttp2Session>();
    e2e.defer(() => {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    });
    const socket = (): Socket => {
      const s = netConnect(target.port, "127.0.0.1");
      s.on("error", () => undefined);
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      return s;
    };
    const session = (): ClientHttp2Session => {
      const raw = socket();
      const s = connect(target.baseUrl, { createConnection: () => raw, maxSendHeaderBlockLength: 1 << 20 } as never);
      s.on("error", () => undefined);
      sessions.add(s);
      s.once("close", () => {
        sessions.delete(s);
        raw.destroy();
      });
      return s;
    };

    // --- Valid load, until the malformed traffic is done.
    let stop = false;
    let validCalls = 0;
    const failures: string[] = [];
    const clients = [e2e.client(target), e2e.client(target, { codec: "json" }), e2e.client(target, { sendCompression: "gzip" })];
    const validWorker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const client = clients[(w + i) % clients.length]!;
        const name = `w${w}-${i}`;
        try {
          switch (i % 4) {
            case 0:
              expect((await client.greet({ name }, { timeoutMs: 10_000 })).greeting).toBe(name);
              break;
            case 1: {
              const replies: string[] = [];
              for await (const reply of client.greetServerStream({ name })) replies.push(reply.greeting);
              expect(replies).toEqual([0, 1, 2, 3, 4].map((n) => `${name}-${n}`));
              break;
            }
            case 2: {
              const upload = client.greetClientStream();
              for (let k = 0; k < 3; k++) await upload.send({ name: `${name}.${k}` });
              expect((await upload.closeAndRecv()).greeting).toBe([0, 1, 2].map((k) => `${name}.${k}`).join(","));
              break;
            }
            default: {
              const bidi = client.greetStream();
              for (let k = 0; k < 3; k++) {
                await bidi.send({ name: `${name}.${k}` });
                expect((await bidi.recv()).greeting).toBe(`${name}.${k}`);
              }
              bidi.closeRequest();
              for await (const extra of bidi) failures.push(`unexpected bidi reply ${extra.greeting}`);
            }
          }
          validCalls++;
        } catch (error) {
          failures.push(`${name}: ${String(error)}`);
        }
      }
    };
    const valid = Promise.all(Array.from({ length: 6 }, (_, w) => validWorker(w)));

    // --- Malformed HTTP/2 requests over a few raw sessions, replaced now and then by abrupt closes.
    let hung = 0;
    let malformed = 0;
    const messages: string[] = [];
    const raw: ClientHttp2Session[] = Array.from({ length: 4 }, session);
    const h2 = pool(counts.h2Streams, 48, async (i) => {
      const slot = i % raw.length;
      if (rng.chance(0.003)) {
        raw[slot]!.destroy(); // abrupt: in-flight streams on it just die
        raw[slot] = session();
      }
      let s = raw[slot]!;
      if (s.destroyed || s.closed) s = raw[slot] = session();
      const { headers, body, reset } = malformedRequest(rng);
      malformed++;
      await new Promise<void>((resolve) => {
        let stream;
        try {
          stream = s.request(headers, { endStream: false });
        } catch {
          return resolve(); // refused locally (e.g. a header node:http2 will not send)
        }
        const timer = setTimeout(() => {
          hung++;
          stream.close(constants.NGHTTP2_CANCEL);
        }, requestLimitMs);
        stream.on("error", () => undefined);
        stream.on("response", (h) => {
          if (h["grpc-message"] !== undefined) messages.push(String(h["grpc-message"]));
        });
        stream.on("trailers", (t) => {
          if (t["grpc-message"] !== undefined) messages.push(String(t["grpc-message"]));
        });
        stream.on("data", (chunk: Buffer) => {
          if (chunk[0] === 0x7b) messages.push(chunk.toString()); // Triple-unary JSON error bodies
        });
        stream.on("close", () => {
          clearTimeout(timer);
          resolve();
        });
        stream.write(body);
        if (reset) stream.close(constants.NGHTTP2_CANCEL);
        else stream.end();
      });
    });

    // --- Garbage over raw TCP, and broken HTTP/1.1, each on its own connection.
    const garbage = async (bytes: Uint8Array, waitMs: number): Promise<void> => {
      const s = socket();
      malformed++;
      await new Promise<void>((resolve) => {
        s.once("close", () => resolve());
        s.once("connect", () => {
          s.write(bytes);
          s.on("data", (chunk: Buffer) => {
            const text = chunk.toString("latin1");
            const body = text.slice(text.indexOf("\r\n\r\n") + 4);
            if (body.startsWith("{")) messages.push(body);
          });
          const mode = rng.int(3);
          if (mode === 0) s.destroy();
          else if (mode === 1) s.end();
          setTimeout(() => s.destroy(), waitMs);
        });
      });
    };
    const tcp = pool(counts.tcpGarbage, 16, () => garbage(tcpGarbage(rng), 200));
    const http1 = pool(counts.http1Garbage, 16, () => garbage(http1Garbage(rng), 300));

    // --- Sessions that start calls and vanish mid-request.
    const abrupt = pool(counts.abruptSessions, 8, async () => {
      const s = session();
      for (let k = 1 + rng.int(4); k > 0; k--) {
        const method = rng.pick(methods.slice(0, 4));
        try {
          const stream = s.request(grpcHeaders(method), { endStream: false });
          stream.on("error", () => undefined);
          stream.write(envelope(validMessage(rng, method)));
          if (rng.chance(0.5)) stream.write(envelope(validMessage(rng, method)).subarray(0, 3));
        } catch {
          // session already gone
        }
        malformed++;
      }
      await new Promise((resolve) => setTimeout(resolve, rng.int(20)));
      s.destroy();
    });

    const started = Date.now();
    await Promise.all([h2, tcp, http1, abrupt]);
    stop = true;
    await valid;
    for (const s of raw) s.close();
    const elapsed = Date.now() - started;
    process.stdout.write(`soak: ${malformed} malformed requests, ${validCalls} valid calls in ${elapsed} ms\n`);

    expect(failures).toEqual([]);
    expect(validCalls).toBeGreaterThan(200);
    expect(malformed).toBeGreaterThanOrEqual(10_000);
    expect(hung).toBe(0);
    expect(messages.filter((m) => stackTrace.test(grpcPercentDecode(m)))).toEqual([]);
    expect(unexpected).toEqual([]);
    await expectAlive(e2e.client(target), "after the soak");
    expect(await eventually(() => server.dispatcher.lifecycle.size === 0, 5_000)).toBe(true);
    expect(await eventually(() => sockets.size === 0 && sessions.size === 0, 5_000)).toBe(true);
  }, 120_000);
});
