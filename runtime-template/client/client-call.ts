// Over 300 lines on purpose: ClientCall is the one owner of a client call (stream, deadline, cancel,
// replay of refused streams, request flow control, status); its responses are an EnvelopeInbox (protocol/).
import type { CallOptions, SendOptions } from "./call-options.js";
import type { ClientConfig } from "./client-options.js";
import { clientResponseError } from "./client-wire.js";
import { clientWebTextChunk, clientWireFor, type ClientWire } from "./client-protocol.js";
import { GrpcWebTextDecoder } from "../protocol/grpc-web/grpcweb-text.js";
import { envelopeWrite } from "../protocol/envelope.js";
import { EnvelopeInbox, type EnvelopeInboxOwner } from "../protocol/envelope-inbox.js";
import { grpcStatusFromTrailers } from "../protocol/grpc-status.js";
import { grpcDeadlineTimer } from "../protocol/grpc-timeout.js";
import { http2CancelCode, http2Drained, http2FlagEndStream, http2NoErrorCode, http2RefusedStreamCode, http2ResetStream, http2TakeChunk } from "../transport/http2-stream.js";
import type { ClientCallHandle } from "./client-calls.js";
import { clientResponseDecoder } from "./client-decode.js";
import { ClientMetadata } from "./client-metadata.js";
import type { MethodInfo } from "../protocol/method-info.js";
import type { IncomingHeaders, OutgoingHeaders } from "../protocol/metadata.js";
import type { ClientStreamLike } from "../transport/http2-stream.js";
import { Code, codeFromRstStream } from "../protocol/status-code.js";
import { streamEndedError, toTripleError, TripleError } from "../protocol/triple-error.js";
import { BinaryWriter } from "../protobuf/wire-writer.js";

const clientCallResolved: Promise<void> = Promise.resolve();
const clientCallFlushBytes = 16 * 1024;
/**
 * Request bytes kept (until the response starts) for replaying a refused stream: a call that sent
 * more is not retried, so that uploads hold at most this much each.
 */
const clientCallReplayBytes = 64 * 1024;

/** Encodes the request of unary and server-streaming calls (`sendOnly`); emptied right after each use. */
const clientCallSharedWriter = new BinaryWriter(256);

/**
 * One gRPC call on an HTTP/2 stream, for every RPC kind: sends envelopes (small messages are coalesced
 * into one DATA write per tick, `send()` waits for HTTP/2 flow control), parses the response body as
 * it arrives and settles with the status from trailers, HTTP status or RST_STREAM.
 */
export class ClientCall<I extends object, O extends object> implements EnvelopeInboxOwner, ClientCallHandle {
  private readonly method: MethodInfo<I, O>;
  private readonly config: ClientConfig;
  /** The protocol's request headers and response ending (gRPC, Connect or gRPC-Web). */
  private readonly wire: ClientWire;
  /** grpc-web-text: the request body is base64 too. */
  private readonly webText: boolean;
  private stream: ClientStreamLike;
  private session: { readonly destroyed: boolean } | undefined;
  private readonly requestHeaders: OutgoingHeaders;
  /** Request bytes written so far, until the response starts: a refused stream is replayed with them. */
  private replay: Uint8Array[] | undefined = [];
  private replayBytes = 0;
  private retries = 0;
  private readonly options: CallOptions | undefined;
  /** Request messages not yet written to the stream (created with the first `send()`). */
  private out: BinaryWriter | undefined;
  /** The response messages: parsed, queued, decoded when read. */
  private readonly inbox: EnvelopeInbox<O>;
  private status: TripleError | undefined; // Code.OK once the call ended normally
  private closed = false;
  private requestClosed = false;
  private flushScheduled = false;
  private drain: Promise<void> | undefined;
  private clearTimer: (() => void) | undefined;
  private readonly abort: (() => void) | undefined;
  /** `Date.now()` when the call's timeout expires (undefined without one). */
  private readonly deadline: number | undefined;
  private headersReceived = false;
  /** gRPC-Web HEADERS with a `grpc-status` but no END_STREAM: the status if the body stays empty. */
  private headStatus: IncomingHeaders | undefined;
  /** Whether any response body byte arrived (a status in the headers then no longer ends the call). */
  private bodyReceived = false;
  private readonly responseHeaders = new ClientMetadata();
  private readonly responseTrailers = new ClientMetadata();

