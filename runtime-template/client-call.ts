import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { CallOptions } from "./call-options.js";
import { negotiateEncoding } from "./compression.js";
import { envelopePayload, EnvelopeReader, envelopeTruncatedError, envelopeWrite } from "./envelope.js";
import { grpcStatusFromTrailers } from "./grpc-status.js";
import { grpcTimeoutEncode } from "./grpc-timeout.js";
import type { Http2ClientTransport } from "./http2-client-transport.js";
import { http2CancelCode } from "./http2-codes.js";
import { metadataFromHttp2, metadataToHttp2, type MetadataInit } from "./metadata.js";
import type { MethodInfo } from "./method-info.js";
import { ProtobufError } from "./protobuf-error.js";
import { Code, codeFromHttpStatus, codeFromRstStream } from "./status-code.js";
import { streamEndedError, TripleError } from "./triple-error.js";
import { BinaryWriter } from "./wire-writer.js";

/** Client settings every call of a client shares. */
export interface ClientCallConfig {
  readonly transport: Http2ClientTransport;
  /** Dubbo service group / version, sent as `tri-service-group` / `tri-service-version`. */
  readonly group?: string;
  readonly version?: string;
  /** `proto` (default) or `json`: the `application/grpc+…` message encoding. */
  readonly codec?: "proto" | "json";
  /** Compress request messages with gzip (`grpc-encoding: gzip`). */
  readonly sendCompression?: "gzip";
  /** Largest response message accepted (after decompression); default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Default call timeout when a call sets none. */
  readonly timeoutMs?: number;
  /** Metadata sent with every call. */
  readonly headers?: MetadataInit;
  readonly userAgent?: string;
}

const clientCallResolved: Promise<void> = Promise.resolve();
const clientCallFlushBytes = 16 * 1024;
const clientCallQueueHigh = 64;

/**
 * One gRPC call on an HTTP/2 stream, for every RPC kind: sends envelopes (small messages are coalesced
 * into one DATA write per tick, `send()` waits for HTTP/2 flow control), parses the response body as
 * it arrives and settles with the status from trailers, HTTP status or RST_STREAM.
 */
export class ClientCall<I extends object, O extends object> {
  private readonly method: MethodInfo<I, O>;
  private readonly config: ClientCallConfig;
  private readonly stream: ClientHttp2Stream;
  private readonly reader: EnvelopeReader;
  private readonly maxBytes: number;
  private readonly json: boolean;
  private readonly options: CallOptions | undefined;
  private readonly out = new BinaryWriter(256);
  private readonly queue: Uint8Array[] = [];
  private queueHead = 0;
  private waiter: { resolve: (m: O) => void; reject: (e: unknown) => void } | undefined;
  private encoding: string | undefined;
  private status: TripleError | undefined; // Code.OK once the call ended normally
  private closed = false;
  private requestClosed = false;
  private flushScheduled = false;
  private drain: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort: (() => void) | undefined;
  private headersReceived = false;
  private resolveHeaders!: (h: Headers) => void;
  private resolveTrailers!: (h: Headers) => void;
  /** Response headers; resolves with empty headers if the call fails before any arrive. */
  readonly headers: Promise<Headers> = new Promise((resolve) => (this.resolveHeaders = resolve));
  /** Response trailers; resolves with empty trailers if the call ends without any. */
  readonly trailers: Promise<Headers> = new Promise((resolve) => (this.resolveTrailers = resolve));

