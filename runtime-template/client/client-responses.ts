import { EnvelopeQueue } from "../protocol/envelope.js";
import { protobufDecodeRange } from "../protobuf/message-codec.js";
import type { JsonReadOptions, MessageCodec } from "../protobuf/message-type.js";
import type { ProtobufError } from "../protobuf/protobuf-error.js";
import { Code } from "../protocol/status-code.js";
import { streamLastStep, streamStep } from "../protocol/stream-steps.js";
import { streamEndedError, TripleError } from "../protocol/triple-error.js";
import { BinaryReader } from "../protobuf/wire-reader.js";

/** What a call's response messages need from the call itself. */
export interface ClientResponsesCall {
  /** The call's final status once it has ended (code OK for a normal end); undefined while it runs. */
  readonly endStatus: TripleError | undefined;
  /** Fails the call: a response did not decode, or a unary call got a second one. */
  cancel(reason: TripleError): void;
  /** Every queued response was read: a paused response stream may flow again. */
  drained(): void;
}

type ClientResponseWaiter<O> = { resolve: (message: O) => void; reject: (error: unknown) => void };

/**
 * The response messages of a client call as the application reads them: payloads queued as they arrive
 * (ranges of the received chunks, see `EnvelopeReader.nextRange`), decoded only when read, and handed
 * out by `recv()`, by async-iterator steps (`next()`) or, for unary and client-streaming calls, by
 * `single()`. The call reports arrivals (`arrived()`) and its end (`ended()`).
 */
export class ClientResponses<O extends object> {
  private readonly queue = new EnvelopeQueue();
  private readonly call: ClientResponsesCall;
  private readonly codec: MessageCodec<O>;
  private readonly json: JsonReadOptions | undefined;
  private readonly maxDepth: number;
  /** Decodes binary messages (created with the first one). */
  private reader: BinaryReader | undefined;
  private waiter: ClientResponseWaiter<O> | undefined;
  private singleWaiter: ClientResponseWaiter<O> | undefined;

  constructor(call: ClientResponsesCall, codec: MessageCodec<O>, json: JsonReadOptions | undefined, maxDepth: number) {
    this.call = call;
    this.codec = codec;
    this.json = json;
    this.maxDepth = maxDepth;
  }

  /** Messages received and not read yet. */
  get size(): number {
    return this.queue.size;
  }

  /** Queues the payload at `buf[start, end)`. */
  push(buf: Uint8Array, start: number, end: number): void {
    this.queue.push(buf, start, end);
  }

  /** Drops every message not read yet (the call was cancelled). */
  clear(): void {
    this.queue.clear();
  }

  /** The next message; rejects with the ended error ({@link isEnded}) or the call's error. */
  recv(): Promise<O> {
    if (this.waiter !== undefined) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "recv() is already pending"));
    if (this.queue.size > 0) {
      try {
        return Promise.resolve(this.take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const status = this.call.endStatus;
    if (status !== undefined) return Promise.reject(status.code === Code.OK ? streamEndedError() : status);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * `recv()` as an async iterator step: `{ value, done: false }` per message, `{ done: true }` at a
   * normal end, rejecting with the call's error. A message already received costs one resolved promise
   * (no chained `then`), which is what a `for await` over a fast stream spends most of its time on.
   */
  next(): Promise<IteratorResult<O, undefined>> {
    if (this.waiter === undefined && this.queue.size > 0) {
      try {
        return Promise.resolve(streamStep(this.take()));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.recv().then(streamStep, streamLastStep);
  }

  /**
   * The one response of a unary or client-streaming call, settled when the call ends: none, or a
   * second message, is a protocol error (INTERNAL; a second one cancels the call at once). One promise
   * per call instead of a `recv()` per message plus one for the end.
   */
  single(): Promise<O> {
    return new Promise((resolve, reject) => {
      this.singleWaiter = { resolve, reject };
      if (this.call.endStatus !== undefined) this.settleSingle();
    });
  }

  /** After messages were queued: hands one to a waiting `recv()`, and refuses a unary call's second one. */
  arrived(): void {
    if (this.singleWaiter !== undefined && this.queue.size > 1) {
      this.queue.clear();
      this.call.cancel(new TripleError(Code.UNIMPLEMENTED, "protocol error: more than one response message"));
    }
    const waiter = this.waiter;
    if (waiter !== undefined && this.queue.size > 0) {
      this.waiter = undefined;
      try {
        waiter.resolve(this.take());
      } catch (error) {
        waiter.reject(error);
      }
    }
  }

  /** The call ended (`endStatus` is set): a waiting `recv()` gets the end or the error, `single()` settles. */
  ended(): void {
    const waiter = this.waiter;
    const status = this.call.endStatus as TripleError;
    if (waiter !== undefined && this.queue.size === 0) {
      this.waiter = undefined;
      waiter.reject(status.code === Code.OK ? streamEndedError() : status);
    }
    this.settleSingle();
  }

  private settleSingle(): void {
    const waiter = this.singleWaiter;
    if (waiter === undefined) return;
    this.singleWaiter = undefined;
    const status = this.call.endStatus as TripleError;
    if (status.code !== Code.OK) return waiter.reject(status);
    if (this.queue.size === 0) return waiter.reject(new TripleError(Code.UNIMPLEMENTED, "protocol error: missing response message"));
    try {
      waiter.resolve(this.take());
    } catch (error) {
      waiter.reject(error);
    }
  }

  /** Decodes the oldest queued message; one that does not decode fails the call (INTERNAL). */
  private take(): O {
    const queue = this.queue;
    queue.shift();
    if (queue.size === 0) this.call.drained();
    try {
      return this.json !== undefined
        ? this.codec.fromJsonString(new TextDecoder().decode(queue.buf.subarray(queue.start, queue.end)), this.json)
        : protobufDecodeRange(this.codec, (this.reader ??= new BinaryReader(queue.buf, this.maxDepth)), queue.buf, queue.start, queue.end);
    } catch (error) {
      const failure = new TripleError(Code.INTERNAL, `failed to decode ${this.codec.typeName}: ${(error as ProtobufError).message}`, { cause: error });
      this.call.cancel(failure);
      throw failure;
    }
  }
}