  constructor(config: ClientConfig, method: MethodInfo<I, O>, options: CallOptions | undefined) {
    this.config = config;
    this.method = method;
    this.options = options;
    this.wire = clientWireFor(config.protocol, config.grpcWebText);
    const textIn = config.grpcWebText ? new GrpcWebTextDecoder(Code.INTERNAL) : undefined;
    this.webText = textIn !== undefined;
    this.inbox = new EnvelopeInbox(this, {
      decode: clientResponseDecoder(method.output, config.jsonRead, config.maxMessageDepth),
      maxMessageBytes: config.maxReceiveMessageBytes,
      endFlag: this.wire.endFlag,
      decodeChunk: textIn === undefined ? undefined : (chunk) => textIn.push(chunk),
    });
    const signal = options?.signal;
    if (signal?.aborted === true) {
      throw new TripleError(Code.CANCELLED, "call was aborted before it started", { cause: signal.reason });
    }
    const timeoutMs = options?.timeoutMs ?? config.timeoutMs;
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    if (config.streamHttp1 && method.kind === "bidi_streaming") {
      throw new TripleError(Code.UNIMPLEMENTED, `bidi streaming needs HTTP/2: ${method.path} cannot be called with httpVersion "1.1"`);
    }
    this.requestHeaders = this.wire.requestHeaders(config, method.path, options?.headers, timeoutMs);
    this.stream = this.open();
    if (timeoutMs !== undefined) {
      this.clearTimer = grpcDeadlineTimer(timeoutMs, () => this.cancel(new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded")));
    }
    if (signal !== undefined) {
      this.abort = () => this.cancel(new TripleError(Code.CANCELLED, "call was cancelled", { cause: signal.reason }));
      signal.addEventListener("abort", this.abort, { once: true });
    }
  }

  /** Response headers; resolves with empty headers if the call fails before any arrive. */
  get headers(): Promise<Headers> {
    return this.responseHeaders.promised;
  }

  /** Response trailers; resolves with empty trailers if the call ends without any. */
  get trailers(): Promise<Headers> {
    return this.responseTrailers.promised;
  }

  private open(): ClientStreamLike {
    const transport = this.config.transport;
    const stream = this.config.streamHttp1 ? transport.requestHttp1(this.requestHeaders) : transport.request(this.requestHeaders);
    this.config.calls.add(this);
    this.session = stream.session;
    stream.on("response", (headers, flags) => this.onResponse(headers, (flags & http2FlagEndStream) !== 0));
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.on("trailers", (trailers) => this.onTrailers(trailers));
    stream.on("end", () => this.onEnd());
    stream.on("error", (error) => this.onError(error));
    stream.on("close", () => this.stream === stream && this.onClose());
    return stream;
  }

  /**
   * Replays a stream the server refused (REFUSED_STREAM: beyond its concurrent-stream limit before
   * this client learnt it, or past a GOAWAY's last stream id) on a new stream, as grpc-go's
   * transparent retry does: the server never processed it. Needs every request byte sent so far.
   */
  private retryRefused(): boolean {
    if (this.stream.rstCode !== http2RefusedStreamCode || this.headersReceived || this.replay === undefined || this.retries >= 3) return false;
    this.retries++;
    try {
      this.stream = this.open();
    } catch {
      return false; // the transport was closed meanwhile
    }
    for (const chunk of this.replay) this.stream.write(chunk);
    if (this.requestClosed) this.stream.end();
    return true;
  }

  /** Queues one request message; resolves when the stream can take more (flow control). */
  send(message: I, options?: SendOptions): Promise<void> {
    if (this.status !== undefined && this.status.code !== Code.OK) return Promise.reject(this.status);
    // The server already ended the call: nothing sent now would be read (grpc-go's io.EOF on Send).
    if (this.closed) return Promise.reject(streamEndedError());
    if (this.requestClosed) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "request stream is closed"));
    const out = (this.out ??= new BinaryWriter(64));
    envelopeWrite(out, this.method.input, message, options?.compress === false ? undefined : this.config.requestCompression, 0, this.config.jsonWrite);
    if (out.pos >= clientCallFlushBytes) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    return this.drain ?? clientCallResolved;
  }

  /**
   * Sends the one request of a unary or server-streaming call and half-closes, in one DATA frame
   * with END_STREAM and without waiting a tick: the message is encoded into a writer all calls share.
   */
  sendOnly(message: I): void {
    const writer = clientCallSharedWriter;
    try {
      envelopeWrite(writer, this.method.input, message, this.config.requestCompression, 0, this.config.jsonWrite);
    } catch (error) {
      // A message that cannot be encoded: nothing was sent, and the opened stream is reset.
      writer.reset();
      this.cancel(toTripleError(error, "request could not be encoded"));
      throw error;
    }
    this.closeRequest(writer);
  }

  /** Half-closes the request side (END_STREAM) after what was sent. */
  closeRequest(pending: BinaryWriter | undefined = this.out): void {
    if (this.requestClosed) return;
    this.requestClosed = true;
    // The last messages ride on the END_STREAM frame: one DATA frame for a unary request, not two.
    const chunk = this.takeChunk(pending);
    if (this.stream.destroyed) return;
    if (chunk === undefined) this.stream.end();
    else this.stream.end(chunk);
  }

