// The pieces every enveloped server protocol shares: per-call settings (one resolver for gRPC,
// gRPC-Web and Connect streaming), response headers and status trailers under each protocol's
// header names, the shared wire strategies, and a unary route run as a one-message stream.
import { describe, expect, it } from "vitest";
import type { MethodInfo } from "../../runtime-template/protocol/method-info.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { streamEndedError, TripleError } from "../../runtime-template/protocol/triple-error.js";
import { grpcWebTrailersParse } from "../../runtime-template/protocol/grpc-web/grpcweb-protocol.js";
import { connectEndStreamParse } from "../../runtime-template/protocol/connect/connect-error.js";
import { HandlerContext } from "../../runtime-template/server/server-context.js";
import { serverRunRoute, type ServerStreamCall } from "../../runtime-template/server/server-handlers.js";
import { serverCallSettingsResolve, serverGrpcEncodingHeaders, serverResolveSettings } from "../../runtime-template/server/server-settings.js";
import { serverResponseHeaders, serverStatusTrailers } from "../../runtime-template/server/server-status.js";
import { serverConnectEncodingHeaders, serverConnectWire, serverGrpcWebWire } from "../../runtime-template/server/server-wire.js";
import { nodeCompressions, nodeGzip } from "../../runtime-template/transport/node/gzip.js";

const method = { service: "t.S", name: "M", path: "/t.S/M", kind: "unary" } as unknown as MethodInfo<object, object>;
const settings = serverResolveSettings({}, nodeCompressions);

function context(): HandlerContext {
  return new HandlerContext(method, undefined, {}, undefined);
}

describe("serverCallSettingsResolve", () => {
  it("derives the JSON options from the codec and keeps the content type and limits", () => {
    const json = serverCallSettingsResolve(settings, "json", "application/grpc+json", serverGrpcEncodingHeaders, "", undefined);
    expect(json.jsonRead).toBe(settings.jsonRead);
    expect(json.jsonWrite).toBe(settings.jsonWrite);
    expect(json.contentType).toBe("application/grpc+json");
    expect(json.maxReceiveMessageBytes).toBe(settings.maxReceiveMessageBytes);
    expect(json.acceptEncoding).toBe("gzip");
    const proto = serverCallSettingsResolve(settings, "proto", "application/connect+proto", serverConnectEncodingHeaders, "identity", undefined);
    expect(proto.jsonRead).toBeUndefined();
    expect(proto.jsonWrite).toBeUndefined();
    expect(proto.requestCompression).toBeUndefined();
    expect(proto.responseCompression).toBeUndefined();
  });

  it("reads the request's compression and negotiates the response's from what the client accepts", () => {
    const s = serverCallSettingsResolve(settings, "proto", "application/grpc", serverGrpcEncodingHeaders, "gzip", "br, gzip");
    expect(s.requestCompression).toBe(nodeGzip);
    expect(s.responseCompression).toBe(nodeGzip);
    expect(serverCallSettingsResolve(settings, "proto", "application/grpc", serverGrpcEncodingHeaders, "", "br").responseCompression).toBeUndefined();
    const off = serverResolveSettings({ disableCompression: true }, nodeCompressions);
    expect(serverCallSettingsResolve(off, "proto", "application/grpc", serverGrpcEncodingHeaders, "gzip", "gzip").responseCompression).toBeUndefined();
  });

  it("refuses an encoding the server lacks with UNIMPLEMENTED naming the protocol's header", () => {
    for (const names of [serverGrpcEncodingHeaders, serverConnectEncodingHeaders]) {
      let thrown: unknown;
      try {
        serverCallSettingsResolve(settings, "proto", "x", names, "snappy", undefined);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TripleError);
      expect((thrown as TripleError).code).toBe(Code.UNIMPLEMENTED);
      expect((thrown as TripleError).rawMessage).toBe(`unsupported ${names.content} snappy: supported encodings are gzip`);
    }
  });
});

describe("response headers and status trailers", () => {
  it("put the encodings under gRPC's names by default and under Connect's when asked, after the handler's headers", () => {
    const ctx = context();
    ctx.responseHeaders.set("x-own", "1");
    const call = serverCallSettingsResolve(settings, "proto", "application/grpc", serverGrpcEncodingHeaders, "", "gzip");
    expect(serverResponseHeaders(ctx, call)).toEqual({
      "x-own": "1",
      ":status": 200,
      "content-type": "application/grpc",
      "grpc-accept-encoding": "gzip",
      "grpc-encoding": "gzip",
    });
    expect(serverResponseHeaders(ctx, { ...call, contentType: "application/connect+proto" }, serverConnectEncodingHeaders)).toEqual({
      "x-own": "1",
      ":status": 200,
      "content-type": "application/connect+proto",
      "connect-accept-encoding": "gzip",
      "connect-content-encoding": "gzip",
    });
    expect(serverConnectWire().responseHeaders(ctx, call)["connect-accept-encoding"]).toBe("gzip");
    expect(serverGrpcWebWire(false).responseHeaders(ctx, call)["grpc-accept-encoding"]).toBe("gzip");
  });

  it("end a call refused before it had a context with the status alone, and a call with one with its trailers too", () => {
    const error = new TripleError(Code.NOT_FOUND, "gone", { metadata: { "x-err": "e" } });
    expect(serverStatusTrailers(undefined, undefined)).toEqual({ "grpc-status": "0" });
    const bare = serverStatusTrailers(undefined, error);
    expect(bare["grpc-status"]).toBe("5");
    expect(bare["grpc-message"]).toBe("gone");
    expect(bare["x-err"]).toBe("e");
    const ctx = context();
    ctx.responseTrailers.set("x-trailer", "t");
    expect(serverStatusTrailers(ctx, error)["x-trailer"]).toBe("t");
    expect(bare["x-trailer"]).toBeUndefined();
  });
});

