// Seeded fuzzing of the runtime's parsers of untrusted input (the template modules, which generated
// code carries verbatim): random and mutated bytes into EnvelopeReader and gunzip, random and mutated header values
// into the gRPC and Triple-unary header parsers. Only the documented errors may come out (TripleError,
// ProtobufError, grpcTimeoutParse's RangeError), no call may take long (a pathological input would
// show as a slow one), and valid inputs still round-trip. Reproduce a failure with TRISTUB_SEED=<seed>
// (printed); TRISTUB_FUZZ_MS sets the time budget per target (default 300 ms).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { envelopePayload, EnvelopeReader } from "../../runtime-template/protocol/envelope.js";
import { grpcPercentDecode, grpcPercentEncode, grpcStatusDetailsDecode, grpcStatusDetailsEncode, grpcStatusFromTrailers } from "../../runtime-template/protocol/grpc-status.js";
import { grpcTimeoutEncode, grpcTimeoutParse } from "../../runtime-template/protocol/grpc-timeout.js";
import { decodeBinaryHeader, encodeBinaryHeader } from "../../runtime-template/protocol/metadata.js";
import type { Code } from "../../runtime-template/protocol/status-code.js";
import { TripleError } from "../../runtime-template/protocol/triple-error.js";
import { tripleErrorBody, tripleErrorFromBody, tripleTimeoutParse, tripleUnaryCodec } from "../../runtime-template/protocol/triple-unary.js";
import { ProtobufError } from "../../runtime-template/protobuf/protobuf-error.js";
import { nodeGzip } from "../../runtime-template/transport/node/gzip.js";

const gzipDecompress = (data: Uint8Array, max: number): Uint8Array => nodeGzip.decompress(data, max);
import { envelope } from "../support/e2e.js";
import { runFuzz } from "../support/fuzz-scale.js";
import { Rng, testSeed } from "../support/robustness.js";

const seed = testSeed("runtime parser fuzz");
const budgetMs = Number(process.env["TRISTUB_FUZZ_MS"] ?? 300);
const maxIterations = 200_000;
/** Every target runs at least this many inputs, however slow a loaded machine makes the budget. */
const minIterations = 200;
/** No single parse may take this long: a hang or a quadratic blow-up on some input. */
const slowMs = 250;

/** A per-target PRNG derived from the run's seed and the target's name (targets stay independent). */
function rngFor(name: string): Rng {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return new Rng(h >>> 0);
}

/**
 * Runs `check` on generated inputs until the budget is spent (at least `minIterations` of them). `check` returns normally or throws one
 * of the allowed errors; anything else fails the test with the seed, iteration and input.
 */
function fuzz<T>(name: string, generate: (rng: Rng) => T, check: (input: T, rng: Rng) => void, allowed: (error: unknown) => boolean): number {
  const rng = rngFor(name);
  const end = performance.now() + budgetMs;
  let iterations = 0;
  while (iterations < maxIterations && (iterations < minIterations || performance.now() < end)) {
    iterations++;
    const input = generate(rng);
    const started = performance.now();
    try {
      check(input, rng);
    } catch (error) {
      if (!allowed(error)) {
        const shown = JSON.stringify(input, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
        throw new Error(`${name}: seed ${seed}, iteration ${iterations}: unexpected ${String(error)} for input ${shown?.slice(0, 500)}`, { cause: error });
      }
    }
    const took = performance.now() - started;
    if (took > slowMs) throw new Error(`${name}: seed ${seed}, iteration ${iterations}: one input took ${took.toFixed(0)} ms`);
  }
  return iterations;
}

const isTriple = (error: unknown): boolean => error instanceof TripleError;
const isProtobuf = (error: unknown): boolean => error instanceof ProtobufError;
const never = (): boolean => false;

/** Random text: ASCII, percent escapes, digits and units, non-ASCII and lone surrogates. */
function randomText(rng: Rng, max = 40): string {
  const pieces = ["%", "%2", "%41", "%zz", "%E0%A4", "%FF", "%C3%A9", "\u00e9", "\u4e16", "\ud83d\ude80", "\ud800", "\udc00", " ", ",", "=", "+", "/", "\t", "\0", "H", "M", "S", "m", "u", "n", "9", "0", "-", ".", "e", "{", "}", '"', ":", "[", "]"];
  let out = "";
  const n = rng.int(max);
  for (let i = 0; i < n; i++) out += rng.chance(0.5) ? rng.pick(pieces) : String.fromCharCode(rng.int(rng.chance(0.9) ? 128 : 0x10000));
  return out;
}

/** `s` with lone surrogates replaced by U+FFFD (String.prototype.toWellFormed, not in lib es2022). */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** A random JSON value, `depth` levels deep at most, biased towards Triple error-body fields. */
function randomJson(rng: Rng, depth = 3): unknown {
  switch (rng.int(depth > 0 ? 8 : 5)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, 1, 5, 16, 17, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER]);
    case 3:
      return rng.pick(["not_found", "canceled", "ok", "unknown", "", "404", "5", "internal", "__proto__"]);
    case 4:
      return randomText(rng, 10);
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
    default: {
      const keys = ["code", "status", "message", "details", "type", "value", "__proto__", "constructor"];
      const out: Record<string, unknown> = {};
      for (let i = rng.int(5); i > 0; i--) out[rng.pick(keys)] = randomJson(rng, depth - 1);
      return out;
    }
  }
}