  /** The next response message; rejects with the ended error ({@link isEnded}) or the call's error. */
  recv(): Promise<O> {
    return this.inbox.recv();
  }

  /** `recv()` as an async iterator step (see `EnvelopeInbox.next`). */
  next(): Promise<IteratorResult<O, undefined>> {
    return this.inbox.next();
  }

  /** The one response of a unary or client-streaming call, settled when the call ends (see `EnvelopeInbox.single`). */
  single(): Promise<O> {
    return this.inbox.single();
  }

  /** Cancels the call (RST_STREAM CANCEL) unless it already ended; pending `recv()` rejects with `reason`. */
  cancel(reason: TripleError = new TripleError(Code.CANCELLED, "call was cancelled")): void {
    if (this.closed || (this.status !== undefined && this.status.code !== Code.OK)) return;
    this.inbox.clear();
    this.fail(reason);
  }

  /** Ends the stream for a closing client (see {@link ClientCallHandle}). */
  shutdown(reason: TripleError): void {
    if (this.closed) return;
    if (this.status === undefined) this.cancel(reason);
    else http2ResetStream(this.stream, http2CancelCode);
    // A stream paused by unread responses closes only once its buffered data is let through (and dropped).
    if (!this.closed && this.stream.isPaused()) this.stream.resume();
  }

  private flush(): void {
    this.flushScheduled = false;
    const chunk = this.takeChunk(this.out);
    if (chunk === undefined) return;
    if (!this.stream.write(chunk) && this.drain === undefined) {
      this.drain = http2Drained(this.stream).then(() => void (this.drain = undefined));
    }
  }

  /** The request bytes written since the last flush, kept for a replay until the response starts. */
  private takeChunk(writer: BinaryWriter | undefined): Uint8Array | undefined {
    if (writer === undefined) return undefined;
    let chunk = http2TakeChunk(this.stream, writer);
    if (chunk !== undefined && this.webText) chunk = clientWebTextChunk(chunk);
    if (chunk !== undefined && this.replay !== undefined) {
      this.replayBytes += chunk.length;
      if (this.replayBytes > clientCallReplayBytes) this.replay = undefined;
      else this.replay.push(chunk);
    }
    return chunk;
  }

  private onResponse(headers: IncomingHeaders, endStream: boolean): void {
    this.headersReceived = true;
    this.replay = undefined;
    this.responseHeaders.settle(headers);
    const head = this.wire.responseHead(headers, this.config, () => this.responseHeaders.get(), endStream);
    this.inbox.compression = head.compression;
    if (this.wire.statusInHeaders && !head.trailersOnly && headers["grpc-status"] !== undefined) this.headStatus = headers;
    if (head.trailersOnly) this.finish(head.error);
    else if (head.error !== undefined) this.fail(head.error);
    this.notify(this.options?.onHeader, this.responseHeaders);
    if (head.trailersOnly) {
      // A trailers-only response is the headers and the trailers at once.
      this.responseTrailers.settle(headers);
      this.notify(this.options?.onTrailer, this.responseTrailers);
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.status !== undefined) return;
    this.bodyReceived = true;
    this.inbox.receive(chunk);
  }

  /** {@link EnvelopeInboxOwner}: the body's last envelope (Connect end-stream, gRPC-Web trailers): the status and the trailers. */
  inboxEnd(payload: Uint8Array): void {
    const end = this.wire.readEnd(payload, (trailers) => {
      this.responseTrailers.settle(trailers);
      return this.allMetadata();
    });
    this.responseTrailers.settle(end.trailers);
    this.finish(end.error);
    this.notify(this.options?.onTrailer, this.responseTrailers);
  }

  /** {@link EnvelopeInboxOwner}: a broken response body fails the call; messages that arrived before it are still delivered, then this error. */
  inboxBadBody(error: unknown): void {
    this.fail(clientResponseError(error));
  }

  /** {@link EnvelopeInboxOwner}: a response that does not decode, or a unary call's second one, cancels the call. */
  inboxBadMessage(error: TripleError): void {
    this.cancel(error);
  }

  /** {@link EnvelopeInboxOwner}: the application reads slower than the server sends. */
  inboxFull(): void {
    this.stream.pause();
  }

  /** {@link EnvelopeInboxOwner}: every queued response was read: a paused response stream flows again. */
  inboxDrained(): void {
    if (!this.closed && this.stream.isPaused()) this.stream.resume();
  }

