// One port, every kind of traffic at once: HTTP/1.1 Triple-unary (keep-alive, several connections),
// HTTP/2 Triple-unary, and gRPC unary and streaming calls, against one generated server (plaintext:
// told apart by the HTTP/2 preface). Then the same over TLS, where ALPN decides: h2 for gRPC and
// Triple-unary over HTTP/2, http/1.1 for Triple-unary over HTTP/1.1 — with our clients and with
// `curl --cacert`. The certificate is generated at test time with the openssl CLI.
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse, type GreetServiceHandler } from "../../snapshots/services/greet.js";
import { Code, type HandlerContext } from "../../snapshots/services/tristub-runtime.js";
import { curl, curlMissingReason, curlVersion } from "../support/curl.js";
import { collect, useE2E, type E2EServer } from "../support/e2e.js";

const opensslMissing = spawnSync("openssl", ["version"]).status !== 0;
const opensslMissingReason = "openssl not installed (.ci/setup.sh installs it): the TLS tests are skipped";
if (opensslMissing) process.stderr.write(`test/triple/mixed.test.ts: ${opensslMissingReason}\n`);
if (curlVersion === undefined) process.stderr.write(`test/triple/mixed.test.ts: ${curlMissingReason}\n`);

/** One call as the handler saw it: the protocol (from the content type) and the client's port. */
interface Seen {
  readonly name: string;
  readonly contentType: string;
  readonly peerPort: number | undefined;
}

/** Echo handlers (the server stream sends 3 replies) that record who called. */
function recordingHandler(seen: Seen[]): Partial<GreetServiceHandler> {
  const note = (ctx: HandlerContext, name = ""): void => {
    seen.push({ name, contentType: ctx.requestHeaders.get("content-type") ?? "", peerPort: ctx.peer.port });
  };
  return {
    greet(request, ctx) {
      note(ctx, request.name);
      return { greeting: request.name };
    },
    async greetServerStream(request, stream, ctx) {
      note(ctx);
      for (let i = 0; i < 3; i++) await stream.send({ greeting: `${request.name}-${i}` });
    },
    async greetStream(stream, ctx) {
      note(ctx);
      for await (const request of stream) await stream.send({ greeting: request.name });
    },
    async greetClientStream(stream, ctx) {
      note(ctx);
      const names: string[] = [];
      for await (const request of stream) names.push(request.name);
      return { greeting: names.join(",") };
    },
  };
}