describe("server wires", () => {
  it("share one Connect wire per dialect and one binary gRPC-Web wire; grpc-web-text gets its own (its decoder has state)", () => {
    expect(serverConnectWire(false)).toBe(serverConnectWire());
    expect(serverConnectWire(true)).toBe(serverConnectWire(true));
    expect(serverConnectWire(true)).not.toBe(serverConnectWire(false));
    expect(serverGrpcWebWire(false)).toBe(serverGrpcWebWire(false));
    expect(serverGrpcWebWire(true)).not.toBe(serverGrpcWebWire(true));
    expect(serverConnectWire().encodingHeaders).toBe(serverConnectEncodingHeaders);
    expect(serverGrpcWebWire(true).encodingHeaders).toBe(serverGrpcEncodingHeaders);
  });

  it("end the body with the status: Connect's end-stream message (numeric status for dubbo-js), gRPC-Web's trailer frame (base64 in text)", () => {
    const error = new TripleError(Code.NOT_FOUND, "gone");
    const plain = connectEndStreamParse(serverConnectWire(false).endFrame(undefined, error).subarray(5));
    expect(plain.error?.code).toBe(Code.NOT_FOUND);
    const dubbo = JSON.parse(new TextDecoder().decode(serverConnectWire(true).endFrame(undefined, error).subarray(5))) as { error: { status: number } };
    expect(dubbo.error.status).toBe(5);
    const ctx = context();
    ctx.responseTrailers.set("x-t", "1");
    const frame = serverGrpcWebWire(false).endFrame(ctx, error);
    expect(frame[0]).toBe(0x80);
    const trailers = grpcWebTrailersParse(frame.subarray(5));
    expect(trailers.get("grpc-status")).toBe("5");
    expect(trailers.get("x-t")).toBe("1");
    const text = new TextDecoder().decode(serverGrpcWebWire(true).endFrame(ctx, error));
    expect(Buffer.from(text, "base64")).toEqual(Buffer.from(frame));
  });

  it("grpc-web-text decodes each call's body on its own: a group split across chunks of one call does not leak into another", () => {
    const a = serverGrpcWebWire(true);
    const b = serverGrpcWebWire(true);
    expect([...a.decode(new TextEncoder().encode("AAE"))]).toEqual([]);
    expect([...b.decode(new TextEncoder().encode("AAEC"))]).toEqual([0, 1, 2]);
    expect([...a.decode(new TextEncoder().encode("C"))]).toEqual([0, 1, 2]);
    expect(() => a.decodeEnd()).not.toThrow();
    b.decode(new TextEncoder().encode("A"));
    expect(() => b.decodeEnd()).toThrow(TripleError);
  });
});

describe("serverRunRoute", () => {
  function oneMessageCall(requests: object[]): ServerStreamCall<object, object> & { sent: object[] } {
    const sent: object[] = [];
    const queue = [...requests];
    const recv = (): Promise<object> => {
      const next = queue.shift();
      return next === undefined ? Promise.reject(streamEndedError()) : Promise.resolve(next);
    };
    return {
      ctx: context(),
      sent,
      recv,
      next: () => recv().then((value) => ({ value, done: false }), () => ({ value: undefined, done: true }) as const),
      send: (message) => {
        sent.push(message);
        return Promise.resolve();
      },
    };
  }

  it("runs a unary route as a one-message stream, and a streaming route through its run", async () => {
    const unary = { method, unary: (request: object) => ({ echo: request }) };
    const call = oneMessageCall([{ n: 1 }]);
    await serverRunRoute(unary, call);
    expect(call.sent).toEqual([{ echo: { n: 1 } }]);
    const streaming = { method, run: async (c: ServerStreamCall<object, object>) => void (await c.send({ streamed: true })) };
    const other = oneMessageCall([]);
    await serverRunRoute(streaming, other);
    expect(other.sent).toEqual([{ streamed: true }]);
  });

  it("refuses none or two requests on the unary form (UNIMPLEMENTED), and a route without implementation", async () => {
    const unary = { method, unary: (request: object) => request };
    await expect(serverRunRoute(unary, oneMessageCall([]))).rejects.toMatchObject({ code: Code.UNIMPLEMENTED, rawMessage: "protocol error: missing request message" });
    await expect(serverRunRoute(unary, oneMessageCall([{}, {}]))).rejects.toMatchObject({ code: Code.UNIMPLEMENTED, rawMessage: "protocol error: more than one request message" });
    await expect(serverRunRoute({ method }, oneMessageCall([{}]))).rejects.toMatchObject({ code: Code.UNIMPLEMENTED, rawMessage: "/t.S/M has no implementation" });
  });
});