describe("fuzz", () => {
  it("EnvelopeReader (next and nextRange) and envelopePayload: only TripleError, valid bodies round-trip however they are split", () => {
    const valid = (rng: Rng): { body: Uint8Array; payloads: Uint8Array[] } => {
      const payloads = Array.from({ length: rng.int(5) }, () => rng.bytes(rng.int(rng.chance(0.1) ? 3000 : 40)));
      return { body: Buffer.concat(payloads.map((p) => envelope(p, rng.chance(0.2) ? 1 : 0))), payloads };
    };
    const splits = (rng: Rng, body: Uint8Array): Uint8Array[] => {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < body.length; ) {
        const n = 1 + rng.int(rng.chance(0.5) ? 8 : 600);
        chunks.push(body.subarray(at, at + n));
        at += n;
      }
      return chunks;
    };
    fuzz(
      "EnvelopeReader",
      (rng) => {
        const { body, payloads } = valid(rng);
        const mode = rng.int(3);
        const input = mode === 0 ? body : mode === 1 ? rng.mutate(body) : rng.bytes(rng.int(64));
        return { input, payloads: mode === 0 ? payloads : undefined, max: rng.pick([0, 16, 1024, 4 << 20]) };
      },
      ({ input, payloads, max }, rng) => {
        const reader = new EnvelopeReader(max);
        const out: Uint8Array[] = [];
        let total = 0;
        for (const chunk of splits(rng, input)) {
          reader.push(chunk);
          total += chunk.length;
          // next() (a view per payload) and nextRange() (the bytes holding it, plus offsets) must agree.
          const byRange = rng.chance(0.5);
          const nextPayload = (): Uint8Array | undefined => {
            if (!byRange) return reader.next();
            const buf = reader.nextRange();
            return buf?.subarray(reader.payloadStart, reader.payloadEnd);
          };
          for (let data = nextPayload(); data !== undefined; data = nextPayload()) {
            out.push(data);
            try {
              envelopePayload(data, reader.flags, rng.chance(0.5) ? nodeGzip : undefined, max);
            } catch (error) {
              if (!isTriple(error)) throw error;
            }
          }
        }
        const consumed = out.reduce((n, d) => n + d.length + 5, 0);
        expect(consumed + reader.pendingBytes).toBe(total);
        if (payloads !== undefined && payloads.every((p) => p.length <= max)) {
          expect(out.map((d) => Buffer.from(d).toString("hex"))).toEqual(payloads.map((p) => Buffer.from(p).toString("hex")));
          expect(reader.pendingBytes).toBe(0);
        }
      },
      isTriple,
    );
  });

  it("gzipDecompress: corrupt, truncated and bomb inputs are TripleErrors, never over the limit", () => {
    const sample = gzipSync(Buffer.alloc(64 * 1024, 7));
    fuzz(
      "gzipDecompress",
      (rng) => ({ data: rng.chance(0.3) ? rng.bytes(rng.int(64)) : rng.mutate(sample), max: rng.pick([1, 100, 1 << 16, 1 << 20]) }),
      ({ data, max }) => {
        expect(gzipDecompress(data, max).length).toBeLessThanOrEqual(max);
      },
      isTriple,
    );
  });

  it("grpcTimeoutParse: a number of milliseconds or RangeError; encode/parse round-trips", () => {
    fuzz(
      "grpcTimeoutParse",
      (rng) => {
        if (rng.chance(0.3)) return grpcTimeoutEncode(rng.u32() * (rng.chance(0.5) ? 1 : 1e-6));
        if (rng.chance(0.4)) return String(rng.int(10 ** (1 + rng.int(11)))) + rng.pick(["H", "M", "S", "m", "u", "n", "h", "s", "x", "", " "]);
        return randomText(rng, 14);
      },
      (value) => {
        const ms = grpcTimeoutParse(value);
        expect(typeof ms === "number" && Number.isFinite(ms) && ms >= 0).toBe(true);
      },
      (error) => error instanceof RangeError,
    );
    fuzz(
      "grpcTimeoutEncode",
      (rng) => rng.u32() / (1 + rng.int(1000)) + (rng.chance(0.1) ? 2 ** 40 : 0),
      (ms) => {
        const parsed = grpcTimeoutParse(grpcTimeoutEncode(ms)) as number;
        expect(parsed).toBeGreaterThanOrEqual(ms);
        // The finest unit whose value fits 8 digits: at least 10^5 units, so within 10^-5 (or 1 ns).
        expect(parsed - ms).toBeLessThanOrEqual(Math.max(1e-6, ms * 1e-5) + 1e-9);
      },
      never,
    );
  });

  it("grpcPercentDecode never throws; it inverts grpcPercentEncode", () => {
    fuzz("grpcPercentDecode", (rng) => randomText(rng), (value) => void grpcPercentDecode(value), never);
    fuzz(
      "grpcPercentEncode",
      (rng) => randomText(rng),
      (value) => {
        const wire = grpcPercentEncode(value);
        expect(wire).toMatch(/^[\x20-\x7e]*$/);
        if (wellFormed(value) === value) expect(grpcPercentDecode(wire)).toBe(value);
      },
      never,
    );
  });

  it("grpcStatusDetailsDecode and decodeBinaryHeader: only ProtobufError; valid values round-trip", () => {
    const validDetails = (rng: Rng) => ({
      code: rng.int(17),
      message: wellFormed(randomText(rng, 10)),
      details: Array.from({ length: rng.int(3) }, () => ({ typeUrl: `type.googleapis.com/${wellFormed(randomText(rng, 8))}`, value: rng.bytes(rng.int(20)) })),
    });
    fuzz(
      "grpcStatusDetailsDecode",
      (rng) => {
        const status = validDetails(rng);
        const wire = grpcStatusDetailsEncode(status.code, status.message, status.details);
        const mode = rng.int(4);
        if (mode === 0) return { wire, status };
        if (mode === 1) return { wire: Buffer.from(rng.mutate(Buffer.from(wire))).toString("latin1"), status: undefined };
        if (mode === 2) return { wire: Buffer.from(rng.mutate(Buffer.from(wire, "base64"))).toString("base64"), status: undefined };
        return { wire: randomText(rng), status: undefined };
      },
      ({ wire, status }) => {
        const decoded = grpcStatusDetailsDecode(wire);
        if (status !== undefined) expect(decoded).toEqual(status);
      },
      isProtobuf,
    );
    fuzz(
      "decodeBinaryHeader",
      (rng) => {
        if (rng.chance(0.5)) {
          const values = Array.from({ length: 1 + rng.int(3) }, () => rng.bytes(rng.int(30)));
          return { wire: values.map((v) => (rng.chance(0.5) ? encodeBinaryHeader(v) : Buffer.from(v).toString("base64"))).join(rng.pick([",", ", "])), values };
        }
        return { wire: rng.chance(0.5) ? randomText(rng) : Buffer.from(rng.bytes(rng.int(30))).toString("base64").slice(rng.int(3)), values: undefined };
      },
      ({ wire, values }) => {
        const decoded = decodeBinaryHeader(wire);
        if (values !== undefined) expect(decoded.map((v) => Buffer.from(v).toString("hex"))).toEqual(values.map((v) => Buffer.from(v).toString("hex")));
      },
      isProtobuf,
    );
  });

  it("grpcStatusFromTrailers never throws and always yields a valid code", () => {
    fuzz(
      "grpcStatusFromTrailers",
      (rng) => {
        const fields: Record<string, string | string[] | number | undefined> = {};
        const text = (): string => (rng.chance(0.5) ? String(rng.int(20) - 2) : randomText(rng, 12));
        if (rng.chance(0.9)) fields["grpc-status"] = rng.chance(0.1) ? [text(), text()] : rng.chance(0.1) ? rng.int(20) : text();
        if (rng.chance(0.7)) fields["grpc-message"] = rng.chance(0.1) ? [text()] : randomText(rng);
        if (rng.chance(0.5)) fields["grpc-status-details-bin"] = rng.chance(0.5) ? randomText(rng) : Buffer.from(rng.bytes(rng.int(40))).toString("base64");
        return fields;
      },
      (fields) => {
        const result = grpcStatusFromTrailers(fields, () => new Headers());
        if (result !== undefined) {
          expect(result).toBeInstanceOf(TripleError);
          expect(Number.isInteger(result.code) && result.code >= 1 && result.code <= 16).toBe(true);
        }
      },
      never,
    );
  });

  it("Triple-unary parsers: tripleTimeoutParse (TripleError only) and tripleUnaryCodec (never throws)", () => {
    fuzz(
      "tripleTimeoutParse",
      (rng) => {
        const value = (): string => (rng.chance(0.5) ? String(rng.int(10 ** (1 + rng.int(12)))) : randomText(rng, 14));
        const headers: Record<string, string | string[]> = {};
        if (rng.chance(0.7)) headers["triple-timeout-ms"] = rng.chance(0.1) ? [value(), value()] : value();
        if (rng.chance(0.7)) headers["tri-service-timeout"] = value();
        return headers;
      },
      (headers) => {
        const ms = tripleTimeoutParse(headers);
        if (ms !== undefined) expect(Number.isSafeInteger(ms) && ms >= 0).toBe(true);
      },
      isTriple,
    );
    fuzz(
      "tripleUnaryCodec",
      (rng) => (rng.chance(0.5) ? rng.pick(["application/json", "application/proto", "application/x-protobuf", "APPLICATION/JSON; charset=UTF-8"]) + randomText(rng, 6) : randomText(rng)),
      (value) => {
        expect([undefined, "proto", "json"]).toContain(tripleUnaryCodec(value));
      },
      never,
    );
  });

  it("tripleErrorFromBody never throws and always yields an integer code 1..16, whatever the server's body", () => {
    fuzz(
      "tripleErrorFromBody",
      (rng) => {
        const status = rng.pick([200, 400, 404, 408, 413, 429, 431, 500, 503, rng.int(1000)]);
        const mode = rng.int(4);
        const valid = tripleErrorBody(new TripleError((1 + rng.int(16)) as Code, randomText(rng, 10), { details: [{ typeUrl: "type.googleapis.com/x.Y", value: rng.bytes(4) }] }));
        const body =
          mode === 0 ? valid : mode === 1 ? Buffer.from(rng.mutate(Buffer.from(valid))).toString("latin1") : mode === 2 ? JSON.stringify(randomJson(rng)) : randomText(rng);
        return { status, body };
      },
      ({ status, body }) => {
        const error = tripleErrorFromBody(status, body, new Headers());
        expect(error).toBeInstanceOf(TripleError);
        expect(Number.isInteger(error.code) && error.code >= 1 && error.code <= 16).toBe(true);
        expect(typeof error.rawMessage).toBe("string");
      },
      never,
    );
  });

  it("at scale, a seeded slice of `npm run fuzz`: 20,000 inputs (400 of them requests to a server), no crash, hang or unhandled rejection", async () => {
    const summary = await runFuzz(seed, 20_000);
    process.stdout.write(`fuzz slice: ${JSON.stringify(summary.inputs)} in ${summary.elapsedMs} ms\n`);
    expect(summary.problems).toEqual([]);
    expect(summary.total).toBe(20_000);
  });
});