  constructor(config: ClientCallConfig, method: MethodInfo<I, O>, options: CallOptions | undefined) {
    this.config = config;
    this.method = method;
    this.options = options;
    this.maxBytes = config.maxReceiveMessageBytes ?? 4 * 1024 * 1024;
    this.json = config.codec === "json";
    this.reader = new EnvelopeReader(this.maxBytes);
    const signal = options?.signal;
    if (signal?.aborted === true) {
      throw new TripleError(Code.CANCELLED, "call was aborted before it started", { cause: signal.reason });
    }
    const timeoutMs = options?.timeoutMs ?? config.timeoutMs;
    this.stream = config.transport.request(this.requestHeaders(timeoutMs));
    const stream = this.stream;
    stream.on("response", (headers) => this.onResponse(headers));
    stream.on("data", (chunk: Uint8Array) => this.onData(chunk));
    stream.on("trailers", (trailers) => this.onTrailers(trailers));
    stream.on("error", (error) => this.onError(error));
    stream.on("close", () => this.onClose());
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.cancel(new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded")), timeoutMs);
    }
    if (signal !== undefined) {
      this.abort = () => this.cancel(new TripleError(Code.CANCELLED, "call was cancelled", { cause: signal.reason }));
      signal.addEventListener("abort", this.abort, { once: true });
    }
  }

