// gRPC-Web pieces (runtime-template/protocol/grpc-web/grpcweb-protocol.ts, grpcweb-text.ts): content types, the trailer
// frame (cross-checked with connect-es), and grpc-web-text decoding across every chunk boundary.
import { trailerParse as esTrailerParse, trailerSerialize as esTrailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { describe, expect, it } from "vitest";
import {
  grpcWebContentType,
  grpcWebEnvelopeIsTrailers,
  grpcWebParseContentType,
  grpcWebTrailerFrame,
  grpcWebTrailersEncode,
  grpcWebTrailersParse,
} from "../../runtime-template/protocol/grpc-web/grpcweb-protocol.js";
import { GrpcWebTextDecoder, grpcWebTextEncode } from "../../runtime-template/protocol/grpc-web/grpcweb-text.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";

function thrown(fn: () => unknown): TripleError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TripleError);
    return error as TripleError;
  }
  throw new Error("expected a TripleError");
}

const entries = (headers: Headers): [string, string][] => [...headers.entries()];

describe("gRPC-Web content types", () => {
  it("parses binary and text forms with their codecs, case-insensitively, ignoring parameters", () => {
    const cases: [string, { text: boolean; codec: string }][] = [
      ["application/grpc-web", { text: false, codec: "proto" }],
      ["application/grpc-web+proto", { text: false, codec: "proto" }],
      ["Application/GRPC-Web+JSON", { text: false, codec: "json" }],
      ["application/grpc-web+proto; charset=utf-8", { text: false, codec: "proto" }],
      ["application/grpc-web-text", { text: true, codec: "proto" }],
      ["application/grpc-web-text+proto", { text: true, codec: "proto" }],
    ];
    for (const [value, expected] of cases) expect(grpcWebParseContentType(value), value).toEqual(expected);
  });

  it("refuses gRPC, Connect, unknown codecs and text+json", () => {
    for (const value of [undefined, "", "application/grpc", "application/grpc+proto", "application/connect+proto", "application/grpc-web+thrift", "application/grpc-web-text+json", "application/grpc-webx"]) {
      expect(grpcWebParseContentType(value), String(value)).toBeUndefined();
    }
  });

  it("answers with the codec named", () => {
    expect([grpcWebContentType(false, "proto"), grpcWebContentType(false, "json"), grpcWebContentType(true, "proto")]).toEqual([
      "application/grpc-web+proto",
      "application/grpc-web+json",
      "application/grpc-web-text+proto",
    ]);
  });
});

describe("gRPC-Web trailer frame", () => {
  it("encodes name: value CRLF lines with lower-case names, which connect-es parses", () => {
    const trailers = new Headers([["Grpc-Status", "3"], ["grpc-message", "bad%20thing"], ["x-multi", "a"], ["x-multi", "b"]]);
    const block = grpcWebTrailersEncode(trailers);
    expect(new TextDecoder().decode(block)).toBe("grpc-message: bad%20thing\r\ngrpc-status: 3\r\nx-multi: a, b\r\n");
    expect(entries(esTrailerParse(block))).toEqual(entries(trailers));
    expect(new TextDecoder().decode(grpcWebTrailersEncode({ "Grpc-Status": "0", "x-list": ["1", "2"] }))).toBe("grpc-status: 0\r\nx-list: 1\r\nx-list: 2\r\n");
  });

  it("frames the block behind flag 0x80 and its length", () => {
    const frame = grpcWebTrailerFrame({ "grpc-status": "0" });
    expect(frame[0]).toBe(0x80);
    expect(new DataView(frame.buffer).getUint32(1)).toBe(frame.length - 5);
    expect(new TextDecoder().decode(frame.subarray(5))).toBe("grpc-status: 0\r\n");
    expect(grpcWebTrailerFrame({})).toEqual(Uint8Array.of(0x80, 0, 0, 0, 0));
  });

  it("refuses to write a value with CR/LF or a name that is not a token (no forged trailer lines)", () => {
    expect(thrown(() => grpcWebTrailersEncode({ "x-a": "1\r\ngrpc-status: 0" })).code).toBe(Code.INTERNAL);
    expect(thrown(() => grpcWebTrailersEncode({ "bad name": "1" })).code).toBe(Code.INTERNAL);
    expect(thrown(() => grpcWebTrailersEncode({ "": "1" })).code).toBe(Code.INTERNAL);
  });

  it("parses what connect-es writes, mixed-case names, bare LF, blank lines, values with colons, repeats", () => {
    const es = esTrailerSerialize(new Headers({ "grpc-status": "0", "x-time": "12:30:00" }));
    expect(entries(grpcWebTrailersParse(es))).toEqual([["grpc-status", "0"], ["x-time", "12:30:00"]]);
    const parsed = grpcWebTrailersParse(new TextEncoder().encode("Grpc-Status:5\n\r\ngrpc-message:  not here \r\nx-r: 1\r\nX-R: 2\r\n\r\n"));
    expect(entries(parsed)).toEqual([["grpc-message", "not here"], ["grpc-status", "5"], ["x-r", "1, 2"]]);
    expect(entries(grpcWebTrailersParse(new Uint8Array(0)))).toEqual([]);
  });

  it("refuses malformed trailer blocks with INTERNAL", () => {
    for (const block of ["grpc-status 0\r\n", ": 0\r\n", "bad name: 1\r\n", "grpc-status: 0\r\njunk\r\n"]) {
      expect(thrown(() => grpcWebTrailersParse(new TextEncoder().encode(block))).code, block).toBe(Code.INTERNAL);
    }
    expect(thrown(() => grpcWebTrailersParse(Uint8Array.of(0x61, 0x3a, 0xff))).code).toBe(Code.INTERNAL);
  });

  it("classifies envelope flags: 0x00/0x01 messages, 0x80/0x81 trailers, anything else refused", () => {
    expect([0x00, 0x01, 0x80, 0x81].map(grpcWebEnvelopeIsTrailers)).toEqual([false, false, true, true]);
    for (const flags of [0x02, 0x40, 0x82, 0xff]) expect(thrown(() => grpcWebEnvelopeIsTrailers(flags)).code).toBe(Code.INTERNAL);
  });
});

