import { envelopeFlagCompressed, envelopePayload, EnvelopeReader, envelopeTruncatedError, envelopeWrite } from "../protocol/envelope.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import { http2TakeChunk } from "../transport/http2-stream.js";
import type { MethodInfo } from "../protocol/method-info.js";
import type { ServerCallSettings } from "./server-settings.js";
import type { HandlerContext } from "./server-context.js";
import { serverDecodeRequest } from "./server-decode.js";
import type { ServerCallControl, ServerCallLifecycle } from "./call-lifecycle.js";
import {
  serverResponseHeaders,
  serverSafely,
  serverStatusTrailers,
  serverStopRequest,
  serverTrailersOnly,
} from "./server-status.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import { BinaryWriter } from "../protobuf/wire-writer.js";

/** The implementation of a unary method: `(request, ctx) => response`. */
export type ServerUnaryImpl = (request: object, ctx: HandlerContext) => Promise<object> | object;

/**
 * Encodes every unary response: the envelope is copied out (`http2TakeChunk`) before anything else
 * can run, so one writer serves all calls.
 */
const serverUnaryWriter = new BinaryWriter(256);

/**
 * A unary gRPC call, served without the streaming machinery of `ServerCall`: the one request
 * envelope is decoded as it arrives, the handler runs when the client half-closes (synchronously if it
 * returns a plain value), and the response goes out as HEADERS, one DATA write and trailers. Exactly
 * one request message is required (none or a second is INTERNAL, as for streaming methods).
 */
export class ServerUnaryCall implements ServerCallControl {
  readonly ctx: HandlerContext;
  private readonly method: MethodInfo<object, object>;
  private readonly impl: ServerUnaryImpl;
  private readonly stream: ServerStreamLike;
  private readonly settings: ServerCallSettings;
  private readonly lifecycle: ServerCallLifecycle;
  private readonly reader: EnvelopeReader;
  private request: object | undefined;
  private requestEnded = false;
  private receiveFailed = false;
  private finished = false;
  private watching = false;
  private clearTimer: (() => void) | undefined;

  constructor(
    method: MethodInfo<object, object>,
    impl: ServerUnaryImpl,
    stream: ServerStreamLike,
    ctx: HandlerContext,
    settings: ServerCallSettings,
    lifecycle: ServerCallLifecycle,
    timeoutMs: number | undefined,
  ) {
    this.method = method;
    this.impl = impl;
    this.stream = stream;
    this.ctx = ctx;
    this.settings = settings;
    this.lifecycle = lifecycle;
    this.reader = new EnvelopeReader(settings.maxReceiveMessageBytes);
    if (timeoutMs !== undefined) {
      this.clearTimer = lifecycle.deadline(this, timeoutMs);
      this.watch();
    }
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.once("end", () => this.onEnd());
  }

  /**
   * Registers the call as in flight (server shutdown ends it) and watches its stream for the client
   * going away (the handler's signal aborts): needed once a deadline runs or an async handler does,
   * not for the common call whose handler answers synchronously at the end of the request.
   */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.lifecycle.track(this);
    if (this.stream.closed || this.stream.destroyed) this.onClose();
    else this.stream.once("close", () => this.onClose());
  }

  /** Whether the status was already sent (or the stream is gone). */
  get done(): boolean {
    return this.finished;
  }

  /** Stops reading the request: the handler will not run (deadline, shutdown). */
  abortReceive(_error: TripleError): void {
    this.receiveFailed = true;
  }

  /** Ends the call with the status of `error` as a trailers-only response (OK without one: no message). */
  finish(error: TripleError = new TripleError(Code.INTERNAL, "call ended without a response")): void {
    if (this.finished) return;
    this.end();
    const trailers = serverStatusTrailers(this.ctx, error);
    if (this.stream.destroyed || this.stream.closed) return;
    serverTrailersOnly(this.stream, this.ctx, this.settings.contentType, trailers, () => serverStopRequest(this.stream, () => this.requestEnded));
  }

  private onData(chunk: Uint8Array): void {
    if (this.finished || this.receiveFailed) return;
    const reader = this.reader;
    try {
      reader.push(chunk);
      for (let data = reader.next(); data !== undefined; data = reader.next()) {
        if (this.request !== undefined) throw new TripleError(Code.UNIMPLEMENTED, "protocol error: more than one request message");
        const s = this.settings;
        this.ctx.requestCompressed = (reader.flags & envelopeFlagCompressed) !== 0;
        const payload = envelopePayload(data, reader.flags, s.requestCompression, s.maxReceiveMessageBytes);
        this.request = serverDecodeRequest(this.method.input, payload, s.jsonRead, s.maxMessageDepth);
      }
    } catch (error) {
      this.receiveFailed = true;
      this.finish(error instanceof TripleError ? error : new TripleError(Code.INTERNAL, "internal error", { cause: error }));
    }
  }

  private onEnd(): void {
    this.requestEnded = true;
    // A reset stream also ends its readable side: that is no half-close, and "close" reports it.
    if (this.finished || this.receiveFailed || this.stream.aborted) return;
    if (this.reader.pendingBytes > 0) return this.finish(envelopeTruncatedError(this.reader.pendingBytes));
    const request = this.request;
    if (request === undefined) return this.finish(new TripleError(Code.UNIMPLEMENTED, "protocol error: missing request message"));
    let result: Promise<object> | object;
    try {
      result = this.impl(request, this.ctx);
    } catch (error) {
      return this.lifecycle.fail(this, error);
    }
    if (result !== null && typeof result === "object" && typeof (result as Partial<PromiseLike<object>>).then === "function") {
      this.watch();
      Promise.resolve(result).then(
        (response: object) => this.respond(response),
        (error: unknown) => this.lifecycle.fail(this, error),
      );
    } else {
      this.respond(result);
    }
  }

  /** Sends the response: HEADERS, one DATA write with the envelope, then the OK trailers. */
  private respond(response: object): void {
    if (this.finished) return;
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return this.end();
    const s = this.settings;
    const compress = this.ctx.compressResponses;
    const writer = serverUnaryWriter;
    try {
      envelopeWrite(writer, this.method.output, response, compress === false ? undefined : s.responseCompression, compress === true ? 0 : s.compressMinBytes, s.jsonWrite);
    } catch (error) {
      writer.reset();
      return this.lifecycle.fail(this, error);
    }
    const chunk = http2TakeChunk(stream, writer) as Uint8Array;
    this.end();
    if (!serverSafely(stream, () => stream.respond(serverResponseHeaders(this.ctx, s), { waitForTrailers: true }))) return;
    const trailers = serverStatusTrailers(this.ctx, undefined);
    stream.once("wantTrailers", () => {
      if (!stream.destroyed) serverSafely(stream, () => stream.sendTrailers(trailers));
    });
    stream.end(chunk);
  }

  private onClose(): void {
    if (this.finished) return;
    this.end();
    this.ctx.abort(new TripleError(Code.CANCELLED, "client cancelled the call"));
  }

  /** Marks the call finished: no further status, timer cleared, no longer in flight. */
  private end(): void {
    this.finished = true;
    this.clearTimer?.();
    if (this.watching) this.lifecycle.untrack(this);
  }
}
