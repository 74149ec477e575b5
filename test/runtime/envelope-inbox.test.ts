// The receive side shared by ServerCall and ClientCall (runtime-template/protocol/envelope-inbox.ts), in
// memory: envelopes cut anywhere by chunks, the queue and its reads (decode is the owner's), ends and errors, limits,
// compression, the end envelope of body-status protocols, flow-control hooks and unary `single()`.
import { describe, expect, it } from "vitest";
import { EnvelopeInbox, envelopeInboxHighWater, type EnvelopeInboxOptions, type EnvelopeInboxOwner } from "../../runtime-template/protocol/envelope-inbox.js";
import { GrpcWebTextDecoder, grpcWebTextEncode } from "../../runtime-template/protocol/grpc-web/grpcweb-text.js";
import { Code } from "../../runtime-template/protocol/status-code.js";
import { isEnded, TripleError } from "../../runtime-template/protocol/triple-error.js";
import { nodeGzip } from "../../runtime-template/transport/node/gzip.js";

interface Text {
  text: string;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Decodes a one-field message (`string text = 1`) by hand, as an owner's `decode` would: a bad one is a TripleError. */
function decodeText(buf: Uint8Array, start: number, end: number): Text {
  const bytes = buf.subarray(start, end);
  if (bytes.length === 0) return { text: "" };
  if (bytes[0] !== 10 || bytes[1] !== bytes.length - 2) throw new TripleError(Code.INTERNAL, `failed to decode test.Text: unexpected tag ${bytes[0]}`);
  return { text: utf8Decoder.decode(bytes.subarray(2)) };
}


function payloadOf(text: string): Uint8Array {
  const bytes = utf8.encode(text);
  if (bytes.length > 127) throw new Error("test payloads stay below 128 bytes");
  return new Uint8Array([10, bytes.length, ...bytes]);
}

function envelope(payload: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An owner that records every hook call. */
class Owner implements EnvelopeInboxOwner {
  readonly events: string[] = [];
  readonly ends: Uint8Array[] = [];
  readonly badBodies: unknown[] = [];
  readonly badMessages: TripleError[] = [];
  inboxEnd(payload: Uint8Array): void {
    this.events.push("end");
    this.ends.push(payload);
  }
  inboxBadBody(error: unknown): void {
    this.events.push("badBody");
    this.badBodies.push(error);
  }
  inboxBadMessage(error: TripleError): void {
    this.events.push("badMessage");
    this.badMessages.push(error);
  }
  inboxFull(): void {
    this.events.push("full");
  }
  inboxDrained(): void {
    this.events.push("drained");
  }
}

function inbox(options: Partial<EnvelopeInboxOptions<Text>> = {}): { inbox: EnvelopeInbox<Text>; owner: Owner } {
  const owner = new Owner();
  const box = new EnvelopeInbox<Text>(owner, {
    decode: decodeText,
    maxMessageBytes: 1024,
    endFlag: 0,
    ...options,
  });
  return { inbox: box, owner };
}

async function drain(box: EnvelopeInbox<Text>): Promise<string[]> {
  const texts: string[] = [];
  for (;;) {
    const step = await box.next();
    if (step.done === true) return texts;
    texts.push(step.value.text);
  }
}

const rejection = async (promise: Promise<unknown>): Promise<TripleError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TripleError);
  return error as TripleError;
};