  private onTrailers(trailers: IncomingHeaders): void {
    // Connect and gRPC-Web end in the body: HTTP trailers (a proxy's) do not decide their status.
    if (this.wire.endFlag !== 0) return;
    this.responseTrailers.settle(trailers);
    this.finish(grpcStatusFromTrailers(trailers, () => this.allMetadata()));
    this.notify(this.options?.onTrailer, this.responseTrailers);
  }

  /** An error carries the metadata of the whole response: headers and trailers. */
  private allMetadata(): Headers {
    const metadata = new Headers(this.responseHeaders.get());
    this.responseTrailers.get().forEach((value, name) => metadata.append(name, value));
    return metadata;
  }

  /** Runs an onHeader/onTrailer callback; one that throws fails the call rather than the process. */
  private notify(callback: ((metadata: Headers) => void) | undefined, metadata: ClientMetadata): void {
    if (callback === undefined) return;
    try {
      callback(metadata.get());
    } catch (error) {
      this.cancel(toTripleError(error, "response metadata callback failed"));
    }
  }

  /**
   * The server's side ended (after its trailers and every message were read). Its status decides the
   * call even when the request side is still open (bidi or client stream the server answered early):
   * reset the stream with NO_ERROR so it closes now, instead of waiting for our half-close. Only
   * then: a reset of a stream both sides ended counts as an invalid frame to node:http2 servers,
   * which end the connection with INTERNAL_ERROR after 1,000 of them (`maxSessionInvalidFrames`).
   */
  private onEnd(): void {
    if (!this.stream.writableEnded && !this.stream.closed && !this.stream.destroyed) this.stream.close(http2NoErrorCode);
  }

  private onError(error: Error): void {
    if (this.status !== undefined) return;
    const code = (error as { code?: string }).code;
    if (code === "ERR_HTTP2_STREAM_ERROR") return; // the peer's RST_STREAM: onClose maps its code
    // Connection failures (system errors such as ECONNRESET, session errors) are UNAVAILABLE.
    const unavailable =
      !this.headersReceived ||
      (code !== undefined && !code.startsWith("ERR_")) ||
      code === "ERR_HTTP2_SESSION_ERROR" ||
      code === "ERR_HTTP2_GOAWAY_SESSION";
    this.status = new TripleError(unavailable ? Code.UNAVAILABLE : Code.INTERNAL, error.message, { cause: error });
  }

  /** Records the final status, unless an earlier error already decided the call. */
  private finish(error: TripleError | undefined): void {
    if (this.status === undefined) this.status = error ?? streamEndedError();
  }

  /** Fails the call with RST_STREAM(CANCEL) unless it already ended; queued messages stay readable. */
  private fail(error: TripleError): void {
    if (this.closed || (this.status !== undefined && this.status.code !== Code.OK)) return;
    this.status = error;
    http2ResetStream(this.stream, http2CancelCode);
  }

  /**
   * The status of a stream the peer reset. A CANCEL once our deadline has passed is the deadline: the
   * server enforced it before our own timer ran (as grpc-go's client reads it too).
   */
  private resetStatus(rst: number): TripleError {
    const code = codeFromRstStream(rst);
    if (code === Code.CANCELLED && this.deadline !== undefined && Date.now() >= this.deadline) {
      return new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded (the server reset the stream at the deadline)");
    }
    return new TripleError(code, `stream reset by peer with code ${rst}`);
  }

  private onClose(): void {
    if (this.status === undefined && this.retryRefused()) return;
    this.closed = true;
    this.config.calls.delete(this);
    this.clearTimer?.();
    if (this.abort !== undefined) this.options?.signal?.removeEventListener("abort", this.abort);
    if (this.status === undefined && this.headStatus !== undefined && !this.bodyReceived && (this.stream.rstCode ?? 0) === 0) {
      // An empty body after HEADERS with a status: a trailers-only response after all.
      this.responseTrailers.settle(this.headStatus);
      this.finish(grpcStatusFromTrailers(this.headStatus, () => this.responseHeaders.get()));
    }
    const truncation = this.inbox.truncation();
    if (this.status === undefined) {
      const rst = this.stream.rstCode ?? 0;
      this.status =
        this.session?.destroyed === true
          ? // The connection went away (peer killed, network gone): node:http2 closes its streams
            // with CANCEL, which must not read as a cancellation.
            new TripleError(Code.UNAVAILABLE, "connection closed before the call ended")
          : rst !== 0
            ? this.resetStatus(rst)
            : this.wire.endFlag !== 0 && truncation !== undefined
              ? clientResponseError(truncation)
              : new TripleError(Code.INTERNAL, this.wire.missingEnd);
    } else if (this.status.code === Code.OK && truncation !== undefined) {
      this.status = clientResponseError(truncation);
    }
    this.responseHeaders.settle(undefined);
    this.responseTrailers.settle(undefined);
    this.inbox.end(this.status.code === Code.OK ? undefined : this.status);
  }
}
