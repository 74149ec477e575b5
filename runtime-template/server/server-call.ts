import { envelopeFlagCompressed, envelopePayload, EnvelopeReader, envelopeTruncatedError, envelopeWrite } from "../protocol/envelope.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import { http2Drained, http2TakeChunk } from "../transport/http2-stream.js";
import type { MethodInfo } from "../protocol/method-info.js";
import type { HandlerContext } from "./server-context.js";
import { serverDecodeRequest } from "./server-decode.js";
import type { ServerCallControl } from "./call-lifecycle.js";
import type { ServerCallSettings } from "./server-settings.js";
import { serverResponseHeaders, serverSafely, serverStatusTrailers, serverStopRequest, serverTrailersOnly } from "./server-status.js";
import { Code } from "../protocol/status-code.js";
import { protobufEmptyBytes } from "../protobuf/message-codec.js";
import { streamLastStep, streamStep } from "../protocol/stream-steps.js";
import { streamEndedError, TripleError } from "../protocol/triple-error.js";
import { BinaryWriter } from "../protobuf/wire-writer.js";
import type { ServerWire } from "./server-wire.js";

const serverCallResolved: Promise<void> = Promise.resolve();
const serverCallFlushBytes = 16 * 1024;
const serverCallQueueHigh = 64;
/** How long a Connect/gRPC-Web call whose status went out waits for the client's half-close before a reset. */
const serverCallBodyLingerMs = 1_000;

/**
 * The server side of one gRPC call: request envelopes parsed as they arrive (`recv()`, with HTTP/2
 * flow control pausing a client that sends faster than the handler reads), responses coalesced into
 * few DATA writes, and the final status as trailers — or as a trailers-only response when nothing
 * was sent yet. With a `wire` (Connect streaming, gRPC-Web) the status ends the body instead, as that
 * protocol's last frame; everything else is the same code.
 */
export class ServerCall<I extends object, O extends object> implements ServerCallControl {
  readonly ctx: HandlerContext;
  private readonly method: MethodInfo<I, O>;
  private readonly stream: ServerStreamLike;
  private readonly settings: ServerCallSettings;
  private readonly reader: EnvelopeReader;
  private readonly out = new BinaryWriter(64);
  private readonly queue: Uint8Array[] = [];
  /** Whether each queued request message arrived compressed (parallel to `queue`). */
  private readonly queueCompressed: boolean[] = [];
  private queueHead = 0;
  private waiter: { resolve: (m: I) => void; reject: (e: unknown) => void } | undefined;
  private requestEnded = false;
  private failure: TripleError | undefined;
  private headersSent = false;
  private finished = false;
  private flushScheduled = false;
  private drain: Promise<void> | undefined;
  private readonly wire: ServerWire | undefined;

  constructor(method: MethodInfo<I, O>, stream: ServerStreamLike, ctx: HandlerContext, settings: ServerCallSettings, wire?: ServerWire) {
    this.method = method;
    this.stream = stream;
    this.ctx = ctx;
    this.settings = settings;
    this.wire = wire;
    ctx.onSendHeaders(() => {
      if (!this.headersSent && !this.finished && !this.stream.closed && !this.stream.destroyed) this.sendHeaders();
    });
    this.reader = new EnvelopeReader(settings.maxReceiveMessageBytes);
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.on("end", () => this.onEnd());
  }

  /** Whether the status was already sent (or the stream is gone). */
  get done(): boolean {
    return this.finished;
  }