describe("EnvelopeInbox: messages", () => {
  const texts = ["a", "", "hello", "ü and €", "x".repeat(100)];
  const body = concat(texts.map((t) => envelope(payloadOf(t))));

  it("delivers every message in order however chunks cut the body (every one- and two-cut split)", async () => {
    for (let i = 0; i <= body.length; i++) {
      for (let j = i; j <= body.length; j += 7) {
        const { inbox: box } = inbox();
        box.receive(body.subarray(0, i));
        box.receive(body.subarray(i, j));
        box.receive(body.subarray(j));
        expect(box.size).toBe(texts.length);
        expect(box.truncation()).toBeUndefined();
        box.end();
        expect(await drain(box)).toEqual(texts);
      }
    }
  });

  it("delivers byte by byte, and a read waiting before the bytes arrive gets the first message", async () => {
    const { inbox: box } = inbox();
    const first = box.recv();
    for (const byte of body) box.receive(new Uint8Array([byte]));
    expect((await first).text).toBe("a");
    box.end();
    expect(await drain(box)).toEqual(texts.slice(1));
  });

  it("refuses a second concurrent recv() with FAILED_PRECONDITION", async () => {
    const { inbox: box } = inbox();
    const pending = box.recv();
    const error = await rejection(box.recv());
    expect(error.code).toBe(Code.FAILED_PRECONDITION);
    box.receive(envelope(payloadOf("later")));
    expect((await pending).text).toBe("later");
  });

  it("ends normally: queued messages first, then the ended error for recv() and done for next()", async () => {
    const { inbox: box } = inbox();
    const waiting = box.recv();
    box.end();
    expect(isEnded(await rejection(waiting))).toBe(true);
    expect(isEnded(await rejection(box.recv()))).toBe(true);
    expect(await box.next()).toEqual({ value: undefined, done: true });
  });

  it("ends with an error after the queued messages; only the first end counts", async () => {
    const { inbox: box } = inbox();
    box.receive(envelope(payloadOf("kept")));
    const failure = new TripleError(Code.UNAVAILABLE, "gone");
    box.end(failure);
    box.end();
    expect((await box.recv()).text).toBe("kept");
    expect(await rejection(box.next())).toBe(failure);
    expect(box.failure).toBe(failure);
  });

  it("abort drops the queue, rejects a waiting read and ignores later bytes; the first error wins", async () => {
    const { inbox: box } = inbox();
    box.receive(envelope(payloadOf("dropped")));
    box.abort(new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded"));
    box.abort(new TripleError(Code.CANCELLED, "later"));
    expect(box.size).toBe(0);
    box.receive(envelope(payloadOf("ignored")));
    expect(box.size).toBe(0);
    expect((await rejection(box.recv())).code).toBe(Code.DEADLINE_EXCEEDED);

    const { inbox: other } = inbox();
    const waiting = other.recv();
    other.end(); // a normal end, then a failure: the failure decides
    other.abort(new TripleError(Code.CANCELLED, "cancelled"));
    expect(isEnded(await rejection(waiting))).toBe(true);
    expect((await rejection(other.recv())).code).toBe(Code.CANCELLED);
  });

  it("clear() drops queued messages only: the stream goes on", async () => {
    const { inbox: box } = inbox();
    box.receive(concat([envelope(payloadOf("1")), envelope(payloadOf("2"))]));
    box.clear();
    expect(box.size).toBe(0);
    box.receive(envelope(payloadOf("3")));
    box.end();
    expect(await drain(box)).toEqual(["3"]);
  });

  it("hands decode the exact range of each payload, without copying payloads that sit in one chunk", async () => {
    const seen: [Uint8Array, number, number][] = [];
    const { inbox: box } = inbox({ decode: (buf, start, end) => (seen.push([buf, start, end]), decodeText(buf, start, end)) });
    const chunk = concat([envelope(payloadOf("one")), envelope(payloadOf("two"))]);
    box.receive(chunk);
    box.end();
    expect(await drain(box)).toEqual(["one", "two"]);
    expect(seen.map(([buf, start, end]) => [buf === chunk, start, end])).toEqual([
      [true, 5, 10],
      [true, 15, 20],
    ]);
  });
});

describe("EnvelopeInbox: bad input", () => {
  it("reports a message that does not decode to the owner with decode's error, and fails that read", async () => {
    const { inbox: box, owner } = inbox();
    box.receive(concat([envelope(new Uint8Array([8, 1])), envelope(payloadOf("after"))]));
    const error = await rejection(box.recv());
    expect(error.code).toBe(Code.INTERNAL);
    expect(error.rawMessage).toBe("failed to decode test.Text: unexpected tag 8");
    expect(owner.badMessages).toEqual([error]);
  });

  it("refuses unknown flags (INTERNAL) and keeps the messages that came before", async () => {
    const { inbox: box, owner } = inbox();
    box.receive(concat([envelope(payloadOf("before")), envelope(payloadOf("bad"), 0x04)]));
    expect(owner.events).toEqual(["badBody"]);
    expect((owner.badBodies[0] as TripleError).code).toBe(Code.INTERNAL);
    expect((owner.badBodies[0] as TripleError).rawMessage).toMatch(/invalid envelope flags 4/);
    expect((await box.recv()).text).toBe("before");
  });

  it("refuses a declared length over maxMessageBytes at once (RESOURCE_EXHAUSTED), before the payload arrives", () => {
    const { inbox: box, owner } = inbox({ maxMessageBytes: 16 });
    box.receive(new Uint8Array([0, 0, 0, 0, 17]));
    expect((owner.badBodies[0] as TripleError).code).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it("decompresses with the stream's compression, refuses compressed messages without one, and tells the target", async () => {
    const target = { requestCompressed: false };
    const { inbox: box, owner } = inbox({ compressedTarget: target });
    const zipped = envelope(nodeGzip.compress(payloadOf("zipped")), 0x01);
    box.receive(zipped);
    expect((owner.badBodies[0] as TripleError).rawMessage).toMatch(/compressed message without grpc-encoding/);

    const { inbox: gz } = inbox({ compressedTarget: target });
    gz.compression = nodeGzip;
    gz.receive(concat([zipped, envelope(payloadOf("plain"))]));
    expect((await gz.recv()).text).toBe("zipped");
    expect(target.requestCompressed).toBe(true);
    expect((await gz.recv()).text).toBe("plain");
    expect(target.requestCompressed).toBe(false);
  });

  it("reports a body that ended inside an envelope as truncated", () => {
    const { inbox: box } = inbox();
    box.receive(envelope(payloadOf("cut")).subarray(0, 7));
    const error = box.truncation();
    expect(error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(error?.rawMessage).toMatch(/incomplete envelope: 7 bytes left over/);
  });

  it("runs received bytes through decodeChunk (grpc-web-text) and reports its errors as a bad body", async () => {
    const decoder = new GrpcWebTextDecoder(Code.INTERNAL);
    const { inbox: box, owner } = inbox({ decodeChunk: (chunk) => decoder.push(chunk) });
    const text = utf8.encode(grpcWebTextEncode(envelope(payloadOf("base64"))));
    box.receive(text.subarray(0, 3));
    box.receive(text.subarray(3));
    expect((await box.recv()).text).toBe("base64");
    box.receive(utf8.encode("!!!!"));
    expect(owner.events).toEqual(["drained", "badBody"]);
  });
});

describe("EnvelopeInbox: end envelopes, flow control, single()", () => {
  it("hands the end envelope's payload (decompressed) to the owner and parses nothing after it", async () => {
    const { inbox: box, owner } = inbox({ endFlag: 0x80 });
    box.compression = nodeGzip;
    const trailers = utf8.encode("grpc-status: 0\r\n");
    box.receive(concat([envelope(payloadOf("last")), envelope(nodeGzip.compress(trailers), 0x81), envelope(payloadOf("after"))]));
    expect(owner.events).toEqual(["end"]);
    expect([...(owner.ends[0] as Uint8Array)]).toEqual([...trailers]);
    expect(box.size).toBe(1);
    expect(box.truncation()).toBeDefined(); // the bytes after the end envelope were never read
    expect((await box.recv()).text).toBe("last");

    const { owner: grpc } = (() => {
      const made = inbox({ endFlag: 0 });
      made.inbox.receive(envelope(trailers, 0x80));
      return made;
    })();
    expect((grpc.badBodies[0] as TripleError).rawMessage).toMatch(/invalid envelope flags 128/);
  });

  it(`asks the owner to pause at ${envelopeInboxHighWater} queued messages and to resume once they are read`, async () => {
    const { inbox: box, owner } = inbox();
    box.receive(concat(Array.from({ length: envelopeInboxHighWater - 1 }, (_, i) => envelope(payloadOf(String(i))))));
    expect(owner.events).toEqual([]);
    box.receive(envelope(payloadOf("63")));
    expect(owner.events).toEqual(["full"]);
    for (let i = 0; i < envelopeInboxHighWater - 1; i++) await box.next();
    expect(owner.events).toEqual(["full"]);
    expect((await box.recv()).text).toBe("63");
    expect(owner.events).toEqual(["full", "drained"]);
    // The emptied queue is reused.
    box.receive(envelope(payloadOf("again")));
    expect((await box.recv()).text).toBe("again");
  });

  it("single(): the one message at the end; none, a second one, or an error fail it", async () => {
    const one = inbox();
    const answer = one.inbox.single();
    one.inbox.receive(envelope(payloadOf("only")));
    one.inbox.end();
    expect((await answer).text).toBe("only");

    const none = inbox();
    none.inbox.end();
    const missing = await rejection(none.inbox.single());
    expect(missing.code).toBe(Code.UNIMPLEMENTED);
    expect(missing.rawMessage).toMatch(/missing response message/);

    const two = inbox();
    const refused = two.inbox.single();
    two.inbox.receive(concat([envelope(payloadOf("1")), envelope(payloadOf("2"))]));
    expect(two.owner.badMessages[0]?.code).toBe(Code.UNIMPLEMENTED);
    expect(two.owner.badMessages[0]?.rawMessage).toMatch(/more than one response message/);
    expect(two.inbox.size).toBe(0);
    const failure = new TripleError(Code.CANCELLED, "cancelled");
    two.inbox.end(failure);
    expect(await rejection(refused)).toBe(failure);
  });

  it("abort() settles a pending single() with its error (no waiter left hanging)", async () => {
    const box = inbox();
    const answer = box.inbox.single();
    const failure = new TripleError(Code.DEADLINE_EXCEEDED, "deadline");
    box.inbox.abort(failure);
    expect(await rejection(answer)).toBe(failure);
  });

  it("holds thousands of messages from one chunk, in order (the queue grows as deep as it must)", async () => {
    const box = inbox();
    const texts = Array.from({ length: 3_000 }, (_, i) => `m${i}`);
    box.inbox.receive(concat(texts.map((t) => envelope(payloadOf(t)))));
    box.inbox.end();
    expect(await drain(box.inbox)).toEqual(texts);
  });
});

