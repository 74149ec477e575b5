// Triple-unary's error vocabulary is Connect's with Dubbo's differences kept explicit: the body is
// Connect's error JSON plus a numeric `status`, the HTTP table is Connect's before its 2024 revision.
import { describe, expect, it } from "vitest";
import { tripleConcat } from "../../runtime-template/protocol/body-collector.js";
import { connectErrorJsonFill, connectErrorToJson } from "../../runtime-template/protocol/connect/connect-error.js";
import { connectCodeToHttpStatus } from "../../runtime-template/protocol/connect/connect-protocol.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";
import { tripleCodeToHttp, tripleErrorBody, tripleErrorFromBody } from "../../runtime-template/protocol/triple-unary.js";

describe("Triple-unary error bodies", () => {
  const detail = { typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: new Uint8Array([10, 3, 102, 111, 111]) };

  it("are Connect's error JSON with the numeric status right after the code name", () => {
    const error = new TripleError(Code.NOT_FOUND, "gone", { details: [detail] });
    const body = tripleErrorBody(error);
    expect(body).toBe('{"code":"not_found","status":5,"message":"gone","details":[{"type":"google.rpc.ErrorInfo","value":"CgNmb28"}]}');
    const { status, ...connect } = JSON.parse(body) as { status: number };
    expect(status).toBe(5);
    expect(connect).toEqual(connectErrorToJson(error));
    expect(tripleErrorBody(new TripleError(Code.INTERNAL, ""))).toBe('{"code":"internal","status":13}');
    // Code 0 is no error; dubbo-go names it `ok` where Connect says `unknown`. Code 17 has no name.
    expect(tripleErrorBody(new TripleError(Code.OK, ""))).toBe('{"code":"ok","status":0}');
    expect(tripleErrorBody(new TripleError(17 as Code, ""))).toBe('{"code":"unknown","status":17}');
  });

  it("fill only what follows the code fields they are given", () => {
    expect(connectErrorJsonFill({ code: "aborted" }, new TripleError(Code.ABORTED, ""))).toEqual({ code: "aborted" });
    expect(Object.keys(connectErrorJsonFill({ code: "x", status: 1 }, new TripleError(Code.CANCELLED, "m")))).toEqual(["code", "status", "message"]);
  });

  it("read back in every dialect, details as Connect's", () => {
    const mine = tripleErrorFromBody(404, tripleErrorBody(new TripleError(Code.NOT_FOUND, "gone", { details: [detail] })), new Headers());
    expect(mine.code).toBe(Code.NOT_FOUND);
    expect(mine.rawMessage).toBe("gone");
    expect(mine.details).toEqual([detail]);
    expect(tripleErrorFromBody(404, '{"code":"not_found"}', new Headers()).code).toBe(Code.NOT_FOUND);
    expect(tripleErrorFromBody(500, '{"status":7,"message":"m"}', new Headers()).code).toBe(Code.PERMISSION_DENIED);
    expect(tripleErrorFromBody(409, '{"status":"409","message":"java"}', new Headers()).code).toBe(Code.ABORTED);
    expect(tripleErrorFromBody(503, "<html>proxy</html>", new Headers())).toMatchObject({ code: Code.UNAVAILABLE, rawMessage: "HTTP status 503" });
    // `ok` and unknown names fall through to the numeric status, then to the HTTP status.
    expect(tripleErrorFromBody(400, '{"code":"ok","status":9}', new Headers()).code).toBe(Code.FAILED_PRECONDITION);
    expect(tripleErrorFromBody(400, '{"code":"nope"}', new Headers()).code).toBe(Code.INVALID_ARGUMENT);
    // Details: a full type URL is kept, entries without a type or with bad base64 are dropped.
    const details = tripleErrorFromBody(400, '{"code":"internal","details":[{"type":"example.com/x.Y","value":"AQ"},{"type":"","value":"AQ"},{"type":"x.Z","value":"@@"}]}', new Headers()).details;
    expect(details).toEqual([{ typeUrl: "example.com/x.Y", value: new Uint8Array([1]) }]);
  });
});

describe("Triple-unary HTTP statuses", () => {
  it("are Connect's table before its 2024 revision: four rows differ, the rest is Connect's", () => {
    const expected: Record<number, number> = {
      0: 500, 1: 408, 2: 500, 3: 400, 4: 408, 5: 404, 6: 409, 7: 403, 8: 429, 9: 412, 10: 409, 11: 400, 12: 404, 13: 500, 14: 503, 15: 500, 16: 401, 17: 500, [-1]: 500,
    };
    for (const [code, status] of Object.entries(expected)) expect(tripleCodeToHttp(Number(code)), `code ${code}`).toBe(status);
    const revised = [Code.CANCELLED, Code.DEADLINE_EXCEEDED, Code.FAILED_PRECONDITION, Code.UNIMPLEMENTED] as number[];
    for (let code = -1; code <= 17; code++) {
      if (!revised.includes(code)) expect(tripleCodeToHttp(code)).toBe(connectCodeToHttpStatus(code));
      else expect(tripleCodeToHttp(code)).not.toBe(connectCodeToHttpStatus(code));
    }
  });
});

describe("tripleConcat", () => {
  it("joins chunks in order, and hands a single chunk back without copying", () => {
    const one = new Uint8Array([1, 2]);
    expect(tripleConcat([one], 2)).toBe(one);
    expect([...tripleConcat([one, new Uint8Array(0), new Uint8Array([3])], 3)]).toEqual([1, 2, 3]);
    expect(tripleConcat([], 0).length).toBe(0);
  });
});
