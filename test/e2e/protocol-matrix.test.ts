// tristub's client against tristub's server on every protocol both speak: gRPC, Connect, gRPC-Web
// (binary and text) and Triple, over HTTP/2 and HTTP/1.1 where the protocol allows it, proto and JSON,
// every call kind — with a client and a server interceptor on the path, request metadata reaching the
// handler, response headers and trailers reaching the caller, and an error keeping its code, message
// and metadata. (Peers' clients and servers are tested in test/interop/.)
import { describe, expect, it } from "vitest";
import { Code, TripleError, type ClientOptions, type Interceptor } from "../../snapshots/services/tristub-runtime.js";
import { collect, expectCode, useE2E } from "../support/e2e.js";

const e2e = useE2E();

interface Cell {
  readonly protocol: NonNullable<ClientOptions["protocol"]>;
  readonly httpVersion: "1.1" | "2";
  readonly codec: "proto" | "json";
  readonly grpcWebText?: boolean;
}

const cells: Cell[] = [];
for (const codec of ["proto", "json"] as const) {
  cells.push({ protocol: "grpc", httpVersion: "2", codec });
  for (const httpVersion of ["2", "1.1"] as const) {
    cells.push({ protocol: "connect", httpVersion, codec }, { protocol: "grpc-web", httpVersion, codec }, { protocol: "triple", httpVersion, codec });
  }
}
cells.push({ protocol: "grpc-web", httpVersion: "2", codec: "proto", grpcWebText: true }, { protocol: "grpc-web", httpVersion: "1.1", codec: "proto", grpcWebText: true });

/** The content type each call kind must arrive with, proving the client spoke `cell`'s protocol. */
function expectedContentType(cell: Cell, kind: string): RegExp {
  const codec = cell.codec;
  const unary = kind === "unary";
  if (cell.protocol === "grpc") return codec === "json" ? /^application\/grpc\+json$/ : /^application\/grpc(\+proto)?$/;
  if (cell.protocol === "grpc-web") return cell.grpcWebText === true ? /^application\/grpc-web-text(\+proto)?$/ : new RegExp(`^application/grpc-web\\+${codec}$`);
  if (cell.protocol === "connect") return unary ? new RegExp(`^application/${codec}$`) : new RegExp(`^application/connect\\+${codec}$`);
  return unary ? new RegExp(`^application/${codec}$`) : codec === "json" ? /^application\/grpc\+json$/ : /^application\/grpc(\+proto)?$/;
}

const name = (c: Cell): string => `${c.protocol}${c.grpcWebText === true ? "-text" : ""} over HTTP/${c.httpVersion}, ${c.codec}`;

/** Server interceptor: records the call's kind and content type, echoes the client's `x-trace` as a header and a trailer. */
function serverEcho(seen: string[], contentTypes: string[]): Interceptor {
  return (next) => async (request) => {
    seen.push(request.method.kind);
    contentTypes.push(request.header.get("content-type") ?? "");
    const response = await next(request);
    const trace = request.header.get("x-trace") ?? "none";
    response.header.set("x-trace-echo", trace);
    response.trailer.set("x-trace-end", trace);
    return response;
  };
}

/** Client interceptor: adds `x-trace` to every call. */
const addTrace: Interceptor = (next) => (request) => {
  request.header.set("x-trace", "t-1");
  return next(request);
};

