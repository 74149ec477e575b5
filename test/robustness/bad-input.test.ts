// Malformed message bodies in both directions: truncated and oversized envelopes, bad flags, bad or
// missing compression, payloads that do not decode (binary and JSON), deep nesting and huge repeated
// counts. The server answers each with the right status and keeps serving; the generated client fails
// the call with the right status and never throws out of an event handler.
import type { ServerHttp2Stream } from "node:http2";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GreetClientStreamResponse, GreetRequest, GreetResponse, GreetServerStreamResponse } from "../../snapshots/services/greet.js";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { deferred, envelope, expectCode, grpcHeaders, rawRequest, unframe, useE2E, withTimeout } from "../support/e2e.js";
import { expectAlive, messageOf, statusOf } from "../support/robustness.js";

const e2e = useE2E();

const MiB = 1024 * 1024;
const hello = envelope(GreetRequest.encode({ name: "hello" }));

/** A 5-byte envelope header declaring `length` bytes. */
function envelopeHeader(length: number, flags = 0): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, length);
  return out;
}

/** Answers like a gRPC server: the given headers and body, then OK trailers. */
function respond(stream: ServerHttp2Stream, body: Uint8Array, headers: Record<string, string> = {}): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc", ...headers }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(body);
}

describe("server: malformed request envelopes", () => {
  it("answers truncated envelopes with INVALID_ARGUMENT and keeps the connection usable", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const cut = {
      "header only half": hello.subarray(0, 3),
      "payload cut": hello.subarray(0, hello.length - 2),
      "second envelope cut": Buffer.concat([hello, hello.subarray(0, 7)]),
    };
    for (const [what, body] of Object.entries(cut)) {
      for (const method of ["Greet", "GreetClientStream", "GreetStream"]) {
        const response = await rawRequest(session, grpcHeaders(method), body);
        expect(statusOf(response), `${method}: ${what}`).toBe(String(Code.INVALID_ARGUMENT));
        expect(messageOf(response)).toMatch(/incomplete envelope/);
      }
    }
    const ok = await rawRequest(session, grpcHeaders("Greet"), hello);
    expect(statusOf(ok)).toBe("0");
    await expectAlive(e2e.client(target));
  });

  it("refuses a 1 GiB length prefix at once, while the request is still open and nothing more was sent", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    for (const method of ["Greet", "GreetClientStream", "GreetStream"]) {
      const hold = deferred<void>();
      const started = Date.now();
      const body = Buffer.concat([method === "Greet" ? new Uint8Array(0) : hello, envelopeHeader(1024 * MiB), new Uint8Array(64 * 1024)]);
      const response = await withTimeout(
        rawRequest(session, grpcHeaders(method), async (write) => {
          await write(body);
          await hold.promise; // never sends the rest, never half-closes
        }),
        2_000,
        `${method}: the refusal of a 1 GiB envelope`,
      );
      hold.resolve();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(statusOf(response), method).toBe(String(Code.RESOURCE_EXHAUSTED));
      expect(messageOf(response)).toContain(String(1024 * MiB));
    }
    await expectAlive(e2e.client(target));
  });

  it("answers unknown envelope flags and a compressed flag without grpc-encoding with INTERNAL", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const payload = GreetRequest.encode({ name: "x" });
    for (const flags of [0x02, 0x04, 0x80, 0xff]) {
      const response = await rawRequest(session, grpcHeaders("Greet"), envelope(payload, flags));
      expect(statusOf(response), `flags ${flags}`).toBe(String(Code.INTERNAL));
      expect(messageOf(response)).toMatch(/invalid envelope flags/);
    }
    for (const extra of [{}, { "grpc-encoding": "identity" }]) {
      const response = await rawRequest(session, grpcHeaders("Greet", extra), envelope(payload, 1));
      expect(statusOf(response)).toBe(String(Code.INTERNAL));
      expect(messageOf(response)).toMatch(/compressed message without grpc-encoding/);
    }
    await expectAlive(e2e.client(target));
  });

  it("answers JSON requests that do not decode with INVALID_ARGUMENT", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const json = { "content-type": "application/grpc+json" };
    const bodies = ["{", '{"name":5}', '"a string"', "[]", '{"name":"x"} trailing', "\u0000"].map((text) => Buffer.from(text));
    bodies.push(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])); // invalid UTF-8
    for (const body of bodies) {
      const response = await rawRequest(session, grpcHeaders("Greet", json), envelope(body));
      expect(statusOf(response), body.toString("latin1")).toBe(String(Code.INVALID_ARGUMENT));
      expect(unframe(response.body)).toEqual([]);
    }
    const ok = await rawRequest(session, grpcHeaders("Greet", json), envelope(Buffer.from('{"name":"json"}')));
    expect(statusOf(ok)).toBe("0");
    expect(JSON.parse(Buffer.from(unframe(ok.body)[0]!.data).toString())).toEqual({ greeting: "json" });
  });

  it("bounds nesting: deep binary groups are INVALID_ARGUMENT, deep JSON is decoded or refused, quickly", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    // 100,000 unknown start-group tags (field 2): beyond the decoder's depth limit.
    const groups = envelope(new Uint8Array(100_000).fill(0x13));
    let started = Date.now();
    const deep = await rawRequest(session, grpcHeaders("Greet"), groups);
    expect(statusOf(deep)).toBe(String(Code.INVALID_ARGUMENT));
    expect(messageOf(deep)).toMatch(/depth/);
    // 50 properly closed nested groups are within the limit: kept as unknown fields.
    const shallow = Buffer.concat([Buffer.from(GreetRequest.encode({ name: "n" })), Buffer.alloc(50, 0x13), Buffer.alloc(50, 0x14)]);
    expect(statusOf(await rawRequest(session, grpcHeaders("Greet"), envelope(shallow)))).toBe("0");
    // 1,000,000 nested JSON arrays (2 MB): ignored as an unknown field, refused as the string field.
    const nested = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    const json = { "content-type": "application/grpc+json" };
    const unknown = await rawRequest(session, grpcHeaders("Greet", json), envelope(Buffer.from(`{"name":"deep","other":${nested}}`)));
    expect(statusOf(unknown)).toBe("0");
    const wrong = await rawRequest(session, grpcHeaders("Greet", json), envelope(Buffer.from(`{"name":${nested}}`)));
    expect(statusOf(wrong)).toBe(String(Code.INVALID_ARGUMENT));
    expect(Date.now() - started).toBeLessThan(5_000);
    started = Date.now();
    await expectAlive(e2e.client(target));
  });

  it("maxMessageDepth bounds nesting on both sides and can be raised or lowered (gRPC unary and streaming, Triple-unary, client)", async () => {
    /** A GreetRequest/GreetResponse (field 1 = "n") followed by `depth` properly closed nested unknown groups. */
    const nestedGroups = (depth: number): Buffer =>
      Buffer.concat([Buffer.from(GreetRequest.encode({ name: "n" })), Buffer.alloc(depth, 0x13), Buffer.alloc(depth, 0x14)]);
    const strict = await e2e.start({ options: { maxMessageDepth: 10 } });
    const lenient = await e2e.start({ options: { maxMessageDepth: 500 } });
    const bySession = [e2e.connect(strict), e2e.connect(lenient)] as const;
    for (const method of ["Greet", "GreetClientStream"]) {
      const [strictSession, lenientSession] = bySession;
      expect(statusOf(await rawRequest(strictSession, grpcHeaders(method), envelope(nestedGroups(5)))), method).toBe("0");
      const refused = await rawRequest(strictSession, grpcHeaders(method), envelope(nestedGroups(20)));
      expect(statusOf(refused), method).toBe(String(Code.INVALID_ARGUMENT));
      expect(messageOf(refused)).toMatch(/depth (of )?10\b/);
      // 200 levels: beyond the default of 100, within the raised limit.
      expect(statusOf(await rawRequest(lenientSession, grpcHeaders(method), envelope(nestedGroups(200)))), method).toBe("0");
    }
    const tripleHeaders = { ":method": "POST", ":path": "/greet.GreetService/Greet", "content-type": "application/proto" };
    const tripleRefused = await rawRequest(bySession[0], tripleHeaders, nestedGroups(20));
    expect(tripleRefused.headers[":status"]).toBe(400);
    expect(Buffer.from(tripleRefused.body).toString()).toMatch(/depth (of )?10\b/);
    expect((await rawRequest(bySession[1], tripleHeaders, nestedGroups(200))).headers[":status"]).toBe(200);

    // Client side: a server answering with 20 nested groups.
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      respond(stream, envelope(nestedGroups(20)));
    });
    expect((await e2e.client(raw).greet({ name: "" })).greeting).toBe("n");
    const error = await expectCode(e2e.client(raw, { maxMessageDepth: 10 }).greet({ name: "" }), Code.INTERNAL);
    expect(error.rawMessage).toMatch(/depth (of )?10\b/);
    const stream = e2e.client(raw, { maxMessageDepth: 10 }).greetServerStream({ name: "" });
    await expectCode(stream.recv(), Code.INTERNAL);
  });

  it("decodes huge repeated counts in linear time (a million unknown fields, a field repeated 500,000 times)", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const unknown = new Uint8Array(2_000_000);
    for (let i = 0; i < unknown.length; i += 2) unknown[i] = 0x10; // field 2 varint 0, a million times
    const repeatedName = Buffer.concat(Array.from({ length: 500_000 }, (_, i) => Buffer.from(i % 2 === 0 ? [0x0a, 0x01, 0x61] : [0x0a, 0x01, 0x62])));
    const started = Date.now();
    const many = await rawRequest(session, grpcHeaders("Greet"), envelope(unknown));
    expect(statusOf(many)).toBe("0");
    const last = await rawRequest(session, grpcHeaders("Greet"), envelope(repeatedName));
    expect(GreetResponse.decode(unframe(last.body)[0]!.data).greeting).toBe("b"); // the last one wins
    const list = `{"name":"list","other":[${new Array(500_000).fill(7).join(",")}]}`;
    const json = await rawRequest(session, grpcHeaders("Greet", { "content-type": "application/grpc+json" }), envelope(Buffer.from(list)));
    expect(statusOf(json)).toBe("0");
    // Quadratic unknown-field handling took minutes for the first request alone.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("client: malformed response envelopes", () => {
  it("fails a response declaring 1 GiB at once with RESOURCE_EXHAUSTED, without waiting for the payload", async () => {
    const reset = deferred<number>();
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      stream.on("close", () => reset.resolve(stream.rstCode ?? 0));
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.write(Buffer.concat([envelopeHeader(1024 * MiB), new Uint8Array(16 * 1024)])); // and never more
    });
    const started = Date.now();
    const error = await expectCode(withTimeout(e2e.client(raw).greet({ name: "" }), 2_000, "the client's refusal"), Code.RESOURCE_EXHAUSTED);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.rawMessage).toContain(String(1024 * MiB));
    // The client reset the stream: the server is told to stop.
    expect(await withTimeout(reset.promise, 2_000, "the client's reset")).not.toBe(0);
  });

  it("fails an unknown grpc-encoding and corrupt gzip with INTERNAL, a gzip bomb with RESOURCE_EXHAUSTED", async () => {
    const bomb = gzipSync(GreetResponse.encode({ greeting: "\0".repeat(16 * MiB) }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const bodies: Record<string, [Record<string, string>, Uint8Array]> = {
      br: [{ "grpc-encoding": "br" }, envelope(Uint8Array.from([1, 2, 3]), 1)],
      corrupt: [{ "grpc-encoding": "gzip" }, envelope(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]), 1)],
      truncatedGzip: [{ "grpc-encoding": "gzip" }, envelope(gzipSync(GreetResponse.encode({ greeting: "cut" })).subarray(0, 12), 1)],
      bomb: [{ "grpc-encoding": "gzip" }, envelope(bomb, 1)],
    };
    const raw = await e2e.rawServer((stream, headers) => {
      stream.resume();
      const [extra, body] = bodies[String(headers["x-body"])]!;
      respond(stream, body, extra);
    });
    const client = e2e.client(raw);
    const expected: Record<string, number> = { br: Code.INTERNAL, corrupt: Code.INTERNAL, truncatedGzip: Code.INTERNAL, bomb: Code.RESOURCE_EXHAUSTED };
    for (const [name, code] of Object.entries(expected)) {
      const started = Date.now();
      await expectCode(client.greet({ name: "" }, { headers: { "x-body": name } }), code);
      expect(Date.now() - started, name).toBeLessThan(1_000);
    }
    // A small configured limit applies after decompression too.
    const small = e2e.client(raw, { maxReceiveMessageBytes: 1_000 });
    bodies["medium"] = [{ "grpc-encoding": "gzip" }, envelope(gzipSync(GreetResponse.encode({ greeting: "m".repeat(5_000) })), 1)];
    await expectCode(small.greet({ name: "" }, { headers: { "x-body": "medium" } }), Code.RESOURCE_EXHAUSTED);
    expect((await client.greet({ name: "" }, { headers: { "x-body": "medium" } })).greeting).toHaveLength(5_000);
  });

  it("fails JSON and binary responses that do not decode with INTERNAL", async () => {
    const raw = await e2e.rawServer((stream, headers) => {
      stream.resume();
      const json = String(headers["content-type"]).endsWith("+json");
      const body = json ? Buffer.from(String(headers["x-json"])) : Uint8Array.from([0x0a, 0x7f, 0x61]);
      respond(stream, envelope(body), { "content-type": json ? "application/grpc+json" : "application/grpc" });
    });
    const json = e2e.client(raw, { codec: "json" });
    for (const text of ["{", '{"greeting":1}', "[]", "null x"]) {
      const error = await expectCode(json.greet({ name: "" }, { headers: { "x-json": text } }), Code.INTERNAL);
      expect(error.rawMessage, text).toMatch(/failed to decode/);
    }
    await expectCode(e2e.client(raw).greet({ name: "" }), Code.INTERNAL);
    const stream = e2e.client(raw).greetServerStream({ name: "" });
    await expectCode(stream.recv(), Code.INTERNAL);
  });

  it("fails a client-streaming call answered with zero or two messages with UNIMPLEMENTED (gRPC cardinality violation)", async () => {
    const one = envelope(GreetClientStreamResponse.encode({ greeting: "one" }));
    const raw = await e2e.rawServer((stream, headers) => {
      stream.resume();
      stream.once("end", () => respond(stream, headers["x-count"] === "0" ? new Uint8Array(0) : Buffer.concat([one, one])));
    });
    const client = e2e.client(raw);
    for (const count of ["0", "2"]) {
      const upload = client.greetClientStream({ headers: { "x-count": count } });
      await upload.send({ name: "a" });
      await upload.send({ name: "b" });
      const error = await expectCode(upload.closeAndRecv(), Code.UNIMPLEMENTED);
      expect(error.rawMessage).toMatch(count === "0" ? /missing response message/ : /more than one response message/);
    }
  });

  it("fails a unary call answered with zero or two messages with UNIMPLEMENTED, cancelling at the second without waiting for the end", async () => {
    const one = envelope(GreetResponse.encode({ greeting: "one" }));
    const reset = deferred<number>();
    const raw = await e2e.rawServer((stream, headers) => {
      stream.resume();
      const count = headers["x-count"];
      if (count === "hold") {
        stream.on("close", () => reset.resolve(stream.rstCode ?? 0));
        // Two messages, then the stream stays open: the client must give up on its own.
        stream.respond({ ":status": 200, "content-type": "application/grpc" });
        stream.write(Buffer.concat([one, one]));
        return;
      }
      if (count === "error") {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(Code.ABORTED), "grpc-message": "after one" }));
        stream.end(one);
        return;
      }
      respond(stream, count === "0" ? new Uint8Array(0) : Buffer.concat([one, one]));
    });
    const client = e2e.client(raw);
    for (const count of ["0", "2"]) {
      const error = await expectCode(client.greet({ name: "" }, { headers: { "x-count": count } }), Code.UNIMPLEMENTED);
      expect(error.rawMessage).toMatch(count === "0" ? /missing response message/ : /more than one response message/);
    }
    const aborted = await expectCode(client.greet({ name: "" }, { headers: { "x-count": "error" } }), Code.ABORTED);
    expect(aborted.rawMessage).toBe("after one");
    const held = await withTimeout(expectCode(client.greet({ name: "" }, { headers: { "x-count": "hold" } }), Code.UNIMPLEMENTED), 5_000, "unary call answered twice");
    expect(held.rawMessage).toMatch(/more than one response message/);
    expect(await withTimeout(reset.promise, 5_000, "the server seeing the reset")).not.toBe(0);
  });

  it("reads a server stream's messages up to a bad envelope, then fails", async () => {
    const good = envelope(GreetServerStreamResponse.encode({ greeting: "good" }));
    const raw = await e2e.rawServer((stream) => {
      stream.resume();
      respond(stream, Buffer.concat([good, good, envelope(Uint8Array.from([1]), 0x40)]));
    });
    const stream = e2e.client(raw).greetServerStream({ name: "" });
    expect((await stream.recv()).greeting).toBe("good");
    expect((await stream.recv()).greeting).toBe("good");
    await expectCode(stream.recv(), Code.INTERNAL);
  });
});
