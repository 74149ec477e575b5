// Fuzzing at scale (`npm run fuzz`, and a small slice in test/robustness/fuzz.test.ts): a seeded count
// of inputs over the runtime's parsers of untrusted input — envelope streams, header values, binary
// payloads, JSON text — and, for a share of them, whole requests to an in-process server over HTTP/2.
// A problem is: an error of a type the parser does not document (a crash), one input that takes over
// `slowMs` (a hang or a blow-up), a request not answered within `requestLimitMs`, or an unhandled
// rejection. Same seed and count, same inputs.
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from "node:http2";
import { gzipSync } from "node:zlib";
import { GreetRequest, registerGreetService } from "../../snapshots/services/greet.js";
import { ImplicitScalars, MixedScalars, OptionalScalars } from "../../snapshots/scalars/scalars.js";
import { envelopePayload, EnvelopeReader } from "../../runtime-template/protocol/envelope.js";
import { grpcPercentDecode, grpcStatusFromTrailers } from "../../runtime-template/protocol/grpc-status.js";
import { grpcTimeoutParse } from "../../runtime-template/protocol/grpc-timeout.js";
import { tripleTimeoutParse } from "../../runtime-template/protocol/triple-unary.js";
import { nodeGzip } from "../../runtime-template/transport/node/gzip.js";
import {
  createTripleServer,
  decodeBinaryHeader,
  ProtobufError,
  TripleError,
} from "../../snapshots/services/tristub-runtime.js";
import { ProtobufError as ScalarsProtobufError } from "../../snapshots/scalars/tristub-runtime.js";
import { envelope, grpcHeaders } from "./e2e-wire.js";
import { Rng } from "./robustness.js";

/** What a fuzz run found. */
export interface FuzzSummary {
  readonly seed: number;
  /** Inputs run, per target. */
  readonly inputs: Record<string, number>;
  readonly total: number;
  /** Crashes, hangs, unanswered requests and unhandled rejections, each with how to reproduce it. */
  readonly problems: string[];
  readonly elapsedMs: number;
}

const slowMs = 250;
const requestLimitMs = 5_000;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes.subarray(0, 64)).toString("hex") + (bytes.length > 64 ? "…" : "");

/** A payload codec and the error its decoders may throw. */
const codecs = [
  { name: "GreetRequest", codec: GreetRequest, seed: GreetRequest.encode({ name: "hello fuzz" }), error: ProtobufError },
  ...[ImplicitScalars, OptionalScalars, MixedScalars].map((codec, i) => ({
    name: ["ImplicitScalars", "OptionalScalars", "MixedScalars"][i]!,
    codec: codec as unknown as typeof GreetRequest,
    seed: new Uint8Array(0),
    error: ScalarsProtobufError,
  })),
];

function text(rng: Rng, max: number): string {
  return Array.from({ length: rng.int(max) }, () => String.fromCharCode(rng.chance(0.9) ? 0x20 + rng.int(0x5f) : rng.int(0x3000))).join("");
}

/** Envelope streams: valid, mutated or random, pushed in random splits. */
function fuzzEnvelope(rng: Rng): { input: Uint8Array; allowed: (e: unknown) => boolean; run: () => void } {
  const payloads = Array.from({ length: rng.int(4) }, () => rng.bytes(rng.int(rng.chance(0.05) ? 2000 : 30)));
  const body = Buffer.concat(payloads.map((p) => envelope(p, rng.chance(0.2) ? 1 : 0)));
  const input = rng.chance(0.3) ? body : rng.chance(0.7) ? rng.mutate(body) : rng.bytes(rng.int(64));
  const max = rng.pick([16, 1024, 4 << 20]);
  return {
    input,
    allowed: (e) => e instanceof TripleError,
    run: () => {
      const reader = new EnvelopeReader(max);
      for (let at = 0; at < input.length; ) {
        const n = 1 + rng.int(200);
        reader.push(input.subarray(at, at + n));
        at += n;
        for (let data = reader.next(); data !== undefined; data = reader.next()) envelopePayload(data, reader.flags, rng.chance(0.3) ? nodeGzip : undefined, max);
      }
    },
  };
}

/** Header values into every header parser. */
function fuzzHeader(rng: Rng): { input: Uint8Array; allowed: (e: unknown) => boolean; run: () => void } {
  const value = rng.chance(0.5) ? text(rng, 30) : rng.pick(["1S", "99999999H", "10m", "5n", "%41%zz", "AAAA,//8=", "-1", "1e9"]) + text(rng, 3);
  return {
    input: Buffer.from(value),
    allowed: (e) => e instanceof TripleError || e instanceof ProtobufError || e instanceof RangeError,
    run: () => {
      switch (rng.int(5)) {
        case 0:
          grpcTimeoutParse(value);
          break;
        case 1:
          tripleTimeoutParse({ "triple-timeout-ms": value });
          break;
        case 2:
          grpcPercentDecode(value);
          break;
        case 3:
          decodeBinaryHeader(value);
          break;
        default:
          grpcStatusFromTrailers({ "grpc-status": value, "grpc-message": text(rng, 20), "grpc-status-details-bin": value } as never, () => new Headers());
      }
    },
  };
}

/** Binary payloads (mutated valid encodings and random bytes) into generated decoders; accepted ones must re-encode. */
function fuzzPayload(rng: Rng): { input: Uint8Array; allowed: (e: unknown) => boolean; run: () => void } {
  const target = rng.pick(codecs);
  const input = rng.chance(0.5) ? rng.mutate(target.seed.length > 0 ? target.seed : rng.bytes(20)) : rng.bytes(rng.int(80));
  return { input, allowed: (e) => e instanceof target.error, run: () => void target.codec.encode(target.codec.decode(input)) };
}

