// Triple-unary the way users call it from a shell: the real curl CLI against the generated
// GreetService server (snapshots/services), over HTTP/1.1 and HTTP/2 prior knowledge, on real
// sockets (127.0.0.1, port 0). useE2E closes every server after each test and fails it when a
// socket is left open. Without curl every test here skips, saying so ("curl not installed").
import { gzipSync } from "node:zlib";
import { connect as netConnect } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse, type GreetServiceHandler } from "../../snapshots/services/greet.js";
import { Code, TripleError, type HandlerContext } from "../../snapshots/services/tristub-runtime.js";
import { SimpleRequest, type SimpleResponse } from "../../interop/gen/grpc/testing/messages.js";
import { registerTestService } from "../../interop/gen/grpc/testing/test.js";
import { createTripleServer } from "../../interop/gen/tristub-runtime.js";
import { testServiceHandler } from "../../interop/test-service.js";
import { curl, curlMissingReason, curlVersion, type CurlResult } from "../support/curl.js";
import { eventually, useE2E, type E2EServer } from "../support/e2e.js";

const curlMissing = curlVersion === undefined;
if (curlMissing) process.stderr.write(`test/triple/curl.test.ts: ${curlMissingReason}\n`);
/** `it`, skipped (with the reason in the suite title and on stderr) when curl is missing. */
const itCurl = it.skipIf(curlMissing);

const greetPath = "/greet.GreetService/Greet";
const json = ["-H", "content-type: application/json"];
const h2 = "--http2-prior-knowledge";

/** What the `slow` call's handler saw: its deadline and why its signal aborted. */
interface Observed {
  deadline?: number | undefined;
  abortReason?: unknown;
}

/** GreetService.greet with name-triggered behaviours; anything else echoes the name. */
function greetHandler(observed: Observed): Partial<GreetServiceHandler> {
  return {
    async greet(request, ctx: HandlerContext) {
      switch (request.name) {
        case "not-found":
          throw new TripleError(Code.NOT_FOUND, "no greeting for not-found");
        case "invalid":
          throw new TripleError(Code.INVALID_ARGUMENT, "the name is invalid");
        case "metadata":
          ctx.responseHeaders.set("x-header", "header value");
          ctx.responseTrailers.set("x-trailer", "trailer value");
          return { greeting: "metadata" };
        case "deadline":
          observed.deadline = ctx.deadline;
          return { greeting: ctx.deadline === undefined ? "none" : String(ctx.deadline - Date.now()) };
        case "slow":
          observed.deadline = ctx.deadline;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 10_000);
            ctx.signal.addEventListener("abort", () => {
              observed.abortReason = ctx.signal.reason;
              clearTimeout(timer);
              resolve();
            });
          });
          return { greeting: "slow" };
        case "long":
          return { greeting: "long ".repeat(400) };
        default:
          return { greeting: request.name };
      }
    },
  };
}

/** The JSON error body, asserting both dialect fields are there. */
function errorBody(result: CurlResult): { code: string; status: number; message?: string } {
  expect(result.headers["content-type"]).toBe("application/json");
  const body = JSON.parse(result.text) as { code: string; status: number; message?: string };
  expect(typeof body.code).toBe("string");
  expect(typeof body.status).toBe("number");
  return body;
}

