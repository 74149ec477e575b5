import type { Compressor } from "./compression.js";
import { envelopeFlagCompressed, envelopePayload, EnvelopeReader, envelopeTruncatedError } from "./envelope.js";
import { Code } from "./status-code.js";
import { streamLastStep, streamStep } from "./stream-steps.js";
import { streamEndedError, TripleError } from "./triple-error.js";

/** Messages queued before the owner is told to pause the stream (HTTP/2 flow control does the rest). */
export const envelopeInboxHighWater = 64;

const envelopeInboxNoBytes = new Uint8Array(0);

/** What an inbox needs from the call that owns it. */
export interface EnvelopeInboxOwner {
  /**
   * An envelope with the protocol's end flag arrived (Connect end-stream, gRPC-Web trailers): its
   * payload, decompressed. Nothing after it in that chunk is parsed.
   */
  inboxEnd(payload: Uint8Array): void;
  /**
   * The received bytes broke the envelope rules (bad flags, a message over the limit, a compressed
   * message without an encoding, a bad decompression or base64 text). Messages queued before stay queued.
   */
  inboxBadBody(error: unknown): void;
  /**
   * A message failed: it did not decode (`error` is what `decode` threw), or a unary response
   * was followed by a second one (the queue is already dropped then).
   */
  inboxBadMessage(error: TripleError): void;
  /** The queue reached {@link envelopeInboxHighWater} messages: stop reading the stream for now. */
  inboxFull(): void;
  /** A read emptied the queue: a paused stream may flow again. */
  inboxDrained(): void;
}

/** How an inbox parses and decodes what it receives. */
export interface EnvelopeInboxOptions<T extends object> {
  /**
   * Decodes the payload at `buf[start, end)`, throwing the TripleError a bad one fails the stream with.
   * The owner's: requests and responses differ in the code of that error (INVALID_ARGUMENT for a
   * client's bad request, INTERNAL for a server's bad response), and each side keeps its own decode
   * call site, which V8 then sees with one message type per method instead of all of them.
   */
  readonly decode: (buf: Uint8Array, start: number, end: number) => T;
  /** Largest message accepted, before and after decompression (RESOURCE_EXHAUSTED beyond). */
  readonly maxMessageBytes: number;
  /** The envelope flag that ends the body (Connect 0x02, gRPC-Web 0x80); 0 when none may arrive. */
  readonly endFlag: number;
  /** Turns received bytes into envelope bytes (grpc-web-text's base64); throws on bad input. */
  readonly decodeChunk?: ((chunk: Uint8Array) => Uint8Array) | undefined;
  /** Told, as each message is read, whether it arrived compressed (the server's `HandlerContext`). */
  readonly compressedTarget?: { requestCompressed: boolean } | undefined;
}

type EnvelopeInboxWaiter<T> = { resolve: (message: T) => void; reject: (error: unknown) => void };

/**
 * The receive side of every enveloped stream, server (`ServerCall`) and client (`ClientCall`) alike:
 * received bytes are split into envelopes, payloads queued as ranges of the received chunks (decoded
 * only when read) and handed to one reader at a time — `recv()`, async-iterator steps (`next()`) or,
 * for a unary response, `single()`. The owner feeds it chunks (`receive`), says when the stream ended
 * (`end`, or `abort` to drop what is queued), and decides through {@link EnvelopeInboxOwner} what
 * differs: what an end envelope means, how a failure ends the call, flow control.
 */
export class EnvelopeInbox<T extends object> {
  /** How compressed envelopes are decompressed (the stream's encoding; undefined: none may arrive). */
  compression: Compressor | undefined = undefined;
  private readonly owner: EnvelopeInboxOwner;
  private readonly reader: EnvelopeReader;
  private readonly decode: (buf: Uint8Array, start: number, end: number) => T;
  private readonly maxBytes: number;
  private readonly endFlag: number;
  private readonly decodeChunk: ((chunk: Uint8Array) => Uint8Array) | undefined;
  private readonly compressedTarget: { requestCompressed: boolean } | undefined;
  // The queue: payload i sits at bufs[i][starts[i], ends[i]), its envelope flags in flags[i]; entries
  // [head, bufs.length) wait, and the arrays are truncated whenever the queue empties. Plain arrays of
  // small integers: an Int32Array of ranges (off the JS heap, reused) measured 5 % more client CPU per
  // streamed message (bench/rpc client A/B, 2026-12-06).
  private readonly bufs: Uint8Array[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly flags: number[] = [];
  private head = 0;
  private waiter: EnvelopeInboxWaiter<T> | undefined;
  private singleWaiter: EnvelopeInboxWaiter<T> | undefined;
  private ended = false;
  /** Why the stream ended, when not normally. */
  private endError: TripleError | undefined;

  constructor(owner: EnvelopeInboxOwner, options: EnvelopeInboxOptions<T>) {
    this.owner = owner;
    this.decode = options.decode;
    this.maxBytes = options.maxMessageBytes;
    this.endFlag = options.endFlag;
    this.decodeChunk = options.decodeChunk;
    this.compressedTarget = options.compressedTarget;
    this.reader = new EnvelopeReader(options.maxMessageBytes);
    this.reader.allowedFlags |= options.endFlag;
  }

  /** Messages received and not read yet. */
  get size(): number {
    return this.bufs.length - this.head;
  }

  /** The error the stream ended with (`abort`, or `end` with one); received bytes are ignored once set. */
  get failure(): TripleError | undefined {
    return this.endError;
  }

  /** The error of a body that ended inside an envelope, if it did (call when the body ended). */
  truncation(): TripleError | undefined {
    const pending = this.reader.pendingBytes;
    return pending > 0 ? envelopeTruncatedError(pending) : undefined;
  }

  /**
   * Parses received bytes: complete envelopes are queued (compressed ones decompressed now), an end
   * envelope goes to the owner, and a waiting read gets the first message.
   */
  receive(chunk: Uint8Array): void {
    if (this.endError !== undefined) return;
    const reader = this.reader;
    try {
      const decodeChunk = this.decodeChunk;
      reader.push(decodeChunk === undefined ? chunk : decodeChunk(chunk));
      for (let buf = reader.nextRange(); buf !== undefined; buf = reader.nextRange()) {
        const flags = reader.flags;
        if (flags === 0) {
          this.push(buf, reader.payloadStart, reader.payloadEnd, 0);
        } else {
          const data = envelopePayload(buf.subarray(reader.payloadStart, reader.payloadEnd), flags, this.compression, this.maxBytes);
          if ((flags & this.endFlag) !== 0) {
            this.owner.inboxEnd(data);
            break;
          }
          this.push(data, 0, data.length, flags);
        }
      }
    } catch (error) {
      // Messages that arrived before the bad envelope stay readable unless the owner drops them.
      this.owner.inboxBadBody(error);
    }
    this.arrived();
  }

  /**
   * The stream ended: normally (`error` undefined), or with `error`. Reads get what is queued, then
   * the end; a waiting read and `single()` settle now. Only the first end counts.
   */
  end(error?: TripleError): void {
    if (!this.ended) {
      this.ended = true;
      this.endError = error;
    }
    const waiter = this.waiter;
    if (waiter !== undefined && this.bufs.length === this.head) {
      this.waiter = undefined;
      waiter.reject(this.endError ?? streamEndedError());
    }
    this.settleSingle();
  }

  /** Fails the stream with `error` (unless an error already ended it) and drops every queued message. */
  abort(error: TripleError): void {
    if (this.endError === undefined) this.endError = error;
    this.ended = true;
    this.clear();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.endError);
    this.settleSingle();
  }

