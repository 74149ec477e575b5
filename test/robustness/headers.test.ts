// Malformed and hostile headers: grpc-timeout values (malformed, and absurd but valid ones that must
// not fire at once), missing or foreign content types, methods other than POST, unknown paths, header
// lists over the server's limit, broken grpc-status/grpc-message/details from a server, and unary
// calls whose request or response has zero or two messages.
import { connect, constants, type ServerHttp2Stream } from "node:http2";
import { connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse, GreetServerStreamRequest } from "../../snapshots/services/greet.js";
import { Code } from "../../snapshots/services/tristub-runtime.js";
import { envelope, expectCode, grpcHeaders, rawRequest, unframe, useE2E } from "../support/e2e.js";
import { expectAlive, messageOf, statusOf } from "../support/robustness.js";

const e2e = useE2E();

const hello = envelope(GreetRequest.encode({ name: "hello" }));
const KiB = 1024;

describe("grpc-timeout", () => {
  it("answers malformed values with INVALID_ARGUMENT", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    for (const value of ["", "1s", "1.5S", "0x10S", "1SS", "S", "999999999H", "1 S", "+1S", "1\u00a0S"]) {
      const response = await rawRequest(session, grpcHeaders("Greet", { "grpc-timeout": value }), hello);
      expect(statusOf(response), JSON.stringify(value)).toBe(String(Code.INVALID_ARGUMENT));
      expect(messageOf(response)).toMatch(/grpc-timeout/);
    }
    await expectAlive(e2e.client(target));
  });

  it("runs calls with absurdly long but valid deadlines normally (they must not fire after 1 ms)", async () => {
    let deadline: number | undefined;
    const target = await e2e.start({
      handler: {
        async greet(request, ctx) {
          deadline = ctx.deadline;
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (ctx.signal.aborted) throw new Error("aborted");
          return { greeting: request.name };
        },
      },
    });
    const session = e2e.connect(target);
    for (const value of ["99999999H", "99999999M", "99999999S", "2147484m", "99999999m"]) {
      const response = await rawRequest(session, grpcHeaders("Greet", { "grpc-timeout": value }), hello);
      expect(statusOf(response), value).toBe("0");
      expect(GreetResponse.decode(unframe(response.body)[0]!.data).greeting).toBe("hello");
      expect(deadline).toBeGreaterThan(Date.now() + 2_000_000);
    }
    // The client's own timer, with timeouts beyond setTimeout's 2^31-1 ms.
    const client = e2e.client(target, { timeoutMs: 2 ** 31 });
    expect((await client.greet({ name: "default" })).greeting).toBe("default");
    expect((await client.greet({ name: "call" }, { timeoutMs: 1e12 })).greeting).toBe("call");
    expect((await client.greet({ name: "max" }, { timeoutMs: Number.MAX_SAFE_INTEGER })).greeting).toBe("max");
  });
});

