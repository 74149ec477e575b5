// Connect error JSON, end-stream messages and envelope flags (runtime-template/protocol/connect/connect-error.ts),
// cross-checked with connect-es (@connectrpc/connect) in both directions.
import { Code as EsCode, ConnectError } from "@connectrpc/connect";
import { endStreamFromJson, endStreamToJson, errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import {
  connectEndStreamEncode,
  connectEndStreamEnvelope,
  connectEndStreamParse,
  connectEnvelopeIsEndStream,
  connectErrorBody,
  connectErrorFromBody,
  connectErrorFromJson,
  connectErrorToJson,
} from "../../runtime-template/protocol/connect/connect-error.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";

const detail = { typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: Uint8Array.from([10, 3, 102, 111, 111, 0xff]) };
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Calls `fn` and returns the TripleError it throws (fails the test if it returns). */
function thrown(fn: () => unknown): TripleError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TripleError);
    return error as TripleError;
  }
  throw new Error("expected a TripleError");
}

describe("Connect error JSON", () => {
  it("writes code name, message and details (bare type name, unpadded base64), and connect-es reads it", () => {
    const error = new TripleError(Code.NOT_FOUND, "no such thing ✗", { details: [detail] });
    expect(connectErrorToJson(error)).toEqual({ code: "not_found", message: "no such thing ✗", details: [{ type: "google.rpc.ErrorInfo", value: "CgNmb2//" }] });
    const es = errorFromJsonBytes(new TextEncoder().encode(connectErrorBody(error)), undefined, new ConnectError("fallback", EsCode.Unknown));
    expect(es.code).toBe(EsCode.NotFound);
    expect(es.rawMessage).toBe("no such thing ✗");
    expect(es.details).toEqual([{ type: "google.rpc.ErrorInfo", value: detail.value, debug: undefined }]);
  });

  it("omits an empty message and empty details", () => {
    expect(connectErrorBody(new TripleError(Code.INTERNAL, ""))).toBe('{"code":"internal"}');
  });

  it("reads padded, unpadded and URL-safe detail values, keeps full type URLs, drops malformed details", () => {
    const error = connectErrorFromJson({
      code: "invalid_argument",
      message: "m",
      details: [
        { type: "a.B", value: "CgNmb2//" },
        { type: "a.C", value: "CgNmb2__" },
        { type: "a.D", value: "AQ==" },
        { type: "example.com/x.Y", value: "" },
        { type: "a.E", value: "***" },
        { type: "", value: "AQ" },
        { value: "AQ" },
        { type: "a.F", value: 5 },
        null,
        "a.G",
      ],
    });
    expect(error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(error?.details).toEqual([
      { typeUrl: "type.googleapis.com/a.B", value: detail.value },
      { typeUrl: "type.googleapis.com/a.C", value: detail.value },
      { typeUrl: "type.googleapis.com/a.D", value: Uint8Array.of(1) },
      { typeUrl: "example.com/x.Y", value: new Uint8Array(0) },
    ]);
  });

  it("is not an error without a valid code name", () => {
    for (const json of [null, 5, "not_found", [], {}, { code: 5 }, { code: "NOT_FOUND" }, { code: "ok" }, { message: "m" }]) {
      expect(connectErrorFromJson(json), JSON.stringify(json)).toBeUndefined();
    }
  });

  it("reads a unary error body, falling back to the HTTP status for a proxy's page or an empty body", () => {
    const metadata = new Headers({ "x-a": "1" });
    const real = connectErrorFromBody(429, '{"code":"resource_exhausted","message":"slow down"}', metadata);
    expect([real.code, real.rawMessage, real.metadata.get("x-a")]).toEqual([Code.RESOURCE_EXHAUSTED, "slow down", "1"]);
    for (const [status, body, code] of [
      [502, "<html>Bad Gateway</html>", Code.UNAVAILABLE],
      [404, "", Code.UNIMPLEMENTED],
      [400, '{"code":"nope"}', Code.INTERNAL],
      [500, "null", Code.UNKNOWN],
    ] as const) {
      const error = connectErrorFromBody(status, body, metadata);
      expect([error.code, error.rawMessage], `${status} ${body}`).toEqual([code, `HTTP status ${status}`]);
    }
  });
});

describe("Connect end-stream message", () => {
  it("is {} for OK without trailers, and carries trailers (and the error's metadata) as metadata", () => {
    expect(text(connectEndStreamEncode(undefined, undefined))).toBe("{}");
    const error = new TripleError(Code.ABORTED, "conflict", { metadata: { "x-err": "e" }, details: [detail] });
    const bytes = connectEndStreamEncode(error, new Headers([["x-t", "1"], ["x-t", "2"], ["x-bin", "AAE"]]));
    const es = endStreamFromJson(bytes);
    expect(es.error?.code).toBe(EsCode.Aborted);
    expect(es.error?.rawMessage).toBe("conflict");
    expect(es.error?.details).toEqual([{ type: "google.rpc.ErrorInfo", value: detail.value, debug: undefined }]);
    expect([es.metadata.get("x-t"), es.metadata.get("x-bin"), es.metadata.get("x-err")]).toEqual(["1, 2", "AAE", "e"]);
    const ours = connectEndStreamParse(bytes);
    expect([ours.error?.code, ours.error?.rawMessage, ours.trailers.get("x-err"), ours.error?.metadata.get("x-t")]).toEqual([Code.ABORTED, "conflict", "e", "1, 2"]);
    expect(ours.error?.details).toEqual([detail]);
  });

  it("reads what connect-es writes", () => {
    const json = endStreamToJson(new Headers({ "x-trailer": "v" }), new ConnectError("denied", EsCode.PermissionDenied), undefined);
    const parsed = connectEndStreamParse(new TextEncoder().encode(JSON.stringify(json)));
    expect([parsed.error?.code, parsed.error?.rawMessage, parsed.trailers.get("x-trailer")]).toEqual([Code.PERMISSION_DENIED, "denied", "v"]);
    const ok = connectEndStreamParse(new TextEncoder().encode(JSON.stringify(endStreamToJson(new Headers({ a: "b" }), undefined, undefined))));
    expect([ok.error, ok.trailers.get("a")]).toEqual([undefined, "b"]);
  });

  it("treats an error with an unknown code as UNKNOWN, and null parts as absent", () => {
    const parsed = connectEndStreamParse(new TextEncoder().encode('{"error":{"code":"teapot","message":"short and stout"},"metadata":null}'));
    expect([parsed.error?.code, parsed.error?.rawMessage]).toEqual([Code.UNKNOWN, "short and stout"]);
    expect(connectEndStreamParse(new TextEncoder().encode('{"error":null}')).error).toBeUndefined();
  });

  it("refuses malformed end-stream messages with INTERNAL", () => {
    for (const body of [
      "",
      "{",
      "[]",
      "null",
      '"x"',
      '{"metadata":[]}',
      '{"metadata":{"a":"b"}}',
      '{"metadata":{"a":[1]}}',
      '{"metadata":{"bad name":["x"]}}',
      '{"metadata":{"a":["bad\\nvalue"]}}',
      '{"error":"internal"}',
      '{"error":[]}',
    ]) {
      const error = thrown(() => connectEndStreamParse(new TextEncoder().encode(body)));
      expect(error.code, body).toBe(Code.INTERNAL);
      expect(error.rawMessage).toMatch(/^protocol error: /);
    }
    expect(thrown(() => connectEndStreamParse(Uint8Array.of(0x7b, 0xff, 0x7d))).code).toBe(Code.INTERNAL); // not UTF-8
  });

  it("frames an end-stream envelope with flag 0x02 and the JSON length", () => {
    const frame = connectEndStreamEnvelope(new TripleError(Code.UNAVAILABLE, "later"), undefined);
    const body = text(frame.subarray(5));
    expect(frame[0]).toBe(0x02);
    expect(new DataView(frame.buffer).getUint32(1)).toBe(frame.length - 5);
    expect(JSON.parse(body)).toEqual({ error: { code: "unavailable", message: "later" } });
  });
});

describe("Connect envelope flags", () => {
  it("tells messages (0x00, 0x01) from the end-stream message (0x02, 0x03)", () => {
    expect([0, 1, 2, 3].map(connectEnvelopeIsEndStream)).toEqual([false, false, true, true]);
  });

  it("refuses any other bit (gRPC-Web's 0x80 included)", () => {
    for (const flags of [0x04, 0x08, 0x80, 0x81, 0xff]) expect(thrown(() => connectEnvelopeIsEndStream(flags)).code, String(flags)).toBe(Code.INTERNAL);
  });
});
