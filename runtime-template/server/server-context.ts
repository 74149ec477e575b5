import { metadataFromHttp2, type IncomingHeaders } from "../protocol/metadata.js";
import type { MethodInfo } from "../protocol/method-info.js";
import type { PeerSocketLike } from "../transport/http2-stream.js";

/** The network peer of a call. */
export interface PeerInfo {
  readonly address: string | undefined;
  readonly port: number | undefined;
  /** The client certificate (mutual TLS), when the client presented one. */
  readonly certificate: Readonly<Record<string, unknown>> | undefined;
}

/**
 * What a handler knows about its call besides the messages: request metadata (Dubbo attachments),
 * cancellation, deadline, the peer, and the response headers and trailers it may set.
 */
export class HandlerContext {
  /** The method being served. */
  readonly method: MethodInfo<object, object>;
  /** Absolute deadline in `Date.now()` milliseconds, if the client set a timeout. */
  readonly deadline: number | undefined;
  private headersOut: Headers | undefined;
  private trailersOut: Headers | undefined;
  /**
   * Whether the request message that `recv()` returned last arrived compressed (its envelope's
   * compressed flag was set). The runtime sets it as each request message is handed to the handler.
   */
  requestCompressed = false;
  /**
   * Compressor of the response messages sent from now on, when the client accepts gzip and the server
   * allows compression: undefined (default) gzips messages of at least the server's `compressMinBytes`,
   * true gzips every message, false sends them uncompressed. Read as each message is sent.
   */
  compressResponses: boolean | undefined = undefined;
  private readonly socket: PeerSocketLike | undefined;
  private readonly rawHeaders: IncomingHeaders;
  private metadata: Headers | undefined;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private headerSender: (() => void) | undefined;

  constructor(method: MethodInfo<object, object>, socket: PeerSocketLike | undefined, headers: IncomingHeaders, deadline: number | undefined) {
    this.method = method;
    this.socket = socket;
    this.rawHeaders = headers;
    this.deadline = deadline;
  }

  /** Response headers; sent with the first response message (or with the status). */
  get responseHeaders(): Headers {
    this.headersOut ??= new Headers();
    return this.headersOut;
  }

  /** Response trailers; sent with the status at the end of the call. */
  get responseTrailers(): Headers {
    this.trailersOut ??= new Headers();
    return this.trailersOut;
  }

  /**
   * Sends the response headers now, before the first response message (streaming calls: a client
   * sees them while the handler still works). Headers set afterwards are not sent. Unary responses
   * send their headers with the message, so this does nothing there.
   */
  sendHeaders(): void {
    this.headerSender?.();
  }

  /** Sets what {@link sendHeaders} does (runtime use: the call that owns this context). */
  onSendHeaders(sender: () => void): void {
    this.headerSender = sender;
  }

  /** The response headers a handler set, without creating an empty set (runtime use). */
  peekResponseHeaders(): Headers | undefined {
    return this.headersOut;
  }

  /** The response trailers a handler set, without creating an empty set (runtime use). */
  peekResponseTrailers(): Headers | undefined {
    return this.trailersOut;
  }

  /** Request metadata: every request header but the pseudo-headers, keys lower-case. */
  get requestHeaders(): Headers {
    this.metadata ??= metadataFromHttp2(this.rawHeaders);
    return this.metadata;
  }

  /** Aborts when the client cancels, the deadline passes, or the server shuts the call down. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Milliseconds left until the deadline (undefined without one). */
  get timeoutMs(): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(0, this.deadline - Date.now());
  }

  /** Address, port and (with mutual TLS) certificate of the client. */
  get peer(): PeerInfo {
    const socket = this.socket;
    // Not `"getPeerCertificate" in socket`: an HTTP/2 session's socket is a Proxy whose `has` says no.
    const tls = socket as { getPeerCertificate?: () => object } | undefined;
    const certificate = typeof tls?.getPeerCertificate === "function" ? tls.getPeerCertificate() : undefined;
    return {
      address: socket?.remoteAddress,
      port: socket?.remotePort,
      certificate: certificate !== undefined && Object.keys(certificate).length > 0 ? (certificate as unknown as Record<string, unknown>) : undefined,
    };
  }

  /** Aborts the handler's signal (runtime use: cancellation, deadline, shutdown). */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** Whether the call was aborted. */
  get aborted(): boolean {
    return this.abortReason !== undefined;
  }
}