describe(curlMissing ? `curl → Triple-unary (skipped: ${curlMissingReason})` : `curl → Triple-unary (${(curlVersion ?? "").split(" ").slice(0, 2).join(" ")})`, () => {
  const e2e = useE2E();
  let dir: string;
  let observed: Observed;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tristub-curl-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = (options: Parameters<typeof e2e.start>[0] = {}): Promise<E2EServer> => {
    observed = {};
    return e2e.start({ ...options, handler: { ...greetHandler(observed), ...options.handler } });
  };
  const url = (server: E2EServer, path = greetPath): string => `${server.baseUrl}${path}`;

  describe("success", () => {
    for (const [label, flags, version] of [
      ["HTTP/1.1", [], "1.1"],
      ["HTTP/2 prior knowledge", [h2], "2"],
    ] as const) {
      itCurl(`the README call over ${label} answers exactly {"greeting":"triple"}`, async () => {
        const server = await start();
        const result = await curl([...flags, ...json, "-d", '{"name":"triple"}', url(server)]);
        expect(result.exitCode).toBe(0);
        expect(result.httpVersion).toBe(version);
        expect(result.status).toBe(200);
        expect(result.text).toBe('{"greeting":"triple"}');
        expect(result.headers["content-type"]).toBe("application/json");
      });

      itCurl(`application/json; charset=utf-8 over ${label}`, async () => {
        const server = await start();
        const result = await curl([...flags, "-H", "content-type: application/json; charset=utf-8", "-d", '{"name":"ünïcödé ✓"}', url(server)]);
        expect(result.status).toBe(200);
        expect(JSON.parse(result.text)).toEqual({ greeting: "ünïcödé ✓" });
      });

      itCurl(`application/proto bodies (--data-binary @file) over ${label}`, async () => {
        const server = await start();
        const file = join(dir, `request-${version}.binpb`);
        await writeFile(file, GreetRequest.encode({ name: "binary ✓" }));
        const result = await curl([...flags, "-H", "content-type: application/proto", "--data-binary", `@${file}`, url(server)]);
        expect(result.status).toBe(200);
        expect(result.headers["content-type"]).toBe("application/proto");
        expect(GreetResponse.decode(result.body)).toEqual({ greeting: "binary ✓" });
      });

      itCurl(`a gzip request body (Content-Encoding: gzip) and a --compressed response over ${label}`, async () => {
        const server = await start({ options: { compressMinBytes: 16 } });
        const file = join(dir, `request-${version}.json.gz`);
        await writeFile(file, gzipSync('{"name":"long"}'));
        const result = await curl([...flags, ...json, "-H", "content-encoding: gzip", "--compressed", "--data-binary", `@${file}`, url(server)]);
        expect(result.status).toBe(200);
        expect(result.headers["content-encoding"]).toBe("gzip");
        expect(JSON.parse(result.text)).toEqual({ greeting: "long ".repeat(400) }); // curl gunzipped it

        // Without --compressed, curl sends no Accept-Encoding and gets the plain body.
        const plain = await curl([...flags, ...json, "-d", '{"name":"long"}', url(server)]);
        expect(plain.headers["content-encoding"]).toBeUndefined();
        expect(JSON.parse(plain.text)).toEqual({ greeting: "long ".repeat(400) });
      });
    }

    itCurl("a corrupt gzip body is a 400 invalid_argument (and the server stays up)", async () => {
      const server = await start();
      const result = await curl([...json, "-H", "content-encoding: gzip", "-d", "not gzip at all", url(server)]);
      expect(result.status).toBe(400);
      expect(errorBody(result)).toMatchObject({ code: "invalid_argument", status: Code.INVALID_ARGUMENT });
      expect((await curl([...json, "-d", '{"name":"still up"}', url(server)])).text).toBe('{"greeting":"still up"}');
    });

    itCurl("response trailers arrive as trailer-* headers, response headers as they are", async () => {
      const server = await start();
      for (const flags of [[], [h2]]) {
        const result = await curl([...flags, ...json, "-d", '{"name":"metadata"}', url(server)]);
        expect(result.status).toBe(200);
        expect(result.headers["x-header"]).toBe("header value");
        expect(result.headers["trailer-x-trailer"]).toBe("trailer value");
      }
    });

    itCurl("tri-service-group / tri-service-version pick the implementation", async () => {
      const server = await start({
        extra: [
          { handler: { greet: (request) => ({ greeting: `g1 v1: ${request.name}` }) }, registration: { group: "g1", version: "1.0.0" } },
          { handler: { greet: (request) => ({ greeting: `g1 v2: ${request.name}` }) }, registration: { group: "g1", version: "2.0.0" } },
        ],
      });
      const call = (...headers: string[]): Promise<CurlResult> =>
        curl([...json, ...headers.flatMap((h) => ["-H", h]), "-d", '{"name":"x"}', url(server)]);
      expect((await call()).text).toBe('{"greeting":"x"}');
      expect((await call("tri-service-group: g1", "tri-service-version: 1.0.0")).text).toBe('{"greeting":"g1 v1: x"}');
      expect((await call("tri-service-group: g1", "tri-service-version: 2.0.0")).text).toBe('{"greeting":"g1 v2: x"}');
      const h2Result = await curl([h2, ...json, "-H", "tri-service-group: g1", "-H", "tri-service-version: 2.0.0", "-d", '{"name":"y"}', url(server)]);
      expect(h2Result.text).toBe('{"greeting":"g1 v2: y"}');
      const missing = await call("tri-service-group: g2", "tri-service-version: 1.0.0");
      expect(missing.status).toBe(404);
      expect(errorBody(missing)).toEqual({
        code: "unimplemented",
        status: Code.UNIMPLEMENTED,
        message: "no implementation found for service group g2 and service version 1.0.0",
      });
    });
  });

  describe("errors: JSON body with code and status, and the HTTP status", () => {
    itCurl("handler NOT_FOUND → 404, INVALID_ARGUMENT → 400 (HTTP/1.1 and HTTP/2)", async () => {
      const server = await start();
      for (const flags of [[], [h2]]) {
        const notFound = await curl([...flags, ...json, "-d", '{"name":"not-found"}', url(server)]);
        expect(notFound.status).toBe(404);
        expect(notFound.text).toBe('{"code":"not_found","status":5,"message":"no greeting for not-found"}');
        const invalid = await curl([...flags, ...json, "-d", '{"name":"invalid"}', url(server)]);
        expect(invalid.status).toBe(400);
        expect(errorBody(invalid)).toEqual({ code: "invalid_argument", status: 3, message: "the name is invalid" });
      }
    });

    itCurl("a body that is not the request message → 400 invalid_argument", async () => {
      const server = await start();
      const result = await curl([...json, "-d", '{"name":42', url(server)]);
      expect(result.status).toBe(400);
      expect(errorBody(result)).toMatchObject({ code: "invalid_argument", status: 3 });
    });

    itCurl("unknown path → 404", async () => {
      const server = await start();
      for (const path of ["/greet.GreetService/Nope", "/no.Such/Method"]) {
        for (const flags of [[], [h2]]) {
          const result = await curl([...flags, ...json, "-d", "{}", url(server, path)]);
          expect(result.status).toBe(404);
          expect(errorBody(result)).toEqual({ code: "unimplemented", status: Code.UNIMPLEMENTED, message: `unknown method ${path}` });
        }
      }
    });

    itCurl("GET of a method not marked NO_SIDE_EFFECTS → 405 with Allow: POST (a Connect error: GET is Connect's)", async () => {
      const server = await start();
      for (const flags of [[], [h2]]) {
        const result = await curl([...flags, url(server)]);
        expect(result.status).toBe(405);
        expect(result.headers["allow"]).toBe("POST");
        expect(result.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(result.text)).toMatchObject({ code: "unimplemented" });
      }
    });

    itCurl("text/plain → 415 with Accept-Post and no body", async () => {
      const server = await start();
      const result = await curl(["-H", "content-type: text/plain", "-d", "hello", url(server)]);
      expect(result.status).toBe(415);
      expect(result.headers["accept-post"]).toBe("application/json, application/proto");
      // An empty body, as connect-go answers: gRPC and Connect clients read the status alone.
      expect(result.body.length).toBe(0);
      const overH2 = await curl([h2, "-H", "content-type: text/plain", "-d", "hello", url(server)]);
      expect(overH2.status).toBe(415);
      expect(overH2.headers["accept-post"]).toContain("application/json");
    });

    itCurl("a streaming method over HTTP/1.1 → 505; over HTTP/2 with application/json → 415", async () => {
      const server = await start();
      const path = "/greet.GreetService/GreetServerStream";
      const h1 = await curl([...json, "-d", '{"name":"s"}', url(server, path)]);
      expect(h1.status).toBe(505);
      expect(h1.headers["connection"]).toBe("close");
      expect(errorBody(h1)).toEqual({
        code: "unimplemented",
        status: Code.UNIMPLEMENTED,
        message: `${path} is a streaming method: call it with gRPC over HTTP/2`,
      });
      const overH2 = await curl([h2, ...json, "-d", '{"name":"s"}', url(server, path)]);
      expect(overH2.status).toBe(415);
      expect(overH2.headers["accept-post"]).toBe("application/grpc, application/grpc+proto, application/grpc+json");
      expect(errorBody(overH2)).toMatchObject({ code: "unimplemented", status: Code.UNIMPLEMENTED });
    });
  });

  describe("oversized bodies: 413 resource_exhausted, fast, without buffering the body", () => {
    const limit = 1024;
    const offered = 1024 * 1024 * 1024; // 1 GiB offered on stdin; a few MiB at most are ever sent

    /** Samples the process's ArrayBuffer memory (Buffers) while `run` goes; returns the peak growth. */
    async function peakBufferGrowth<T>(run: () => Promise<T>): Promise<[T, number]> {
      const base = process.memoryUsage().arrayBuffers;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 5);
      try {
        const result = await run();
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        return [result, peak - base];
      } finally {
        clearInterval(sampler);
      }
    }

    for (const [label, flags] of [
      ["HTTP/1.1 chunked", ["-H", "Expect:"]],
      ["HTTP/1.1 chunked with Expect: 100-continue", []],
      ["HTTP/2", [h2]],
    ] as const) {
      itCurl(`a streamed 1 GiB body over ${label}`, async () => {
        const server = await start({ options: { maxReceiveMessageBytes: limit } });
        const [result, growth] = await peakBufferGrowth(() =>
          curl([...flags, "-X", "POST", "-T", "-", "-H", "content-type: application/proto", url(server)], { input: { zeroBytes: offered } }),
        );
        expect(result.status).toBe(413);
        expect(errorBody(result)).toEqual({
          code: "resource_exhausted",
          status: Code.RESOURCE_EXHAUSTED,
          message: `request body exceeds the maximum of ${limit} bytes`,
        });
        expect(result.elapsedMs).toBeLessThan(5_000);
        // curl stopped uploading right after the answer: the server did not drain 1 GiB.
        expect(result.sizeUpload).toBeGreaterThan(limit);
        expect(result.sizeUpload).toBeLessThan(64 * 1024 * 1024);
        expect(growth).toBeLessThan(32 * 1024 * 1024);
      });
    }

    itCurl("a declared Content-Length over the limit is refused before the upload (HTTP/1.1 and HTTP/2)", async () => {
      const server = await start({ options: { maxReceiveMessageBytes: limit } });
      const file = join(dir, "big.bin");
      await writeFile(file, Buffer.alloc(8 * 1024 * 1024));
      for (const flags of [[], [h2]]) {
        const result = await curl([...flags, "-H", "content-type: application/proto", "--data-binary", `@${file}`, url(server)]);
        expect(result.status).toBe(413);
        expect(errorBody(result)).toMatchObject({ code: "resource_exhausted", status: Code.RESOURCE_EXHAUSTED });
        expect(result.sizeUpload).toBeLessThan(4 * 1024 * 1024);
      }
    });

    itCurl("a gzip body that inflates past the limit is a 413 too", async () => {
      const server = await start({ options: { maxReceiveMessageBytes: limit } });
      const file = join(dir, "bomb.gz");
      await writeFile(file, gzipSync(GreetRequest.encode({ name: "z".repeat(1024 * 1024) })));
      const result = await curl(["-H", "content-type: application/proto", "-H", "content-encoding: gzip", "--data-binary", `@${file}`, url(server)]);
      expect(result.status).toBe(413);
      expect(errorBody(result)).toMatchObject({ code: "resource_exhausted", status: Code.RESOURCE_EXHAUSTED });
    });

    it("an HTTP/1.1 client that keeps uploading after the 413 is cut off within seconds", async () => {
      const server = await start({ options: { maxReceiveMessageBytes: limit } });
      // allowHalfOpen: the server's FIN does not end our side; only the server's reset stops us.
      const socket = netConnect({ port: server.port, host: "127.0.0.1", allowHalfOpen: true });
      socket.on("error", () => undefined);
      let response = "";
      socket.on("data", (chunk: Buffer) => (response += chunk.toString("latin1")));
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.write(`POST ${greetPath} HTTP/1.1\r\nhost: x\r\ncontent-type: application/proto\r\ntransfer-encoding: chunked\r\n\r\n`);
      const chunk = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(0x10000), Buffer.from("\r\n")]);
      let open = true;
      void closed.then(() => (open = false));
      const started = Date.now();
      // Write (never reading the socket's backpressure as a reason to stop) until the server hangs up.
      while (open && Date.now() - started < 10_000) {
        if (socket.writableLength < 1024 * 1024) socket.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await closed;
      // The server half-closes after the 413, keeps discarding input for ~2 s, then resets.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(response.startsWith("HTTP/1.1 413 ")).toBe(true);
      expect(response.toLowerCase()).toContain("connection: close");
      expect(response).toContain('"code":"resource_exhausted"');
    });
  });

  describe("timeouts and protocol versions", () => {
    for (const header of ["triple-timeout-ms", "tri-service-timeout"]) {
      itCurl(`${header} sets the handler's deadline`, async () => {
        const server = await start();
        const before = Date.now();
        const result = await curl([...json, "-H", `${header}: 5000`, "-d", '{"name":"deadline"}', url(server)]);
        expect(result.status).toBe(200);
        expect(observed.deadline).toBeGreaterThan(before + 4_000);
        expect(observed.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
        const remaining = Number((JSON.parse(result.text) as { greeting: string }).greeting);
        expect(remaining).toBeGreaterThan(4_000);
        expect(remaining).toBeLessThanOrEqual(5_000);
      });

      itCurl(`${header} expiry → 408 deadline_exceeded and the handler is aborted`, async () => {
        const server = await start();
        for (const flags of [[], [h2]]) {
          const result = await curl([...flags, ...json, "-H", `${header}: 200`, "-d", '{"name":"slow"}', url(server)]);
          expect(result.status).toBe(408);
          expect(errorBody(result)).toEqual({ code: "deadline_exceeded", status: Code.DEADLINE_EXCEEDED, message: "deadline exceeded" });
          expect(result.elapsedMs).toBeLessThan(3_000);
          expect(await eventually(() => observed.abortReason !== undefined)).toBe(true);
          expect((observed.abortReason as TripleError).code).toBe(Code.DEADLINE_EXCEEDED);
          observed.abortReason = undefined;
        }
      });
    }

    itCurl("a 10-digit timeout (beyond setTimeout's 2^31 ms) does not expire at once", async () => {
      const server = await start();
      for (const header of ["triple-timeout-ms: 9999999999", "tri-service-timeout: 4000000000"]) {
        const result = await curl([...json, "-H", header, "-d", '{"name":"deadline"}', url(server)]);
        expect(result.status, header).toBe(200);
        expect(Number((JSON.parse(result.text) as { greeting: string }).greeting)).toBeGreaterThan(3_000_000_000);
      }
    });

    itCurl("no timeout header → no deadline", async () => {
      const server = await start();
      const result = await curl([...json, "-d", '{"name":"deadline"}', url(server)]);
      expect(result.text).toBe('{"greeting":"none"}');
    });

    itCurl("a bad timeout value → 400 invalid_argument", async () => {
      const server = await start();
      for (const value of ["triple-timeout-ms: soon", "tri-service-timeout: -5", "triple-timeout-ms: 12345678901", "tri-service-timeout: 1.5"]) {
        const result = await curl([...json, "-H", value, "-d", '{"name":"x"}', url(server)]);
        expect(result.status, value).toBe(400);
        expect(errorBody(result)).toMatchObject({ code: "invalid_argument", status: Code.INVALID_ARGUMENT });
      }
    });

    itCurl("triple-protocol-version 0.1.0 and tri-protocol-version 1.0.0 are accepted, other values → 400", async () => {
      const server = await start();
      const call = (...headers: string[]): Promise<CurlResult> =>
        curl([...json, ...headers.flatMap((h) => ["-H", h]), "-d", '{"name":"v"}', url(server)]);
      expect((await call("triple-protocol-version: 0.1.0")).text).toBe('{"greeting":"v"}');
      expect((await call("tri-protocol-version: 1.0.0")).text).toBe('{"greeting":"v"}');
      expect((await call("triple-protocol-version: 0.1.0", "tri-protocol-version: 1.0.0")).text).toBe('{"greeting":"v"}');
      for (const bad of ["triple-protocol-version: 1.0.0", "triple-protocol-version: 0.2.0", "tri-protocol-version: 2.0.0", "tri-protocol-version: 0.1.0"]) {
        const result = await call(bad);
        expect(result.status, bad).toBe(400);
        const body = errorBody(result);
        expect(body).toMatchObject({ code: "invalid_argument", status: Code.INVALID_ARGUMENT });
        expect(body.message).toContain(bad.split(":")[0] ?? "");
      }
    });
  });

  describe("JSON field names (grpc.testing.TestService/UnaryCall, snake_case fields)", () => {
    const body = '{"response_size":3,"fill_username":true,"fillOauthScope":true,"no_such_field":{"nested":[1,2]}}';

    /** A TestService server from interop/gen whose UnaryCall echoes the request's flags. */
    async function startTestService(jsonUseProtoNames: boolean): Promise<string> {
      const server = createTripleServer({ jsonUseProtoNames });
      registerTestService(server, {
        ...testServiceHandler,
        unaryCall: (request: SimpleRequest): SimpleResponse => ({
          payload: { type: 0, body: new Uint8Array(request.responseSize) },
          username: request.fillUsername ? "curl-user" : "",
          oauthScope: request.fillOauthScope ? "scope" : "",
          serverId: "server-1",
          grpclbRouteType: 0,
          hostname: "",
        }),
      });
      const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
      e2e.defer(() => server.close({ graceMs: 1_000 }));
      return `http://127.0.0.1:${port}/grpc.testing.TestService/UnaryCall`;
    }

    itCurl("proto field names and unknown fields are accepted; responses use lowerCamelCase by default", async () => {
      expect(SimpleRequest.fromJsonString(body, { ignoreUnknownFields: true }).responseSize).toBe(3);
      const target = await startTestService(false);
      const result = await curl([...json, "-d", body, target]);
      expect(result.status).toBe(200);
      expect(JSON.parse(result.text)).toEqual({ payload: { body: "AAAA" }, username: "curl-user", oauthScope: "scope", serverId: "server-1" });
    });

    itCurl("server option jsonUseProtoNames writes snake_case (as dubbo-go does)", async () => {
      const target = await startTestService(true);
      for (const flags of [[], [h2]]) {
        const result = await curl([...flags, ...json, "-d", body, target]);
        expect(result.status).toBe(200);
        expect(JSON.parse(result.text)).toEqual({ payload: { body: "AAAA" }, username: "curl-user", oauth_scope: "scope", server_id: "server-1" });
      }
    });
  });
});