describe("content type, method and path", () => {
  it("refuses a request without a usable content-type with HTTP 415, and the server keeps serving", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const noType = grpcHeaders("Greet");
    delete noType["content-type"];
    for (const headers of [noType, grpcHeaders("Greet", { "content-type": "text/plain" }), grpcHeaders("Greet", { "content-type": "application/grpc-web+thrift" }), grpcHeaders("Greet", { "content-type": "application/connect+thrift" })]) {
      const response = await rawRequest(session, headers, hello);
      expect(response.headers[":status"], String(headers["content-type"])).toBe(415);
      expect(response.headers["grpc-status"]).toBeUndefined();
    }
    // A gRPC content type with a codec the server lacks: the plain 415 of gRPC (no Triple JSON body).
    const unknownCodec = await rawRequest(session, grpcHeaders("Greet", { "content-type": "application/grpc+foo" }), hello);
    expect(unknownCodec.headers[":status"]).toBe(415);
    expect(unknownCodec.headers["accept-post"]).toBe("application/grpc, application/grpc+proto, application/grpc+json");
    expect(unknownCodec.body.length).toBe(0);
    await expectAlive(e2e.client(target));
  });

  it("answers methods other than POST with HTTP 405 and allow: POST", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"]) {
      for (const contentType of ["application/grpc", "application/proto", undefined]) {
        const headers = grpcHeaders("Greet", { ":method": method });
        if (contentType === undefined) delete headers["content-type"];
        else headers["content-type"] = contentType;
        const response = await rawRequest(session, headers, method === "GET" || method === "HEAD" ? new Uint8Array(0) : hello);
        expect(response.headers[":status"], `${method} ${contentType}`).toBe(405);
        expect(response.headers["allow"]).toBe("POST");
      }
    }
    await expectAlive(e2e.client(target));
  });

  it("answers unknown and malformed paths with UNIMPLEMENTED", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const paths = ["/", "/greet.GreetService", "/greet.GreetService/", "/greet.GreetService/Nope", "//Greet", "/../greet.GreetService/Greet", "/greet.GreetService/Greet?x=1", "/%00", `/${"x".repeat(8 * KiB)}`];
    for (const path of paths) {
      const response = await rawRequest(session, grpcHeaders("Greet", { ":path": path }), hello);
      expect(statusOf(response), path.slice(0, 40)).toBe(String(Code.UNIMPLEMENTED));
      expect(response.body.length).toBe(0);
    }
    // Paths HTTP/2 itself forbids are reset (PROTOCOL_ERROR) before they reach the server.
    for (const path of ["*", "relative", "/with space"]) {
      await expect(rawRequest(session, grpcHeaders("Greet", { ":path": path }), hello)).rejects.toThrow(/RST 1\b/);
    }
    await expectAlive(e2e.client(target));
  });
});

describe("requests reset right after their headers", () => {
  // The server sees such a stream already closed: answering it (an error for a bad method, path,
  // content type, timeout…) must not throw out of the 'stream' event, which would crash the process.
  it("are dropped quietly on every refusal path, gRPC and Triple-unary", async () => {
    const target = await e2e.start();
    const session = e2e.connect(target);
    const variants: Record<string, string>[] = [
      {},
      { ":method": "GET" },
      { ":path": "/greet.GreetService/Nope" },
      { "grpc-timeout": "bogus" },
      { "grpc-encoding": "br" },
      { "tri-service-version": "9.9.9" },
      { "x-big": "x".repeat(40 * KiB) },
      { "content-type": "text/plain" },
      { "content-type": "application/proto", ":method": "GET" },
      { "content-type": "application/proto", ":path": "/greet.GreetService/Nope" },
      { "content-type": "application/json", "triple-timeout-ms": "bogus" },
      { "content-type": "application/proto", "content-encoding": "br" },
      { "content-type": "application/proto", ":path": "/greet.GreetService/GreetStream" },
    ];
    const closed: Promise<void>[] = [];
    for (let round = 0; round < 20; round++) {
      for (const extra of variants) {
        const stream = session.request(grpcHeaders("Greet", extra), { endStream: false });
        stream.on("error", () => undefined);
        closed.push(new Promise((resolve) => stream.once("close", () => resolve())));
        stream.write(hello);
        stream.close(constants.NGHTTP2_CANCEL); // RST_STREAM in the same packet as the HEADERS
      }
    }
    await Promise.all(closed);
    await expectAlive(e2e.client(target));
  });
});

