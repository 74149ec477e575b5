// TLS and mutual TLS with certificates made by the openssl CLI at test time: all four call kinds over
// https, the client certificate in ctx.peer, and refusals (no client certificate, a certificate of
// another CA, a server the client does not trust) as UNAVAILABLE — never a hang or a crash.
import { constants as http2Constants } from "node:http2";
import { beforeAll, describe, expect, it } from "vitest";
import { Code, type ClientTlsOptions, type HandlerContext, type ServerTlsOptions } from "../../snapshots/services/tristub-runtime.js";
import { collect, expectCode, sleep, useE2E } from "../support/e2e.js";
import { grpcRequestBlock, headersFrame, rawH2, rstStreamFrame } from "../support/h2-frames.js";
import { makeTlsMaterial, type TlsMaterial } from "../support/robustness.js";

const e2e = useE2E();

let pem: TlsMaterial;
beforeAll(() => {
  pem = makeTlsMaterial();
});

/** Starts a TLS server (GreetService; greet answers with the client certificate's CN, if any). */
async function tlsServer(tls: ServerTlsOptions, peers: HandlerContext["peer"][] = []) {
  const target = await e2e.start({
    options: { tls },
    handler: {
      greet(request, ctx) {
        const peer = ctx.peer;
        peers.push(peer);
        const subject = peer.certificate?.["subject"] as { CN?: string } | undefined;
        return { greeting: `${request.name}:${subject?.CN ?? "anonymous"}` };
      },
    },
  });
  return { ...target, baseUrl: `https://127.0.0.1:${target.port}` };
}

describe("TLS", () => {
  it("serves all four kinds to an https client that trusts the CA", async () => {
    const target = await tlsServer({ cert: pem.serverCert, key: pem.serverKey });
    const client = e2e.client(target, { tls: { ca: pem.ca } });
    expect((await client.greet({ name: "unary" })).greeting).toBe("unary:anonymous");
    expect((await collect(client.greetServerStream({ name: "s" }))).map((r) => r.greeting)).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4"]);
    const upload = client.greetClientStream();
    for (const name of ["a", "b", "c"]) await upload.send({ name });
    expect((await upload.closeAndRecv()).greeting).toBe("a,b,c");
    const bidi = client.greetStream();
    await bidi.send({ name: "ping" });
    expect((await bidi.recv()).greeting).toBe("ping");
    bidi.closeRequest();
    expect(await collect(bidi)).toEqual([]);
    // Triple-unary over TLS too: HTTP/2 and HTTP/1.1 (ALPN).
    expect((await e2e.client(target, { tls: { ca: pem.ca }, protocol: "triple" }).greet({ name: "h2" })).greeting).toBe("h2:anonymous");
    expect((await e2e.client(target, { tls: { ca: pem.ca }, protocol: "triple", httpVersion: "1.1" }).greet({ name: "h1" })).greeting).toBe("h1:anonymous");
  });

  it("fails with UNAVAILABLE when the client does not trust the server, and the server keeps serving", async () => {
    const target = await tlsServer({ cert: pem.serverCert, key: pem.serverKey });
    for (const tls of [{}, { ca: pem.otherCa }, { ca: pem.ca, servername: "example.com" }] satisfies ClientTlsOptions[]) {
      const client = e2e.client(target, { tls });
      await expectCode(client.greet({ name: "" }), Code.UNAVAILABLE);
      await expectCode(client.greetServerStream({ name: "" }).recv(), Code.UNAVAILABLE);
    }
    // A plaintext client speaking to the TLS port fails too.
    await expectCode(e2e.client(target.baseUrl.replace("https:", "http:")).greet({ name: "" }), Code.UNAVAILABLE);
    expect((await e2e.client(target, { tls: { ca: pem.ca } }).greet({ name: "still serving" })).greeting).toBe("still serving:anonymous");
  });
});