/** JSON text (mutated valid JSON and random text) into generated JSON decoders. */
function fuzzJson(rng: Rng): { input: Uint8Array; allowed: (e: unknown) => boolean; run: () => void } {
  const target = rng.pick(codecs);
  const valid = JSON.stringify(rng.pick([{ name: text(rng, 10) }, { int32: rng.int(1e6), string: "x", bytes: "AAE=" }, { double: "NaN", bool: true }, {}]));
  const json = rng.chance(0.8) ? Buffer.from(rng.mutate(Buffer.from(valid))).toString("latin1") : text(rng, 40);
  return { input: Buffer.from(json, "latin1"), allowed: (e) => e instanceof target.error, run: () => void target.codec.fromJsonString(json) };
}

/** A malformed (or valid) request for the in-process server. */
function fuzzRequest(rng: Rng): { headers: OutgoingHttpHeaders; body: Uint8Array } {
  const method = rng.pick(["Greet", "GreetStream", "GreetClientStream", "GreetServerStream", "Nope"]);
  const headers = grpcHeaders(method);
  if (rng.chance(0.3)) headers["content-type"] = rng.pick(["application/grpc+json", "application/json", "application/proto", "text/plain", ""]);
  if (rng.chance(0.2)) headers["grpc-timeout"] = rng.pick(["1n", "5S", "x", "99999999H", "1m"]);
  if (rng.chance(0.2)) headers["grpc-encoding"] = rng.pick(["gzip", "br", "identity", "zz"]);
  if (rng.chance(0.1)) headers[":method"] = rng.pick(["GET", "PUT"]);
  const message = GreetRequest.encode({ name: text(rng, 20) });
  const body = rng.pick([
    () => envelope(message),
    () => rng.mutate(envelope(message)),
    () => rng.bytes(rng.int(100)),
    () => envelope(gzipSync(message), 1),
    () => envelope(Buffer.from(rng.pick(['{"name":"j"}', "{", "[]", '{"name":1}']))),
    () => message,
    () => new Uint8Array(0),
  ])();
  return { headers, body };
}

/** Runs `count` inputs from `seed`; the server gets `serverShare` of them (as whole requests). */
export async function runFuzz(seed: number, count: number, serverShare = 0.02): Promise<FuzzSummary> {
  const started = Date.now();
  const problems: string[] = [];
  const inputs: Record<string, number> = { envelope: 0, header: 0, payload: 0, json: 0, server: 0 };
  const onRejection = (reason: unknown): void => void problems.push(`unhandled rejection: ${String(reason)}`);
  process.on("unhandledRejection", onRejection);
  try {
    const rng = new Rng(seed);
    const targets = [fuzzEnvelope, fuzzHeader, fuzzPayload, fuzzJson] as const;
    const names = ["envelope", "header", "payload", "json"] as const;
    const requests = Math.floor(count * serverShare);
    for (let i = 0; i < count - requests; i++) {
      const t = i % targets.length;
      const { input, allowed, run } = targets[t]!(rng);
      inputs[names[t]!]!++;
      const at = performance.now();
      try {
        run();
      } catch (error) {
        if (!allowed(error) && problems.length < 20) problems.push(`${names[t]} #${i}: ${String(error)} on ${hex(input)}`);
      }
      const took = performance.now() - at;
      if (took > slowMs && problems.length < 20) problems.push(`${names[t]} #${i}: took ${took.toFixed(0)} ms on ${hex(input)}`);
    }
    inputs["server"] = await fuzzServer(rng, requests, problems);
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  const total = Object.values(inputs).reduce((a, b) => a + b, 0);
  return { seed, inputs, total, problems, elapsedMs: Date.now() - started };
}

async function fuzzServer(rng: Rng, count: number, problems: string[]): Promise<number> {
  if (count === 0) return 0;
  const unexpected: unknown[] = [];
  const server = createTripleServer({ onError: (error) => unexpected.push(error) });
  registerGreetService(server, {
    greet: (request) => ({ greeting: request.name }),
    async greetStream(stream) {
      for await (const request of stream) await stream.send({ greeting: request.name });
    },
    async greetClientStream(stream) {
      let n = 0;
      for await (const _ of stream) n++;
      return { greeting: String(n) };
    },
    async greetServerStream(request, stream) {
      for (let i = 0; i < 3; i++) await stream.send({ greeting: request.name });
    },
  });
  const { port } = await server.listen();
  const sessions: ClientHttp2Session[] = Array.from({ length: 4 }, () => connect(`http://127.0.0.1:${port}`));
  for (const session of sessions) session.on("error", () => undefined);
  let done = 0;
  const worker = async (w: number): Promise<void> => {
    while (done < count) {
      const i = done++;
      const slot = (w + i) % sessions.length;
      let session = sessions[slot]!;
      if (session.closed || session.destroyed) {
        session = sessions[slot] = connect(`http://127.0.0.1:${port}`);
        session.on("error", () => undefined);
      }
      const { headers, body } = fuzzRequest(rng);
      await new Promise<void>((resolve) => {
        const stream = session.request(headers, { endStream: false });
        const timer = setTimeout(() => {
          if (problems.length < 20) problems.push(`server #${i}: no answer within ${requestLimitMs} ms to ${JSON.stringify(headers)} ${hex(body)}`);
          stream.close(constants.NGHTTP2_CANCEL);
        }, requestLimitMs);
        stream.on("error", () => undefined);
        stream.resume();
        stream.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        stream.end(body);
      });
    }
  };
  await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
  for (const session of sessions) session.close();
  await server.close({ graceMs: 1_000 });
  for (const error of unexpected.slice(0, 5)) problems.push(`server handler error reached onError: ${String(error)}`);
  return count;
}