describe("header list size", () => {
  // Once a client has acknowledged the server's SETTINGS, nghttp2 resets oversized header blocks
  // itself (RST_STREAM ENHANCE_YOUR_CALM, which clients read as RESOURCE_EXHAUSTED); the requests of a
  // connection's first flight, sent before that, are checked by the server.
  it("refuses requests over the default 32 KiB with RESOURCE_EXHAUSTED, also in a connection's first flight", async () => {
    const target = await e2e.start();
    const big = { "x-big": "a".repeat(40 * KiB) };
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-h${i}`, "v".repeat(400)])); // 43 KiB in all
    for (const extra of [big, many]) {
      const first = await rawRequest(e2e.connect(target), grpcHeaders("Greet", extra), hello);
      expect(statusOf(first)).toBe(String(Code.RESOURCE_EXHAUSTED));
      expect(messageOf(first)).toMatch(/request headers of \d+ bytes exceed the maximum of 32768 bytes/);
    }
    const triple = await rawRequest(e2e.connect(target), { ":method": "POST", ":path": "/greet.GreetService/Greet", "content-type": "application/proto", ...big }, GreetRequest.encode({ name: "" }));
    expect(triple.headers[":status"]).toBe(431);
    expect(JSON.parse(Buffer.from(triple.body).toString())).toMatchObject({ code: "resource_exhausted" });

    const session = e2e.connect(target);
    expect(statusOf(await rawRequest(session, grpcHeaders("Greet", { "x-big": "a".repeat(16 * KiB) }), hello))).toBe("0");
    await expect(rawRequest(session, grpcHeaders("Greet", big), hello)).rejects.toThrow(/RST 11\b/);
    expect(statusOf(await rawRequest(session, grpcHeaders("Greet"), hello))).toBe("0");

    // Through the generated client: first flight and later.
    const fresh = e2e.client(target);
    await expectCode(fresh.greet({ name: "" }, { headers: { "x-big": "b".repeat(40 * KiB) } }), Code.RESOURCE_EXHAUSTED);
    await expectCode(fresh.greetServerStream({ name: "" }, { headers: { "x-big": "b".repeat(40 * KiB) } }).recv(), Code.RESOURCE_EXHAUSTED);
    await expectAlive(fresh);
  });

  it("answers HTTP/1.1 requests with oversized headers 431 and unparsable ones 400, then serves new connections", async () => {
    const target = await e2e.start({ options: { maxHeaderListBytes: 4 * KiB } });
    /** Sends raw bytes on a fresh connection; resolves with everything the server wrote before closing. */
    const exchange = (request: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = netConnect(target.port, "127.0.0.1", () => socket.end(request));
        let text = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk: string) => (text += chunk));
        socket.on("error", reject);
        socket.on("close", () => resolve(text));
      });
    const oversized = await exchange(`POST /greet.GreetService/Greet HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(8 * KiB)}\r\ncontent-length: 0\r\n\r\n`);
    expect(oversized).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(oversized.slice(oversized.indexOf("\r\n\r\n") + 4))).toMatchObject({ code: "resource_exhausted", message: expect.stringContaining("4096 bytes") });
    const garbage = await exchange("POST /greet.GreetService/Greet HTTP/1.1\r\nhost x\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf("\r\n\r\n") + 4))).toMatchObject({ code: "invalid_argument" });
    await expectAlive(e2e.client(target));
  });

  it("honours a configured maxHeaderListBytes", async () => {
    const target = await e2e.start({ options: { maxHeaderListBytes: 2 * KiB } });
    const client = e2e.client(target);
    expect((await client.greet({ name: "small" }, { headers: { "x-meta": "m".repeat(KiB) } })).greeting).toBe("small");
    await expectCode(client.greet({ name: "" }, { headers: { "x-meta": "m".repeat(3 * KiB) } }), Code.RESOURCE_EXHAUSTED);
    await expectAlive(client);
    const first = await rawRequest(e2e.connect(target), grpcHeaders("Greet", { "x-meta": "m".repeat(3 * KiB) }), hello);
    expect(messageOf(first)).toContain("maximum of 2048 bytes");
  });

  it("survives header blocks the HTTP/2 layer itself rejects (1 MiB, 200 fields)", async () => {
    const target = await e2e.start();
    for (const extra of [{ "x-huge": "h".repeat(1024 * KiB) }, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-f${i}`, "v"]))]) {
      const session = connect(target.baseUrl, { maxSendHeaderBlockLength: 1 << 24 } as never);
      session.on("error", () => undefined);
      const response = await rawRequest(session, grpcHeaders("Greet", extra), hello).catch((error: unknown) => error);
      // Refused one way or another: a reset stream or session, or a RESOURCE_EXHAUSTED status.
      if (!(response instanceof Error)) expect(statusOf(response as never)).toBe(String(Code.RESOURCE_EXHAUSTED));
      session.destroy();
    }
    await expectAlive(e2e.client(target));
  });
});