/** A raw keep-alive HTTP/1.1 Triple-unary POST (JSON) through `agent`. */
function http1Post(baseUrl: string, agent: Agent, name: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ name });
    const req = httpRequest(
      `${baseUrl}/greet.GreetService/Greet`,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("mixed traffic on one plaintext port", () => {
  const e2e = useE2E();

  it("HTTP/1.1 Triple-unary (keep-alive, several connections), HTTP/2 Triple-unary, gRPC unary and streaming, concurrently", async () => {
    const seen: Seen[] = [];
    const server = await e2e.start({ handler: recordingHandler(seen) });
    const grpc = e2e.client(server);
    const grpcJson = e2e.client(server, { codec: "json" });
    const tripleH2 = e2e.client(server, { protocol: "triple", httpVersion: "2", codec: "json" });
    const tripleH1 = e2e.client(server, { protocol: "triple", httpVersion: "1.1" });
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    e2e.defer(() => agent.destroy());

    const rounds = 15;
    const work: Promise<unknown>[] = [];
    const h1Results: { status: number; body: string }[] = [];
    for (let i = 0; i < rounds; i++) {
      work.push(
        http1Post(server.baseUrl, agent, `raw-h1 ${i}`).then((r) => h1Results.push(r)),
        tripleH1.greet({ name: `h1 ${i}` }).then((r) => expect(r).toEqual({ greeting: `h1 ${i}` })),
        tripleH2.greet({ name: `h2 ${i}` }).then((r) => expect(r).toEqual({ greeting: `h2 ${i}` })),
        grpc.greet({ name: `grpc ${i}` }).then((r) => expect(r).toEqual({ greeting: `grpc ${i}` })),
        grpcJson.greet({ name: `grpc+json ${i}` }).then((r) => expect(r).toEqual({ greeting: `grpc+json ${i}` })),
        collect(grpc.greetServerStream({ name: `ss ${i}` })).then((r) => expect(r.map((m) => m.greeting)).toEqual([`ss ${i}-0`, `ss ${i}-1`, `ss ${i}-2`])),
        (async () => {
          const bidi = grpc.greetStream();
          for (const name of ["a", "b"]) {
            await bidi.send({ name: `${name}${i}` });
            expect(await bidi.recv()).toEqual({ greeting: `${name}${i}` });
          }
          bidi.closeRequest();
          expect(await collect(bidi)).toEqual([]);
        })(),
        (async () => {
          const upload = grpc.greetClientStream();
          for (let j = 0; j < 3; j++) await upload.send({ name: `u${i}.${j}` });
          expect(await upload.closeAndRecv()).toEqual({ greeting: `u${i}.0,u${i}.1,u${i}.2` });
        })(),
      );
    }
    await Promise.all(work);

    expect(h1Results).toHaveLength(rounds);
    for (const result of h1Results) {
      expect(result.status).toBe(200);
      expect(result.body).toMatch(/^\{"greeting":"raw-h1 \d+"\}$/);
    }
    const byType = (type: string): Seen[] => seen.filter((s) => s.contentType === type);
    const ports = (prefix: string): Set<number | undefined> => new Set(seen.filter((s) => s.name.startsWith(prefix)).map((s) => s.peerPort));
    // Keep-alive: the raw agent's 15 requests went over exactly its 3 connections.
    expect(ports("raw-h1 ").size).toBe(3);
    // Our HTTP/1.1 Triple client opened several keep-alive connections for its concurrent calls; the
    // HTTP/2 Triple client multiplexed all of its calls on one.
    expect(ports("h1 ").size).toBeGreaterThan(1);
    expect(ports("h2 ").size).toBe(1);
    expect(byType("application/json")).toHaveLength(2 * rounds); // raw HTTP/1.1 + Triple over HTTP/2
    expect(byType("application/proto")).toHaveLength(rounds);
    // All gRPC calls of one client share its single HTTP/2 connection.
    expect(new Set(byType("application/grpc+proto").map((s) => s.peerPort)).size).toBe(1);
    expect(byType("application/grpc+proto")).toHaveLength(4 * rounds); // unary, server, bidi, client stream
    expect(byType("application/grpc+json")).toHaveLength(rounds);
  });

  it.skipIf(curlVersion === undefined)("curl over HTTP/1.1 and HTTP/2 while gRPC streams are open", async () => {
    const seen: Seen[] = [];
    const server = await e2e.start({ handler: recordingHandler(seen) });
    const grpc = e2e.client(server);
    const bidi = grpc.greetStream();
    await bidi.send({ name: "open" });
    expect(await bidi.recv()).toEqual({ greeting: "open" });
    const calls = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        curl([...(i % 2 === 0 ? [] : ["--http2-prior-knowledge"]), "-H", "content-type: application/json", "-d", `{"name":"c${i}"}`, `${server.baseUrl}/greet.GreetService/Greet`]),
      ),
    );
    expect(calls.map((c) => [c.httpVersion, c.status, c.text])).toEqual(
      Array.from({ length: 6 }, (_, i) => [i % 2 === 0 ? "1.1" : "2", 200, `{"greeting":"c${i}"}`]),
    );
    await bidi.send({ name: "still open" });
    expect(await bidi.recv()).toEqual({ greeting: "still open" });
    bidi.closeRequest();
    expect(await collect(bidi)).toEqual([]);
  });
});

