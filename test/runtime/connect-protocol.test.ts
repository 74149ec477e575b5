// Connect protocol vocabulary (runtime-template/protocol/connect/connect-protocol.ts): codes ⇄ names ⇄ HTTP statuses,
// content types and connect-timeout-ms, checked against connect-es (@connectrpc/connect, an
// independent implementation of the same spec) where it exposes the same function.
import { Code as EsCode } from "@connectrpc/connect";
import { codeFromHttpStatus as esCodeFromHttp, codeToHttpStatus as esCodeToHttp, codeToString as esCodeToString, parseContentType as esParseContentType, parseTimeout as esParseTimeout } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import {
  connectCodeFromName,
  connectCodeToHttpStatus,
  connectCodeToName,
  connectContentType,
  connectHttpStatusToCode,
  connectParseContentType,
  connectTimeoutEncode,
  connectTimeoutParse,
} from "../../runtime-template/protocol/connect/connect-protocol.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";

const errorCodes = Array.from({ length: 16 }, (_, i) => i + 1);

describe("Connect codes", () => {
  it("names every error code as connect-es does, and reads the names back", () => {
    for (const code of errorCodes) {
      const name = connectCodeToName(code);
      expect(name, String(code)).toBe(esCodeToString(code as EsCode));
      expect(connectCodeFromName(name)).toBe(code);
    }
    expect(connectCodeToName(Code.CANCELLED)).toBe("canceled");
  });

  it("has no name for OK or out-of-range codes (unknown), and no code for unknown names", () => {
    expect(connectCodeToName(0)).toBe("unknown");
    expect(connectCodeToName(17)).toBe("unknown");
    expect(connectCodeToName(-1)).toBe("unknown");
    for (const name of ["", "ok", "OK", "NOT_FOUND", "Not_Found", "cancelled", "5", " not_found", "toString", "constructor"]) {
      expect(connectCodeFromName(name), name).toBeUndefined();
    }
  });

  it("maps codes to HTTP statuses as the spec's table (and connect-es) does", () => {
    const table: Record<number, number> = { 1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 };
    for (const code of errorCodes) {
      expect(connectCodeToHttpStatus(code), String(code)).toBe(table[code]);
      expect(connectCodeToHttpStatus(code)).toBe(esCodeToHttp(code as EsCode));
    }
    expect(connectCodeToHttpStatus(0)).toBe(500);
    expect(connectCodeToHttpStatus(99)).toBe(500);
  });

  it("maps HTTP statuses of bodies without a Connect error to codes as connect-es does (gRPC's mapping)", () => {
    for (const status of [200, 204, 302, 400, 401, 403, 404, 405, 408, 409, 412, 413, 415, 429, 431, 499, 500, 501, 502, 503, 504, 505]) {
      expect(connectHttpStatusToCode(status), String(status)).toBe(esCodeFromHttp(status) as number);
    }
  });
});

describe("Connect content types", () => {
  it("parses unary and streaming proto/json types, case-insensitively, with an optional utf-8 charset on JSON", () => {
    const cases: [string, { stream: boolean; codec: string } | undefined][] = [
      ["application/proto", { stream: false, codec: "proto" }],
      ["application/json", { stream: false, codec: "json" }],
      ["Application/JSON", { stream: false, codec: "json" }],
      ["application/json; charset=utf-8", { stream: false, codec: "json" }],
      ["application/json;charset=UTF-8", { stream: false, codec: "json" }],
      ["application/json; charset=utf8", { stream: false, codec: "json" }],
      ["application/connect+proto", { stream: true, codec: "proto" }],
      ["application/connect+json", { stream: true, codec: "json" }],
      ["application/connect+json; charset=utf-8", { stream: true, codec: "json" }],
    ];
    for (const [value, expected] of cases) {
      expect(connectParseContentType(value), value).toEqual(expected);
      const es = esParseContentType(value);
      expect(es === undefined ? undefined : { stream: es.stream, codec: es.binary ? "proto" : "json" }, `connect-es on ${value}`).toEqual(expected);
    }
  });

  it("refuses everything that is not Connect: gRPC, gRPC-Web, other codecs and charsets, parameters on proto", () => {
    for (const value of [
      undefined,
      "",
      "application/grpc",
      "application/grpc+proto",
      "application/grpc-web+proto",
      "application/connect",
      "application/connect+",
      "application/connect+thrift",
      "application/xml",
      "text/json",
      "application/json; charset=latin1",
      "application/proto; charset=utf-8",
      "application/json; boundary=x",
      "application/protobuf",
      "application/json+proto",
    ]) {
      expect(connectParseContentType(value), String(value)).toBeUndefined();
    }
  });

  it("writes the four content types", () => {
    expect([connectContentType(false, "proto"), connectContentType(false, "json"), connectContentType(true, "proto"), connectContentType(true, "json")]).toEqual([
      "application/proto",
      "application/json",
      "application/connect+proto",
      "application/connect+json",
    ]);
  });
});

describe("connect-timeout-ms", () => {
  it("reads 1 to 10 digits as milliseconds; absent is no timeout", () => {
    expect(connectTimeoutParse(undefined)).toBeUndefined();
    for (const value of ["0", "1", "150", "0000000001", "9999999999"]) {
      expect(connectTimeoutParse(value), value).toBe(Number(value));
      expect(esParseTimeout(value, Number.MAX_SAFE_INTEGER).timeoutMs).toBe(Number(value));
    }
    expect(connectTimeoutParse(["250", "999"])).toBe(250);
  });

  it("refuses anything else with INVALID_ARGUMENT (as connect-es does)", () => {
    for (const value of ["", " 1", "1 ", "-1", "+1", "1.5", "1e3", "10000000000", "0x10", "１２", "1,2", "ms"]) {
      let error: unknown;
      try {
        connectTimeoutParse(value);
      } catch (caught) {
        error = caught;
      }
      expect(error, value).toBeInstanceOf(TripleError);
      expect((error as TripleError).code).toBe(Code.INVALID_ARGUMENT);
      expect(esParseTimeout(value, Number.MAX_SAFE_INTEGER).error, `connect-es on ${value}`).toBeDefined();
    }
  });

  it("writes whole milliseconds, rounded up, at least 1, at most 10 digits", () => {
    expect(connectTimeoutEncode(1500)).toBe("1500");
    expect(connectTimeoutEncode(0.2)).toBe("1");
    expect(connectTimeoutEncode(10.01)).toBe("11");
    expect(connectTimeoutEncode(0)).toBe("1");
    expect(connectTimeoutEncode(-5)).toBe("1");
    expect(connectTimeoutEncode(Number.NaN)).toBe("1");
    expect(connectTimeoutEncode(1e12)).toBe("9999999999");
    expect(connectTimeoutEncode(Number.POSITIVE_INFINITY)).toBe("9999999999");
  });
});