describe("broken status fields from a server", () => {
  /** A raw server answering every call trailers-only with the fields named by the request's x-case. */
  async function statusServer(cases: Record<string, Record<string, string>>) {
    return e2e.rawServer((stream: ServerHttp2Stream, headers) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc", ...cases[String(headers["x-case"])] }, { endStream: true });
    });
  }

  it("decodes invalid percent-encoding in grpc-message leniently, never throwing", async () => {
    const messages: Record<string, [string, string]> = {
      lone: ["100%", "100%"],
      bad: ["%zz%", "%zz%"],
      cut: ["a%4", "a%4"],
      invalidUtf8: ["%FF%FEx", "\ufffd\ufffdx"],
      truncatedUtf8: ["%E0%A4", "\ufffd"],
      overlong: ["%C0%AF", "\ufffd\ufffd"],
      surrogate: ["%ED%A0%80", "\ufffd\ufffd\ufffd"],
      mixed: ["ok %41 %%41 %g1", "ok A %A %g1"],
    };
    const raw = await statusServer(Object.fromEntries(Object.entries(messages).map(([name, [wire]]) => [name, { "grpc-status": "3", "grpc-message": wire }])));
    const client = e2e.client(raw);
    for (const [name, [, decoded]] of Object.entries(messages)) {
      const error = await expectCode(client.greet({ name: "" }, { headers: { "x-case": name } }), Code.INVALID_ARGUMENT);
      expect(error.rawMessage, name).toBe(decoded);
    }
  });

  it("maps invalid grpc-status values to UNKNOWN and ignores corrupt grpc-status-details-bin", async () => {
    const cases: Record<string, Record<string, string>> = {
      word: { "grpc-status": "abc" },
      empty: { "grpc-status": "" },
      big: { "grpc-status": "99" },
      negative: { "grpc-status": "-1" },
      overflow: { "grpc-status": "4294967301" },
      details: { "grpc-status": "5", "grpc-message": "plain", "grpc-status-details-bin": "!!not base64!!" },
      detailsGarbage: { "grpc-status": "5", "grpc-message": "plain", "grpc-status-details-bin": "CgX/////" },
    };
    const client = e2e.client(await statusServer(cases));
    for (const name of ["word", "empty", "big", "negative", "overflow"]) {
      await expectCode(client.greet({ name: "" }, { headers: { "x-case": name } }), Code.UNKNOWN);
    }
    for (const name of ["details", "detailsGarbage"]) {
      const error = await expectCode(client.greet({ name: "" }, { headers: { "x-case": name } }), Code.NOT_FOUND);
      expect(error.rawMessage).toBe("plain");
    }
  });
});

describe("message counts of unary requests", () => {
  it("answers a unary or server-streaming request with zero or two messages with UNIMPLEMENTED (gRPC cardinality violation), without running the handler", async () => {
    let ran = 0;
    const target = await e2e.start({
      handler: {
        greet: (request) => {
          ran++;
          return { greeting: request.name };
        },
        async greetServerStream(request, stream) {
          ran++;
          await stream.send({ greeting: request.name });
        },
      },
    });
    const session = e2e.connect(target);
    const serverStreamHello = envelope(GreetServerStreamRequest.encode({ name: "s" }));
    for (const [method, one] of [["Greet", hello], ["GreetServerStream", serverStreamHello]] as const) {
      const none = await rawRequest(session, grpcHeaders(method), new Uint8Array(0));
      expect(statusOf(none), `${method}: none`).toBe(String(Code.UNIMPLEMENTED));
      expect(messageOf(none)).toMatch(/missing request message/);
      const two = await rawRequest(session, grpcHeaders(method), Buffer.concat([one, one]));
      expect(statusOf(two), `${method}: two`).toBe(String(Code.UNIMPLEMENTED));
      expect(messageOf(two)).toMatch(/more than one request message/);
      expect(unframe(two.body)).toEqual([]);
    }
    expect(ran).toBe(0);
    await expectAlive(e2e.client(target));
  });
});
