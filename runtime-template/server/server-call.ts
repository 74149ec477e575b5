import { envelopeWrite } from "../protocol/envelope.js";
import { EnvelopeInbox, type EnvelopeInboxOwner } from "../protocol/envelope-inbox.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import { http2Drained, http2TakeChunk } from "../transport/http2-stream.js";
import type { MethodInfo } from "../protocol/method-info.js";
import type { HandlerContext } from "./server-context.js";
import { serverDecodeRequest } from "./server-decode.js";
import type { ServerCallControl } from "./call-lifecycle.js";
import type { ServerCallSettings } from "./server-settings.js";
import { serverResponseHeaders, serverSafely, serverStatusTrailers, serverStopRequest, serverTrailersOnly } from "./server-status.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import { BinaryWriter } from "../protobuf/wire-writer.js";
import type { ServerWire } from "./server-wire.js";

const serverCallResolved: Promise<void> = Promise.resolve();
const serverCallFlushBytes = 16 * 1024;
/** How long a Connect/gRPC-Web call whose status went out waits for the client's half-close before a reset. */
const serverCallBodyLingerMs = 1_000;

/**
 * The server side of one gRPC call: request envelopes parsed as they arrive (`EnvelopeInbox`, read with
 * `recv()`; HTTP/2 flow control pauses a client that sends faster than the handler reads), responses
 * coalesced into few DATA writes, and the final status as trailers — or as a trailers-only response
 * when nothing was sent yet. With a `wire` (Connect streaming, gRPC-Web) the status ends the body instead, as that
 * protocol's last frame; everything else is the same code.
 */
export class ServerCall<I extends object, O extends object> implements ServerCallControl, EnvelopeInboxOwner {
  readonly ctx: HandlerContext;
  private readonly method: MethodInfo<I, O>;
  private readonly stream: ServerStreamLike;
  private readonly settings: ServerCallSettings;
  /** The request messages: parsed, queued and handed to the handler's reads. */
  private readonly inbox: EnvelopeInbox<I>;
  private readonly out = new BinaryWriter(64);
  private requestEnded = false;
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
    this.inbox = new EnvelopeInbox(this, {
      decode: (buf, start, end) => serverDecodeRequest(method.input, buf.subarray(start, end), settings.jsonRead, settings.maxMessageDepth),
      maxMessageBytes: settings.maxReceiveMessageBytes,
      endFlag: 0,
      decodeChunk: wire === undefined ? undefined : (chunk) => wire.decode(chunk),
      compressedTarget: ctx,
    });
    this.inbox.compression = settings.requestCompression;
    stream.on("data", (chunk: Uint8Array) => this.inbox.receive(chunk));
    stream.on("end", () => this.onEnd());
  }

  /** Whether the status was already sent (or the stream is gone). */
  get done(): boolean {
    return this.finished;
  }

  /** The next request message; rejects with the ended error ({@link isEnded}) when the client half-closed. */
  recv(): Promise<I> {
    return this.inbox.recv();
  }

  /** `recv()` as an async iterator step; a message already received costs one resolved promise. */
  next(): Promise<IteratorResult<I, undefined>> {
    return this.inbox.next();
  }

  /** Sends a response message; resolves when the stream can take more (HTTP/2 flow control). */
  send(message: O): Promise<void> {
    if (this.finished) return Promise.reject(this.inbox.failure ?? new TripleError(Code.FAILED_PRECONDITION, "call already finished"));
    // The client reset the stream (cancel, deadline): nothing sent now would arrive.
    if (this.stream.closed || this.stream.destroyed) {
      return Promise.reject(this.inbox.failure ?? new TripleError(Code.CANCELLED, "client cancelled the call"));
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
    this.inbox.abort(error);
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

  /** {@link EnvelopeInboxOwner}: requests carry no end envelope (the reader refuses its flag). */
  inboxEnd(): void {}

  /** {@link EnvelopeInboxOwner}: a broken request body fails the call at once. */
  inboxBadBody(error: unknown): void {
    const failure = error instanceof TripleError ? error : new TripleError(Code.INTERNAL, "internal error", { cause: error });
    this.abortReceive(failure);
    this.finish(failure);
  }

  /** {@link EnvelopeInboxOwner}: a request that does not decode fails the reads; the handler's error ends the call. */
  inboxBadMessage(error: TripleError): void {
    this.abortReceive(error);
  }

  /** {@link EnvelopeInboxOwner}: the handler reads slower than the client sends. */
  inboxFull(): void {
    this.stream.pause();
  }

  /** {@link EnvelopeInboxOwner}: every request was read. */
  inboxDrained(): void {
    if (!this.requestEnded && this.stream.isPaused()) this.stream.resume();
  }

  private onEnd(): void {
    this.requestEnded = true;
    const inbox = this.inbox;
    if (inbox.failure === undefined) {
      let failure: TripleError | undefined;
      try {
        this.wire?.decodeEnd();
        failure = inbox.truncation();
      } catch (error) {
        failure = error as TripleError;
      }
      if (failure !== undefined) {
        this.abortReceive(failure);
        this.finish(failure);
        return;
      }
    }
    inbox.end();
  }
}
