// Connect unary GET queries (runtime-template/protocol/connect/connect-get.ts): encode, parse, round trips with every
// byte value, and bad input (INVALID_ARGUMENT).
import { describe, expect, it } from "vitest";
import { connectGetQueryEncode, connectGetQueryParse } from "../../runtime-template/protocol/connect/connect-get.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

function refused(query: string): TripleError {
  try {
    connectGetQueryParse(query);
  } catch (error) {
    expect(error).toBeInstanceOf(TripleError);
    expect((error as TripleError).code, query).toBe(Code.INVALID_ARGUMENT);
    return error as TripleError;
  }
  throw new Error(`expected ${query} to be refused`);
}

describe("Connect GET query: encode", () => {
  it("writes uncompressed JSON as percent-encoded text (the spec's example), binary as base64url", () => {
    expect(connectGetQueryEncode({ codec: "json", message: utf8('{"name":"Buf"}') })).toBe("connect=v1&encoding=json&message=%7B%22name%22%3A%22Buf%22%7D");
    expect(connectGetQueryEncode({ codec: "proto", message: Uint8Array.of(0x0a, 0x03, 0xfb, 0xff) })).toBe("connect=v1&base64=1&encoding=proto&message=CgP7_w");
  });

  it("base64-encodes compressed messages and names the compression; identity is no compression", () => {
    expect(connectGetQueryEncode({ codec: "json", message: Uint8Array.of(0x1f, 0x8b), compression: "gzip" })).toBe("connect=v1&base64=1&compression=gzip&encoding=json&message=H4s");
    expect(connectGetQueryEncode({ codec: "json", message: utf8("{}"), compression: "identity" })).toBe("connect=v1&encoding=json&message=%7B%7D");
    expect(connectGetQueryEncode({ codec: "json", message: utf8("{}"), base64: true })).toBe("connect=v1&base64=1&encoding=json&message=e30");
  });
});

describe("Connect GET query: parse", () => {
  it("reads the spec's example, with or without the leading ?", () => {
    for (const query of ["encoding=json&message=%7B%22name%22%3A%22Buf%22%7D&connect=v1", "?connect=v1&encoding=json&message=%7B%22name%22%3A%22Buf%22%7D"]) {
      const parsed = connectGetQueryParse(query);
      expect(new TextDecoder().decode(parsed.message)).toBe('{"name":"Buf"}');
      expect([parsed.codec, parsed.compression, parsed.params.get("connect")]).toEqual(["json", undefined, "v1"]);
    }
  });

  it("round-trips every byte value for each codec, compression and base64 choice", () => {
    for (const codec of ["proto", "json"]) {
      for (const compression of [undefined, "gzip"]) {
        for (const base64 of [false, true]) {
          const parsed = connectGetQueryParse(connectGetQueryEncode({ codec, message: allBytes, compression, base64 }));
          expect(parsed.message, `${codec} ${compression} ${base64}`).toEqual(allBytes);
          expect([parsed.codec, parsed.compression]).toEqual([codec, compression]);
        }
      }
    }
    expect(connectGetQueryParse(connectGetQueryEncode({ codec: "json", message: new Uint8Array(0) })).message).toEqual(new Uint8Array(0));
  });

  it("accepts padded and standard-alphabet base64, + as space in text, a missing connect parameter, and reads first values", () => {
    expect(connectGetQueryParse("encoding=proto&base64=1&message=CgP7%2Fw%3D%3D").message).toEqual(Uint8Array.of(0x0a, 0x03, 0xfb, 0xff));
    expect(new TextDecoder().decode(connectGetQueryParse("encoding=json&message=%7B%22a%22:%22x+y%22%7D").message)).toBe('{"a":"x y"}');
    const first = connectGetQueryParse("encoding=JSON&message=1&message=2&compression=GZIP&compression=br&extra=%E2%9C%93&flag");
    expect([first.codec, new TextDecoder().decode(first.message), first.compression, first.params.get("extra"), first.params.get("flag")]).toEqual(["json", "1", "gzip", "✓", ""]);
    expect(connectGetQueryParse("encoding=json&message=%7B%7D&compression=identity").compression).toBeUndefined();
  });

  it("refuses missing parameters, other protocol versions, bad base64 flags, bad percent-encoding and bad base64", () => {
    expect(refused("connect=v1&encoding=json").rawMessage).toMatch(/missing message/);
    expect(refused("connect=v1&message=%7B%7D").rawMessage).toMatch(/missing encoding/);
    refused("connect=v1&encoding=&message=%7B%7D");
    expect(refused("connect=v2&encoding=json&message=%7B%7D").rawMessage).toMatch(/v2/);
    refused("encoding=json&base64=true&message=e30");
    refused("encoding=json&message=%7");
    refused("encoding=json&message=%zz");
    refused("encoding=json&en%GGcoding=x&message=1");
    refused("encoding=proto&base64=1&message=Cg%3D");
    refused("encoding=proto&base64=1&message=C");
    refused("encoding=proto&base64=1&message=Cg!!");
    refused("");
  });
});