  /** Drops every message not read yet. */
  clear(): void {
    this.bufs.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.flags.length = 0;
    this.head = 0;
  }

  /** The next message; rejects with the ended error (`isEnded` in triple-error.ts tells it) or the stream's error. */
  recv(): Promise<T> {
    if (this.waiter !== undefined) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "recv() is already pending"));
    if (this.bufs.length > this.head) {
      try {
        return Promise.resolve(this.take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.ended) return Promise.reject(this.endError ?? streamEndedError());
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * `recv()` as an async iterator step: `{ value, done: false }` per message, `{ done: true }` at a
   * normal end, rejecting with the stream's error. A message already received costs one resolved
   * promise (no chained `then`), which is what a `for await` over a fast stream spends most of its time on.
   */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.waiter === undefined && this.bufs.length > this.head) {
      try {
        return Promise.resolve(streamStep(this.take()));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.recv().then(streamStep, streamLastStep);
  }

  /**
   * The one message of a unary response, settled when the stream ends: none, or a second message, is a
   * protocol error (UNIMPLEMENTED, as gRPC reads it; a second one fails the call at once). One promise
   * per call instead of a `recv()` per message plus one for the end.
   */
  single(): Promise<T> {
    return new Promise((resolve, reject) => {
      this.singleWaiter = { resolve, reject };
      if (this.ended) this.settleSingle();
    });
  }

  private push(buf: Uint8Array, start: number, end: number, flags: number): void {
    this.bufs.push(buf);
    this.starts.push(start);
    this.ends.push(end);
    this.flags.push(flags);
  }

  /** After messages were queued: refuses a unary response's second one, hands one to a waiting read. */
  private arrived(): void {
    if (this.singleWaiter !== undefined && this.bufs.length - this.head > 1) {
      this.clear();
      this.owner.inboxBadMessage(new TripleError(Code.UNIMPLEMENTED, "protocol error: more than one response message"));
    }
    const waiter = this.waiter;
    if (waiter !== undefined && this.bufs.length > this.head) {
      this.waiter = undefined;
      try {
        waiter.resolve(this.take());
      } catch (error) {
        waiter.reject(error);
      }
    }
    if (this.bufs.length - this.head >= envelopeInboxHighWater) this.owner.inboxFull();
  }

  private settleSingle(): void {
    const waiter = this.singleWaiter;
    if (waiter === undefined) return;
    this.singleWaiter = undefined;
    if (this.endError !== undefined) return waiter.reject(this.endError);
    if (this.bufs.length === this.head) return waiter.reject(new TripleError(Code.UNIMPLEMENTED, "protocol error: missing response message"));
    try {
      waiter.resolve(this.take());
    } catch (error) {
      waiter.reject(error);
    }
  }

  /** Removes and decodes the oldest queued message; one that does not decode is reported to the owner. */
  private take(): T {
    const h = this.head;
    const buf = this.bufs[h] as Uint8Array;
    const start = this.starts[h] as number;
    const end = this.ends[h] as number;
    this.bufs[h] = envelopeInboxNoBytes;
    const target = this.compressedTarget;
    if (target !== undefined) target.requestCompressed = ((this.flags[h] as number) & envelopeFlagCompressed) !== 0;
    if (h + 1 === this.bufs.length) {
      this.clear();
      this.owner.inboxDrained();
    } else {
      this.head = h + 1;
    }
    try {
      return this.decode(buf, start, end);
    } catch (error) {
      this.owner.inboxBadMessage(error as TripleError);
      throw error;
    }
  }
}