describe("grpc-web-text", () => {
  /** A body as a server writes it: each write base64-encoded on its own (padding mid-stream). */
  const writes = [Uint8Array.of(0, 0, 0, 0, 2, 8, 1), Uint8Array.of(0x80, 0, 0, 0, 15), new TextEncoder().encode("grpc-status: 0\r\n"), Uint8Array.of(7)];
  const body = writes.map(grpcWebTextEncode).join("");
  const expected = Uint8Array.from(writes.flatMap((w) => [...w]));

  it("decodes a body with padding mid-stream, split at every possible point into two chunks", () => {
    expect(body).toMatch(/=.+/); // the test needs padding inside the body
    for (let cut = 0; cut <= body.length; cut++) {
      const decoder = new GrpcWebTextDecoder();
      const a = decoder.push(body.slice(0, cut));
      const b = decoder.push(new TextEncoder().encode(body.slice(cut)));
      decoder.end();
      expect(Uint8Array.from([...a, ...b]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it("decodes a body fed one character at a time", () => {
    const decoder = new GrpcWebTextDecoder();
    const out: number[] = [];
    for (const char of body) out.push(...decoder.push(char));
    decoder.end();
    expect(Uint8Array.from(out)).toEqual(expected);
  });

  it("round-trips 0..64 random bytes per write", () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
      const decoder = new GrpcWebTextDecoder();
      const text = grpcWebTextEncode(bytes) + grpcWebTextEncode(bytes);
      expect(decoder.push(text), String(n)).toEqual(Uint8Array.from([...bytes, ...bytes]));
      decoder.end();
    }
  });

  it("refuses bad characters, misplaced padding, and a body ending inside a group", () => {
    const cases: [string, RegExp][] = [
      ["AAAA AAAA", /invalid character/],
      ["AAAA\r\n", /invalid character/],
      ["AA-_", /invalid character/],
      ["AAAAA===", /invalid base64/],
      ["=AAA", /invalid base64/],
      ["AA=A", /invalid base64/],
      ["AAAA==AA", /invalid base64/],
    ];
    for (const [text, message] of cases) {
      const error = thrown(() => new GrpcWebTextDecoder().push(text));
      expect([error.code, error.rawMessage], text).toEqual([Code.INVALID_ARGUMENT, expect.stringMatching(message)]);
    }
    const decoder = new GrpcWebTextDecoder(Code.INTERNAL);
    expect(decoder.push("AAAAAA")).toEqual(Uint8Array.of(0, 0, 0));
    const error = thrown(() => decoder.end());
    expect([error.code, error.rawMessage]).toEqual([Code.INTERNAL, expect.stringMatching(/ends inside a base64 group/)]);
  });
});