  /** Queues one request message; resolves when the stream can take more (flow control). */
  send(message: I): Promise<void> {
    if (this.status !== undefined && this.status.code !== Code.OK) return Promise.reject(this.status);
    if (this.requestClosed) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "request stream is closed"));
    envelopeWrite(this.out, this.method.input, message, this.config.sendCompression === "gzip", 0, this.json);
    if (this.out.pos >= clientCallFlushBytes) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    return this.drain ?? clientCallResolved;
  }

  /** Half-closes the request side (END_STREAM) after what was sent. */
  closeRequest(): void {
    if (this.requestClosed) return;
    this.requestClosed = true;
    this.flush();
    if (!this.stream.destroyed) this.stream.end();
  }

  /** The next response message; rejects with the ended error ({@link isEnded}) or the call's error. */
  recv(): Promise<O> {
    if (this.waiter !== undefined) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "recv() is already pending"));
    if (this.queueHead < this.queue.length) {
      try {
        return Promise.resolve(this.take());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.closed) return Promise.reject(this.status?.code === Code.OK ? streamEndedError() : this.status);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Cancels the call (RST_STREAM CANCEL) unless it already ended; pending `recv()` rejects with `reason`. */
  cancel(reason: TripleError = new TripleError(Code.CANCELLED, "call was cancelled")): void {
    if (this.closed || (this.status !== undefined && this.status.code !== Code.OK)) return;
    this.status = reason;
    this.queue.length = 0;
    this.queueHead = 0;
    if (!this.stream.destroyed) this.stream.close(http2CancelCode);
  }

  private requestHeaders(timeoutMs: number | undefined): OutgoingHttpHeaders {
    const config = this.config;
    const headers: OutgoingHttpHeaders = {};
    metadataToHttp2(config.headers, headers);
    metadataToHttp2(this.options?.headers, headers);
    headers[":method"] = "POST";
    headers[":path"] = this.method.path;
    headers["content-type"] = this.json ? "application/grpc+json" : "application/grpc+proto";
    headers["te"] = "trailers";
    headers["user-agent"] = config.userAgent ?? "tristub-node";
    headers["grpc-accept-encoding"] = "gzip";
    if (config.sendCompression === "gzip") headers["grpc-encoding"] = "gzip";
    if (timeoutMs !== undefined) headers["grpc-timeout"] = grpcTimeoutEncode(timeoutMs);
    if (config.group !== undefined && config.group !== "") headers["tri-service-group"] = config.group;
    if (config.version !== undefined && config.version !== "") headers["tri-service-version"] = config.version;
    return headers;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.pos === 0 || this.stream.destroyed) return;
    const chunk = this.out.buf.slice(0, this.out.pos);
    this.out.reset();
    if (!this.stream.write(chunk) && this.drain === undefined) {
      this.drain = new Promise((resolve) => {
        const done = (): void => {
          this.stream.off("drain", done);
          this.stream.off("close", done);
          this.drain = undefined;
          resolve();
        };
        this.stream.on("drain", done);
        this.stream.on("close", done);
      });
    }
  }

  private take(): O {
    const data = this.queue[this.queueHead] as Uint8Array;
    this.queue[this.queueHead++] = data.subarray(0, 0);
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
      if (!this.closed && this.stream.isPaused()) this.stream.resume();
    }
    try {
      return this.json
        ? this.method.output.fromJsonString(new TextDecoder().decode(data), { ignoreUnknownFields: true })
        : this.method.output.decode(data);
    } catch (error) {
      const failure = new TripleError(Code.INTERNAL, `failed to decode ${this.method.output.typeName}: ${(error as ProtobufError).message}`, { cause: error });
      this.cancel(failure);
      throw failure;
    }
  }

  private onResponse(headers: IncomingHttpHeaders): void {
    this.headersReceived = true;
    const metadata = metadataFromHttp2(headers);
    const httpStatus = Number(headers[":status"]);
    if (headers["grpc-status"] !== undefined) {
      this.finish(grpcStatusFromTrailers(headers, metadata)); // trailers-only response
      this.resolveTrailers(metadata);
    } else if (httpStatus !== 200) {
      this.fail(new TripleError(codeFromHttpStatus(httpStatus), `HTTP status ${httpStatus}`, { metadata }));
    } else if (!String(headers["content-type"] ?? "").startsWith("application/grpc")) {
      this.fail(new TripleError(Code.UNKNOWN, `unexpected content-type ${String(headers["content-type"])}`, { metadata }));
    } else {
      const raw = headers["grpc-encoding"];
      const encoding = Array.isArray(raw) ? raw[0] : raw;
      if (encoding !== undefined && encoding !== "identity") {
        if (negotiateEncoding(encoding) === undefined) {
          this.fail(new TripleError(Code.INTERNAL, `unsupported grpc-encoding ${encoding}`, { metadata }));
        }
        this.encoding = encoding;
      }
    }
    this.options?.onHeader?.(metadata);
    this.resolveHeaders(metadata);
  }

  private onData(chunk: Uint8Array): void {
    if (this.status !== undefined) return;
    try {
      this.reader.push(chunk);
      for (let envelope = this.reader.next(); envelope !== undefined; envelope = this.reader.next()) {
        this.queue.push(envelopePayload(envelope, this.encoding, this.maxBytes));
      }
    } catch (error) {
      this.fail(error instanceof TripleError ? error : new TripleError(Code.INTERNAL, String(error), { cause: error }));
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
    if (this.queue.length - this.queueHead >= clientCallQueueHigh) this.stream.pause();
  }

  private onTrailers(trailers: IncomingHttpHeaders): void {
    const metadata = metadataFromHttp2(trailers);
    this.finish(grpcStatusFromTrailers(trailers, metadata));
    this.options?.onTrailer?.(metadata);
    this.resolveTrailers(metadata);
  }

  private onError(error: Error): void {
    if (this.status !== undefined) return;
    const code = (error as { code?: string }).code;
    const unavailable = !this.headersReceived || code === "ERR_HTTP2_SESSION_ERROR" || code === "ERR_HTTP2_GOAWAY_SESSION";
    this.status = new TripleError(unavailable ? Code.UNAVAILABLE : Code.INTERNAL, error.message, { cause: error });
  }

  /** Records the final status, unless an earlier error already decided the call. */
  private finish(error: TripleError | undefined): void {
    if (this.status === undefined) this.status = error ?? new TripleError(Code.OK, "");
  }

  private fail(error: TripleError): void {
    this.cancel(error);
  }

  private onClose(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.abort !== undefined) this.options?.signal?.removeEventListener("abort", this.abort);
    if (this.status === undefined) {
      const rst = this.stream.rstCode ?? 0;
      this.status =
        rst !== 0
          ? new TripleError(codeFromRstStream(rst), `stream reset by peer with code ${rst}`)
          : new TripleError(Code.INTERNAL, "protocol error: missing grpc-status trailer");
    } else if (this.status.code === Code.OK && this.reader.pendingBytes > 0) {
      this.status = envelopeTruncatedError(this.reader.pendingBytes);
    }
    this.resolveHeaders(new Headers());
    this.resolveTrailers(new Headers());
    const waiter = this.waiter;
    if (waiter !== undefined && this.queueHead >= this.queue.length) {
      this.waiter = undefined;
      waiter.reject(this.status.code === Code.OK ? streamEndedError() : this.status);
    }
  }
}