describe("mutual TLS", () => {
  const mtls = (): ServerTlsOptions => ({ cert: pem.serverCert, key: pem.serverKey, ca: pem.ca, requestCert: true });

  it("accepts a client certificate signed by the CA; the handler sees it in ctx.peer", async () => {
    const peers: HandlerContext["peer"][] = [];
    const target = await tlsServer(mtls(), peers);
    const tls: ClientTlsOptions = { ca: pem.ca, cert: pem.clientCert, key: pem.clientKey };
    expect((await e2e.client(target, { tls }).greet({ name: "grpc" })).greeting).toBe("grpc:tristub-client");
    expect((await e2e.client(target, { tls, protocol: "triple" }).greet({ name: "h2" })).greeting).toBe("h2:tristub-client");
    expect((await e2e.client(target, { tls, protocol: "triple", httpVersion: "1.1" }).greet({ name: "h1" })).greeting).toBe("h1:tristub-client");
    const peer = peers[0]!;
    expect(peer.address).toBe("127.0.0.1");
    expect(peer.port).toBeGreaterThan(0);
    expect((peer.certificate?.["issuer"] as { CN?: string }).CN).toBe("tristub test CA");
    expect(peer.certificate?.["fingerprint256"]).toMatch(/^[0-9A-F:]+$/);
  });

  it("refuses clients without a certificate or with one of another CA (UNAVAILABLE); the server survives", async () => {
    const target = await tlsServer(mtls());
    const refused: ClientTlsOptions[] = [
      { ca: pem.ca },
      { ca: pem.ca, cert: pem.otherClientCert, key: pem.otherClientKey },
    ];
    for (const tls of refused) {
      const client = e2e.client(target, { tls });
      await expectCode(client.greet({ name: "" }), Code.UNAVAILABLE);
      const stream = client.greetStream();
      await stream.send({ name: "x" }).catch(() => undefined);
      await expectCode(stream.recv(), Code.UNAVAILABLE);
    }
    const tls: ClientTlsOptions = { ca: pem.ca, cert: pem.clientCert, key: pem.clientKey };
    expect((await e2e.client(target, { tls }).greet({ name: "ok" })).greeting).toBe("ok:tristub-client");
  });

  it("with rejectUnauthorized false, admits clients without a certificate and shows none", async () => {
    const target = await tlsServer({ ...mtls(), rejectUnauthorized: false });
    expect((await e2e.client(target, { tls: { ca: pem.ca } }).greet({ name: "x" })).greeting).toBe("x:anonymous");
    const tls: ClientTlsOptions = { ca: pem.ca, cert: pem.clientCert, key: pem.clientKey };
    expect((await e2e.client(target, { tls }).greet({ name: "y" })).greeting).toBe("y:tristub-client");
  });
});

// The connection guard (slowloris, idle, probe, rapid-reset) tracks the TCP socket it accepted; over TLS
// node:http2 and node:http see the TLS socket on top of it. Until 2026-12 the guard did not find the
// connection under a TLS socket: every TLS connection counted as never established and was cut
// `headersTimeoutMs` after it opened, calls in flight included (the Connect conformance suite's rare
// TLS "unexpected EOF"), and no TLS session had the rapid-reset guard.
describe("TLS connections under the connection guard", () => {
  const serverTls = (): ServerTlsOptions => ({ cert: pem.serverCert, key: pem.serverKey });

  /** A TLS server with `headersTimeoutMs: 300` whose greet records the client port of each call (one port: one connection). */
  async function shortHeadersTimeoutServer(ports: number[]) {
    const target = await e2e.start({
      options: { tls: serverTls(), headersTimeoutMs: 300 },
      handler: {
        greet(request, ctx) {
          ports.push(ctx.peer.port ?? -1);
          return { greeting: request.name };
        },
      },
    });
    return { ...target, baseUrl: `https://127.0.0.1:${target.port}` };
  }

  it("keeps a TLS HTTP/2 connection and the call running on it past headersTimeoutMs", async () => {
    const ports: number[] = [];
    const client = e2e.client(await shortHeadersTimeoutServer(ports), { tls: { ca: pem.ca } });
    expect((await client.greet({ name: "first" })).greeting).toBe("first");
    const bidi = client.greetStream();
    await bidi.send({ name: "before" });
    expect((await bidi.recv()).greeting).toBe("before");
    await sleep(1_000); // the guard's sweep ran many times past 300 ms
    await bidi.send({ name: "after" });
    expect((await bidi.recv()).greeting).toBe("after");
    bidi.closeRequest();
    expect(await collect(bidi)).toEqual([]);
    expect((await client.greet({ name: "second" })).greeting).toBe("second");
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]); // one connection throughout
  });

  it("keeps a TLS HTTP/1.1 keep-alive connection past headersTimeoutMs", async () => {
    const ports: number[] = [];
    const client = e2e.client(await shortHeadersTimeoutServer(ports), { tls: { ca: pem.ca }, protocol: "triple", httpVersion: "1.1" });
    expect((await client.greet({ name: "one" })).greeting).toBe("one");
    await sleep(1_000);
    expect((await client.greet({ name: "two" })).greeting).toBe("two");
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it("answers rapid resets over TLS with GOAWAY ENHANCE_YOUR_CALM", async () => {
    const target = await e2e.start({ options: { tls: serverTls(), streamResetBurst: 20 } });
    const attacker = await rawH2(target.port, { tlsCa: pem.ca });
    e2e.defer(() => attacker.socket.destroy());
    const block = grpcRequestBlock("Greet");
    let id = 1;
    for (let batch = 0; batch < 20 && !attacker.socket.destroyed; batch++) {
      const frames: Buffer[] = [];
      for (let k = 0; k < 10; k++, id += 2) frames.push(headersFrame(id, block), rstStreamFrame(id));
      attacker.write(Buffer.concat(frames));
      await sleep(1);
    }
    expect(await attacker.closedWithin(5_000)).toBe(true);
    expect(attacker.goawayCode()).toBe(http2Constants.NGHTTP2_ENHANCE_YOUR_CALM);
  });
});