describe.each(cells)("tristub client → tristub server: $protocol over HTTP/$httpVersion ($codec)", (cell) => {
  const streamsOverHttp1 = cell.httpVersion === "1.1" && cell.protocol !== "triple";

  it(`${name(cell)}: every kind the protocol allows, through interceptors on both sides`, async () => {
    const seen: string[] = [];
    const contentTypes: string[] = [];
    const target = await e2e.start({ options: { interceptors: [serverEcho(seen, contentTypes)] } });
    const client = e2e.client(target, {
      protocol: cell.protocol,
      httpVersion: cell.httpVersion,
      codec: cell.codec,
      ...(cell.grpcWebText === true ? { grpcWebText: true } : {}),
      interceptors: [addTrace],
    });
    const headers: Record<string, string>[] = [];
    const trailers: Record<string, string>[] = [];
    const hooks = {
      onHeader: (h: Headers) => headers.push(Object.fromEntries(h)),
      onTrailer: (t: Headers) => trailers.push(Object.fromEntries(t)),
    };

    expect((await client.greet({ name: "u" }, hooks)).greeting).toBe("u");
    expect(headers.at(-1)?.["x-trace-echo"]).toBe("t-1");
    expect(trailers.at(-1)?.["x-trace-end"]).toBe("t-1");
    expect(contentTypes[0]).toMatch(expectedContentType(cell, "unary"));

    // Triple streams go as gRPC over HTTP/2 only; Connect and gRPC-Web stream over HTTP/1.1 too.
    if (cell.protocol === "triple" && cell.httpVersion === "1.1") return;
    const replies = await collect(client.greetServerStream({ name: "s" }, hooks));
    expect(replies.map((r) => r.greeting)).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4"]);
    expect(trailers.at(-1)?.["x-trace-end"]).toBe("t-1");

    const upload = client.greetClientStream(hooks);
    for (const n of ["a", "b", "c"]) await upload.send({ name: n });
    expect((await upload.closeAndRecv()).greeting).toBe("a,b,c");

    if (streamsOverHttp1) {
      // Full-duplex needs HTTP/2: refused before anything is sent, as connect-go does.
      await expectCode(
        (async () => {
          const bidi = client.greetStream();
          await bidi.send({ name: "x" });
          await bidi.recv();
        })(),
        Code.UNIMPLEMENTED,
      );
      expect(seen).toEqual(["unary", "server_streaming", "client_streaming"]);
      seen.forEach((kind, i) => expect(contentTypes[i]).toMatch(expectedContentType(cell, kind)));
      return;
    }
    const bidi = client.greetStream(hooks);
    for (const n of ["x", "y"]) {
      await bidi.send({ name: n });
      expect((await bidi.recv()).greeting).toBe(n);
    }
    bidi.closeRequest();
    expect(await collect(bidi)).toEqual([]);
    expect((await bidi.trailers).get("x-trace-end")).toBe("t-1");
    expect(seen).toEqual(["unary", "server_streaming", "client_streaming", "bidi_streaming"]);
    seen.forEach((kind, i) => expect(contentTypes[i]).toMatch(expectedContentType(cell, kind)));
  });

  it(`${name(cell)}: an error keeps its code, message and metadata`, async () => {
    const failing = (): never => {
      throw new TripleError(Code.FAILED_PRECONDITION, "not now: ünïcode", { metadata: { "x-why": "busy" } });
    };
    const target = await e2e.start({
      handler: {
        greet: failing,
        async greetServerStream(_request, stream) {
          await stream.send({ greeting: "first" });
          failing();
        },
      },
    });
    const client = e2e.client(target, { protocol: cell.protocol, httpVersion: cell.httpVersion, codec: cell.codec, ...(cell.grpcWebText === true ? { grpcWebText: true } : {}) });
    const unary = await client.greet({ name: "u" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(unary).toBeInstanceOf(TripleError);
    expect((unary as TripleError).code).toBe(Code.FAILED_PRECONDITION);
    expect((unary as TripleError).rawMessage).toBe("not now: ünïcode");
    expect((unary as TripleError).metadata.get("x-why")).toBe("busy");
    if (cell.protocol === "triple" && cell.httpVersion === "1.1") return;
    const got: string[] = [];
    const stream = await (async () => {
      try {
        for await (const r of client.greetServerStream({ name: "s" })) got.push(r.greeting);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(got).toEqual(["first"]);
    expect((stream as TripleError).code).toBe(Code.FAILED_PRECONDITION);
    expect((stream as TripleError).metadata.get("x-why")).toBe("busy");
  });
});
