import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { grpcTimeoutParse } from "./grpc-timeout.js";
import { ServerCall } from "./server-call.js";
import { HandlerContext } from "./server-context.js";
import type { ServerRoute } from "./server-handlers.js";
import {
  serverRespondError,
  serverRoutes,
  serverRoutesResolve,
  type ServerRegistration,
  type ServerRouteTable,
} from "./server-routing.js";
import { Code } from "./status-code.js";
import { toTripleError, TripleError } from "./triple-error.js";

/** TLS settings of a server; PEM strings or buffers. */
export interface ServerTlsOptions {
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
  /** CA certificates to verify client certificates with (mutual TLS). */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Ask clients for a certificate (mutual TLS). */
  readonly requestCert?: boolean;
  /** With `requestCert`: refuse clients without a valid certificate (default true). */
  readonly rejectUnauthorized?: boolean;
}

/** Server settings; every limit has a default suited to a public endpoint. */
export interface ServerOptions {
  readonly tls?: ServerTlsOptions;
  /** Largest request message (after decompression); default 4 MiB, larger → RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes?: number;
  /** Concurrent calls per connection (HTTP/2 SETTINGS); default 4096. */
  readonly maxConcurrentStreams?: number;
  /** Largest request header block; default 32 KiB. */
  readonly maxHeaderListBytes?: number;
  /** Close connections idle this long; default 300,000 ms, 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Gzip responses to clients that accept it, for messages of at least this size; default 1024. */
  readonly compressMinBytes?: number;
  /** Disable response compression entirely. */
  readonly disableCompression?: boolean;
  /** Group/version not matched exactly: fall back like dubbo-java (version 1.0.0, then any). */
  readonly versionFallback?: boolean;
  /** Sees every unexpected handler error (the client only gets UNKNOWN "internal error"). */
  readonly onError?: (error: unknown, ctx: HandlerContext) => void;
}

/** Where a server listens. */
export interface ListenOptions {
  /** Interface to bind; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one, reported by `listen()`. */
  readonly port?: number;
}

/**
 * A Triple/gRPC server on `node:http2`: services are registered with the generated
 * `register…Service` functions, then `listen()` serves them; `close()` drains in-flight calls.
 */
export class TripleServer {
  private readonly options: ServerOptions;
  private readonly routes: ServerRouteTable = new Map();
  private readonly http2: Http2Server | Http2SecureServer;
  private readonly sessions = new Set<Http2Session>();
  private readonly calls = new Set<ServerCall<object, object>>();

  constructor(options: ServerOptions = {}) {
    this.options = options;
    const settings = {
      maxConcurrentStreams: options.maxConcurrentStreams ?? 4096,
      maxHeaderListSize: options.maxHeaderListBytes ?? 32 * 1024,
      initialWindowSize: 1 << 20,
    };
    const tls = options.tls;
    this.http2 =
      tls === undefined
        ? createServer({ settings, maxSessionMemory: 64 })
        : createSecureServer({
            settings,
            maxSessionMemory: 64,
            cert: tls.cert as string,
            key: tls.key as string,
            ...(tls.ca !== undefined ? { ca: tls.ca as string[] } : {}),
            requestCert: tls.requestCert ?? false,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
          });
    this.http2.on("stream", (stream, headers) => this.onStream(stream, headers));
    this.http2.on("session", (session) => this.onSession(session));
    this.http2.on("sessionError", () => undefined);
    const idle = options.idleTimeoutMs ?? 300_000;
    if (idle > 0) this.http2.setTimeout(idle, () => undefined);
  }

  /** Registers the routes of one service implementation under a Dubbo group and version. */
  register(routes: readonly ServerRoute[], registration: ServerRegistration = {}): void {
    serverRoutes(this.routes, routes, registration);
  }

  /** Starts listening; resolves with the bound address (the real port when port 0 was asked). */
  listen(options: ListenOptions = {}): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.http2.once("error", reject);
      this.http2.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        this.http2.off("error", reject);
        const address = this.http2.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** The port the server is bound to (after `listen()`). */
  get port(): number {
    return (this.http2.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * Stops accepting connections and calls, lets in-flight calls finish for up to `graceMs` (default
   * 5,000), then cancels the rest and closes every connection.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.http2.listening) return resolve();
      this.http2.close(() => resolve());
    });
    for (const session of this.sessions) if (!session.closed) session.close();
    const force = setTimeout(() => {
      const reason = new TripleError(Code.UNAVAILABLE, "server is shutting down");
      for (const call of this.calls) {
        call.ctx.abort(reason);
        call.abortReceive(reason);
        call.reset();
      }
      for (const session of this.sessions) session.destroy();
    }, options.graceMs ?? 5_000);
    return closed.then(() => clearTimeout(force));
  }

  private onSession(session: Http2Session): void {
    this.sessions.add(session);
    session.on("error", () => undefined);
    session.on("close", () => this.sessions.delete(session));
    session.on("timeout", () => session.close());
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on("error", () => undefined);
    const target = this.resolve(stream, headers);
    if (target === undefined) return;
    const [route, settings] = target;
    let timeoutMs: number | undefined;
    try {
      timeoutMs = grpcTimeoutParse(headers["grpc-timeout"] as string | undefined);
    } catch (error) {
      return serverRespondError(stream, settings.contentType, new TripleError(Code.INVALID_ARGUMENT, (error as Error).message));
    }
    const ctx = new HandlerContext(route.method, stream, headers, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
    const call = new ServerCall(route.method, stream, ctx, settings);
    this.calls.add(call);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        const error = new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
        ctx.abort(error);
        call.abortReceive(error);
        call.finish(error);
      }, timeoutMs);
    }
    stream.once("close", () => {
      if (timer !== undefined) clearTimeout(timer);
      this.calls.delete(call);
      if (!call.done) {
        const error = new TripleError(Code.CANCELLED, "client cancelled the call");
        ctx.abort(error);
        call.abortReceive(error);
      }
    });
    route.run(call).then(
      () => call.finish(),
      (error: unknown) => this.fail(call, error),
    );
  }

  /** Picks the route and per-call settings, or answers the request with an error and returns undefined. */
  private resolve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders) {
    return serverRoutesResolve(this.routes, this.options, stream, headers);
  }

  private fail(call: ServerCall<object, object>, error: unknown): void {
    if (call.done) return;
    if (!(error instanceof TripleError)) {
      try {
        this.options.onError?.(error, call.ctx);
      } catch {
        // A failing error hook must not take the server down.
      }
    }
    call.finish(toTripleError(error, "internal error"));
  }
}

/** Creates a server; register services on it, then call `listen()`. */
export function createTripleServer(options?: ServerOptions): TripleServer {
  return new TripleServer(options);
}