  /** The next request message; rejects with the ended error ({@link isEnded}) when the client half-closed. */
  recv(): Promise<I> {
    if (this.waiter !== undefined) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "recv() is already pending"));
    if (this.queueHead < this.queue.length) {
      try {
        return Promise.resolve(this.take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.requestEnded) return Promise.reject(streamEndedError());
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** `recv()` as an async iterator step; a message already received costs one resolved promise. */
  next(): Promise<IteratorResult<I, undefined>> {
    if (this.waiter === undefined && this.queueHead < this.queue.length) {
      try {
        return Promise.resolve(streamStep(this.take()));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.recv().then(streamStep, streamLastStep);
  }

  /** Sends a response message; resolves when the stream can take more (HTTP/2 flow control). */
  send(message: O): Promise<void> {
    if (this.finished) return Promise.reject(this.failure ?? new TripleError(Code.FAILED_PRECONDITION, "call already finished"));
    // The client reset the stream (cancel, deadline): nothing sent now would arrive.
    if (this.stream.closed || this.stream.destroyed) {
      return Promise.reject(this.failure ?? new TripleError(Code.CANCELLED, "client cancelled the call"));
    }
    if (!this.headersSent && !this.sendHeaders()) {
      return Promise.reject(new TripleError(Code.INTERNAL, "response headers could not be sent"));
    }
    const s = this.settings;
    const compress = this.ctx.compressResponses;
    envelopeWrite(this.out, this.method.output, message, compress === false ? undefined : s.responseCompression, compress === true ? 0 : s.compressMinBytes, s.jsonWrite);
    if (this.out.pos >= serverCallFlushBytes) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    return this.drain ?? serverCallResolved;
  }

  /** Ends the call with OK, or with the status of `error` (non-TripleErrors become UNKNOWN). */
  finish(error?: TripleError): void {
    if (this.finished) return;
    this.finished = true;
    if (this.wire !== undefined) return this.finishBody(this.wire, error);
    const trailers = serverStatusTrailers(this.ctx, error);
    if (this.stream.destroyed || this.stream.closed) return;
    if (!this.headersSent) {
      this.headersSent = true;
      serverTrailersOnly(this.stream, this.ctx, this.settings.contentType, trailers, () => this.stopRequest());
      return;
    }
    this.flushScheduled = false;
    const chunk = http2TakeChunk(this.stream, this.out);
    this.stream.once("wantTrailers", () => {
      if (this.stream.destroyed) return;
      if (serverSafely(this.stream, () => this.stream.sendTrailers(trailers))) this.stopRequest();
    });
    // The last messages ride on the frame that ends the stream.
    if (chunk === undefined) this.stream.end();
    else this.stream.end(chunk);
  }

  /** Ends a body-status call (Connect, gRPC-Web): headers if none went out, pending messages, the status frame. */
  private finishBody(wire: ServerWire, error: TripleError | undefined): void {
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    if (!this.headersSent) {
      this.headersSent = true;
      if (!serverSafely(stream, () => stream.respond(wire.responseHeaders(this.ctx, this.settings)))) return;
    }
    this.flushScheduled = false;
    const pending = http2TakeChunk(stream, this.out);
    let frame: Uint8Array;
    try {
      frame = wire.endFrame(this.ctx, error);
    } catch (cause) {
      // Trailers the protocol cannot carry (a gRPC-Web trailer value with a line break): INTERNAL instead.
      frame = wire.endFrame(undefined, new TripleError(Code.INTERNAL, "response trailers could not be encoded", { cause }));
    }
    if (pending === undefined) stream.end(frame);
    else {
      const head = wire.encode(pending);
      const tail = new Uint8Array(head.length + frame.length);
      tail.set(head, 0);
      tail.set(frame, head.length);
      stream.end(tail);
    }
    // A client still sending is stopped (RST_STREAM NO_ERROR) only after a moment: the status travels
    // in DATA here, and nghttp2 sends a reset ahead of DATA still queued, which would cut it off.
    if (this.requestEnded) return;
    const timer = setTimeout(() => {
      if (!this.requestEnded && !stream.closed && !stream.destroyed) stream.close(0);
    }, serverCallBodyLingerMs);
    timer.unref?.();
    stream.once("close", () => clearTimeout(timer));
  }

  private stopRequest(): void {
    serverStopRequest(this.stream, () => this.requestEnded);
  }

  /** Fails pending and future `recv()` calls (client gone, deadline, bad input). */
  abortReceive(error: TripleError): void {
    if (this.failure === undefined) this.failure = error;
    this.queue.length = 0;
    this.queueCompressed.length = 0;
    this.queueHead = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  private sendHeaders(): boolean {
    this.headersSent = true;
    const wire = this.wire;
    const sent =
      wire === undefined
        ? serverSafely(this.stream, () => this.stream.respond(serverResponseHeaders(this.ctx, this.settings), { waitForTrailers: true }))
        : serverSafely(this.stream, () => this.stream.respond(wire.responseHeaders(this.ctx, this.settings)));
    if (sent) return true;
    this.finished = true;
    return false;
  }

  private flush(): void {
    this.flushScheduled = false;
    const taken = http2TakeChunk(this.stream, this.out);
    if (taken === undefined) return;
    const chunk = this.wire === undefined ? taken : this.wire.encode(taken);
    if (!this.stream.write(chunk) && this.drain === undefined) {
      this.drain = http2Drained(this.stream).then(() => void (this.drain = undefined));
    }
  }

  private take(): I {
    const data = this.queue[this.queueHead] as Uint8Array;
    this.ctx.requestCompressed = this.queueCompressed[this.queueHead] === true;
    this.queue[this.queueHead++] = protobufEmptyBytes;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueCompressed.length = 0;
      this.queueHead = 0;
      if (!this.requestEnded && this.stream.isPaused()) this.stream.resume();
    }
    try {
      return serverDecodeRequest(this.method.input, data, this.settings.jsonRead, this.settings.maxMessageDepth);
    } catch (error) {
      this.abortReceive(error as TripleError);
      throw error;
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.failure !== undefined) return;
    try {
      this.reader.push(this.wire === undefined ? chunk : this.wire.decode(chunk));
      const reader = this.reader;
      for (let data = reader.next(); data !== undefined; data = reader.next()) {
        this.queue.push(envelopePayload(data, reader.flags, this.settings.requestCompression, this.settings.maxReceiveMessageBytes));
        this.queueCompressed.push((reader.flags & envelopeFlagCompressed) !== 0);
      }
    } catch (error) {
      const failure = error instanceof TripleError ? error : new TripleError(Code.INTERNAL, "internal error", { cause: error });
      this.abortReceive(failure);
      this.finish(failure);
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined && this.queueHead < this.queue.length) {
      this.waiter = undefined;
      try {
        waiter.resolve(this.take());
      } catch (error) {
        waiter.reject(error);
      }
    }
    if (this.queue.length - this.queueHead >= serverCallQueueHigh) this.stream.pause();
  }

  private onEnd(): void {
    this.requestEnded = true;
    if (this.wire !== undefined && this.failure === undefined) {
      try {
        this.wire.decodeEnd();
      } catch (error) {
        this.abortReceive(error as TripleError);
        this.finish(error as TripleError);
        return;
      }
    }
    if (this.reader.pendingBytes > 0 && this.failure === undefined) {
      const failure = envelopeTruncatedError(this.reader.pendingBytes);
      this.abortReceive(failure);
      this.finish(failure);
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined && this.queueHead >= this.queue.length) {
      this.waiter = undefined;
      waiter.reject(streamEndedError());
    }
  }
}