describe(opensslMissing ? `TLS with ALPN (skipped: ${opensslMissingReason})` : "TLS with ALPN: h2 (gRPC, Triple-unary) and http/1.1 (Triple-unary) on one port", () => {
  const e2e = useE2E();
  let dir: string;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    if (opensslMissing) return;
    dir = await mkdtemp(join(tmpdir(), "tristub-alpn-"));
    await promisify(execFile)(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", "key.pem", "-out", "cert.pem"],
      { cwd: dir },
    );
    cert = await readFile(join(dir, "cert.pem"), "utf8");
    key = await readFile(join(dir, "key.pem"), "utf8");
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const startTls = async (seen: Seen[]): Promise<E2EServer & { httpsUrl: string }> => {
    const server = await e2e.start({ handler: recordingHandler(seen), options: { tls: { cert, key } } });
    return { ...server, httpsUrl: `https://127.0.0.1:${server.port}` };
  };

  it.skipIf(opensslMissing)("our clients: gRPC (h2), Triple-unary over HTTP/2 (h2) and over HTTP/1.1 (http/1.1), concurrently", async () => {
    const seen: Seen[] = [];
    const server = await startTls(seen);
    const tls = { ca: cert };
    const grpc = e2e.client(server.httpsUrl, { tls });
    const tripleH2 = e2e.client(server.httpsUrl, { tls, protocol: "triple", httpVersion: "2", codec: "json" });
    const tripleH1 = e2e.client(server.httpsUrl, { tls, protocol: "triple", httpVersion: "1.1" });
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      work.push(
        grpc.greet({ name: `grpc ${i}` }).then((r) => expect(r.greeting).toBe(`grpc ${i}`)),
        collect(grpc.greetServerStream({ name: `ss${i}` })).then((r) => expect(r).toHaveLength(3)),
        tripleH2.greet({ name: `h2 ${i}` }).then((r) => expect(r.greeting).toBe(`h2 ${i}`)),
        tripleH1.greet({ name: `h1 ${i}` }).then((r) => expect(r.greeting).toBe(`h1 ${i}`)),
      );
    }
    await Promise.all(work);
    expect(seen.filter((s) => s.contentType === "application/grpc+proto")).toHaveLength(10);
    expect(seen.filter((s) => s.contentType === "application/json")).toHaveLength(5);
    expect(seen.filter((s) => s.contentType === "application/proto")).toHaveLength(5);
    // An untrusted certificate is refused.
    const untrusted = e2e.client(server.httpsUrl, { protocol: "triple", httpVersion: "1.1" });
    await expect(untrusted.greet({ name: "x" })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  for (const [label, flag, version] of [
    ["HTTP/1.1 (ALPN http/1.1)", "--http1.1", "1.1"],
    ["HTTP/2 (ALPN h2)", "--http2", "2"],
  ] as const) {
    it.skipIf(opensslMissing || curlVersion === undefined)(`curl --cacert over ${label}: JSON and proto`, async () => {
      const server = await startTls([]);
      const certFile = join(dir, "cert.pem");
      const url = `${server.httpsUrl}/greet.GreetService/Greet`;
      const result = await curl([flag, "--cacert", certFile, "-H", "content-type: application/json", "-d", '{"name":"triple"}', url]);
      expect(result.exitCode).toBe(0);
      expect(result.httpVersion).toBe(version);
      expect(result.status).toBe(200);
      expect(result.text).toBe('{"greeting":"triple"}');

      const requestFile = join(dir, `request-${version}.binpb`);
      await writeFile(requestFile, GreetRequest.encode({ name: "tls proto" }));
      const proto = await curl([flag, "--cacert", certFile, "-H", "content-type: application/proto", "--data-binary", `@${requestFile}`, url]);
      expect(proto.status).toBe(200);
      expect(GreetResponse.decode(proto.body)).toEqual({ greeting: "tls proto" });

      const error = await curl([flag, "--cacert", certFile, "-H", "content-type: application/json", "-d", "{}", `${server.httpsUrl}/greet.GreetService/Nope`]);
      expect(error.status).toBe(404);
      expect(JSON.parse(error.text)).toMatchObject({ code: "unimplemented", status: Code.UNIMPLEMENTED });

      // Without the CA, curl refuses the self-signed certificate (exit 60).
      const refused = await curl([flag, "-H", "content-type: application/json", "-d", "{}", url]);
      expect(refused.exitCode).toBe(60);
    });
  }
});
