import { createServer as createHttp1Server, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { grpcDeadlineTimer, grpcTimeoutParse } from "./grpc-timeout.js";
import { ServerCall } from "./server-call.js";
import { HandlerContext } from "./server-context.js";
import type { ServerCallControl, ServerCallHost } from "./server-status.js";
import { ServerUnaryCall } from "./server-unary-call.js";
import type { ServerRoute } from "./server-handlers.js";
import {
  serverGrpcSubtype,
  serverRefuseHeaders,
  serverRespondError,
  serverRouteLookup,
  serverRoutes,
  serverRoutesResolve,
  type ServerRegistration,
  type ServerRouteTable,
} from "./server-routing.js";
import { serveTripleUnary, type TripleUnaryExchange, type TripleUnarySettings } from "./server-triple-unary.js";
import { exchangeHttp1ClientError, exchangeSniff, http1Exchange, http2Exchange } from "./server-exchanges.js";
import { tripleErrorBody } from "./triple-unary-protocol.js";
import { Code } from "./status-code.js";
import { toTripleError, TripleError } from "./triple-error.js";
import { protobufDefaultMaxDepth } from "./message-codec.js";
import { NodeConnectionGuard, nodeRefuseConnection } from "./node-connection-guard.js";
import { serverHttp2FloodBounds, serverLimitsResolve, type ServerLimitOptions } from "./node-server-limits.js";

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

/** Server settings; every limit has a default suited to a public endpoint (connection limits: see ServerLimitOptions). */
export interface ServerOptions extends ServerLimitOptions {
  readonly tls?: ServerTlsOptions;
  /** Largest request message (after decompression); default 4 MiB, larger → RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes?: number;
  /** Deepest nesting of request messages accepted, binary and JSON; default 100, deeper → INVALID_ARGUMENT. */
  readonly maxMessageDepth?: number;
  /** Concurrent calls per connection (HTTP/2 SETTINGS); default 4096. */
  readonly maxConcurrentStreams?: number;
  /** Largest request header block; default 32 KiB. */
  readonly maxHeaderListBytes?: number;
  /** Gzip responses to clients that accept it, for messages of at least this size; default 1024. */
  readonly compressMinBytes?: number;
  /** Disable response compression entirely. */
  readonly disableCompression?: boolean;
  /** Write Triple-unary JSON responses with proto field names (snake_case), as dubbo-go does. */
  readonly jsonUseProtoNames?: boolean;
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
 * A Triple/gRPC server: gRPC (all four kinds) over HTTP/2, and Triple-unary (plain POST) over HTTP/2
 * and HTTP/1.1, all on one port — plaintext connections are told apart by the HTTP/2 preface, TLS
 * ones by ALPN. Services are registered with the generated `register…Service` functions, then
 * `listen()` serves them; `close()` drains in-flight calls.
 */
export class TripleServer {
  private readonly options: ServerOptions;
  private readonly routes: ServerRouteTable = new Map();
  private readonly http2: Http2Server;
  private readonly http1: HttpServer;
  private readonly listener: NetServer;
  private readonly guard: NodeConnectionGuard;
  private readonly sessions = new Set<Http2Session>();
  private readonly calls = new Set<ServerCallControl>();
  private readonly host: ServerCallHost = { calls: this.calls, fail: (call, error) => this.fail(call, error) };
  private readonly unarySettings: TripleUnarySettings;

  constructor(options: ServerOptions = {}) {
    this.options = options;
    const limits = serverLimitsResolve(options);
    this.guard = new NodeConnectionGuard(limits);
    this.unarySettings = {
      maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
      maxMessageDepth: options.maxMessageDepth ?? protobufDefaultMaxDepth,
      compressMinBytes: options.compressMinBytes ?? 1024,
      disableCompression: options.disableCompression === true,
      jsonUseProtoNames: options.jsonUseProtoNames === true,
      onError: options.onError,
    };
    this.http2 = createServer({
      settings: {
        maxConcurrentStreams: options.maxConcurrentStreams ?? 4096,
        maxHeaderListSize: options.maxHeaderListBytes ?? 32 * 1024,
        initialWindowSize: 1 << 20,
      },
      maxSessionMemory: limits.maxSessionMemoryMb,
      ...serverHttp2FloodBounds,
    });
    this.http2.on("stream", (stream, headers) => this.onStream(stream, headers));
    this.http2.on("session", (session) => this.onSession(session));
    this.http2.on("sessionError", () => undefined);
    this.http1 = createHttp1Server(
      {
        maxHeaderSize: options.maxHeaderListBytes ?? 32 * 1024,
        keepAliveTimeout: 5_000,
        requestTimeout: Math.max(limits.http1RequestTimeoutMs, limits.headersTimeoutMs),
        headersTimeout: limits.headersTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      },
      (request, response) => this.onHttp1(request, response),
    );
    // node:http enforces headersTimeout/requestTimeout from a timer it starts on "listening"; this
    // server is handed its sockets and never listens, so without this those timeouts never fire.
    this.http1.emit("listening");
    this.http1.on("request", (request: IncomingMessage) => this.guard.established(request.socket));
    this.http1.on("clientError", (error: Error & { code?: string }, socket: Socket) =>
      exchangeHttp1ClientError(error, socket, options.maxHeaderListBytes ?? 32 * 1024),
    );
    // `Expect: 100-continue`: the exchange sends `100 Continue` only once it wants the body.
    this.http1.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => this.onHttp1(request, response, true));
    const tls = options.tls;
    this.listener =
      tls === undefined
        ? createNetServer()
        : createTlsServer(
            {
              cert: tls.cert as string,
              key: tls.key as string,
              ...(tls.ca !== undefined ? { ca: tls.ca as string[] } : {}),
              requestCert: tls.requestCert ?? false,
              rejectUnauthorized: tls.rejectUnauthorized ?? true,
              ALPNProtocols: ["h2", "http/1.1"],
              handshakeTimeout: limits.headersTimeoutMs,
            },
            (socket) => this.dispatch(socket, socket.alpnProtocol === "h2"),
          );
    this.listener.on("connection", (socket: Socket) => {
      if (!this.guard.accept(socket)) return nodeRefuseConnection(socket, tls !== undefined, limits.closeGraceMs);
      if (tls === undefined) this.sniff(socket);
    });
    if (tls !== undefined) this.listener.on("tlsClientError", () => undefined);
  }

  /** Registers the routes of one service implementation under a Dubbo group and version. */
  register(routes: readonly ServerRoute[], registration: ServerRegistration = {}): void {
    serverRoutes(this.routes, routes, registration);
  }

  /** Starts listening; resolves with the bound address (the real port when port 0 was asked). */
  listen(options: ListenOptions = {}): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.listener.once("error", reject);
      this.listener.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        this.listener.off("error", reject);
        const address = this.listener.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** The port the server is bound to (after `listen()`). */
  get port(): number {
    return (this.listener.address() as AddressInfo | null)?.port ?? 0;
  }

  /**
   * Stops accepting connections and calls, lets in-flight calls finish, ends those still running with
   * UNAVAILABLE and closes every connection: all within `graceMs` (default 5,000), the whole time
   * close() takes, so that a process stopped with a grace period (SIGTERM) exits within it.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    const graceMs = options.graceMs ?? 5_000;
    // The last part of the grace: statuses of the calls ended at its start go out, then the cut.
    const cutMs = Math.min(200, graceMs / 5);
    const closed = new Promise<void>((resolve) => {
      if (!this.listener.listening) return resolve();
      this.listener.close(() => resolve());
    });
    this.http1.close(); // stops node:http's timeout timer (see the constructor)
    for (const session of this.sessions) if (!session.closed) session.close();
    this.http1.closeIdleConnections();
    let cut: ReturnType<typeof setTimeout> | undefined;
    const force = setTimeout(() => {
      // Calls still running end with UNAVAILABLE (a reset would read as CANCELLED: the client's doing);
      // the statuses get a moment to go out, then whatever is left is cut off.
      const reason = new TripleError(Code.UNAVAILABLE, "server is shutting down");
      for (const call of this.calls) {
        call.ctx.abort(reason);
        call.abortReceive(reason);
        call.finish(reason);
      }
      cut = setTimeout(() => {
        for (const session of this.sessions) session.destroy();
        this.guard.destroyAll();
      }, cutMs);
    }, graceMs - cutMs);
    const drained = setInterval(() => this.http1.closeIdleConnections(), 50);
    return closed.then(() => {
      clearTimeout(force);
      clearTimeout(cut);
      clearInterval(drained);
      this.guard.stop();
    });
  }

  /** Plaintext: HTTP/2 prior knowledge or HTTP/1.x, told apart by the first bytes. */
  private sniff(socket: Socket): void {
    socket.on("error", () => undefined);
    // No timer of its own: the connection guard closes a socket whose first bytes never come (headersTimeoutMs).
    exchangeSniff(socket, 0, (http2) => this.dispatch(socket, http2));
  }

  private dispatch(socket: Socket, http2: boolean): void {
    socket.on("error", () => undefined);
    if (http2) {
      this.guard.adoptSession(socket, () => this.http2.emit("connection", socket));
    } else {
      this.http1.emit("connection", socket);
      socket.resume();
    }
  }

  private onSession(session: Http2Session): void {
    this.sessions.add(session);
    this.guard.onSession(session);
    session.on("error", () => undefined);
    session.on("close", () => this.sessions.delete(session));
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on("error", () => undefined);
    this.guard.onStream(stream);
    if (serverRefuseHeaders(stream, headers, this.options.maxHeaderListBytes ?? 32 * 1024)) return;
    if (serverGrpcSubtype(headers["content-type"] ?? "") === undefined && headers[":method"] !== undefined) {
      return this.onTripleUnary(http2Exchange(stream, headers));
    }
    const target = serverRoutesResolve(this.routes, this.options, stream, headers);
    if (target === undefined) return;
    const [route, settings] = target;
    let timeoutMs: number | undefined;
    try {
      timeoutMs = grpcTimeoutParse(headers["grpc-timeout"] as string | undefined);
    } catch (error) {
      return serverRespondError(stream, settings.contentType, new TripleError(Code.INVALID_ARGUMENT, (error as Error).message));
    }
    const ctx = new HandlerContext(route.method, stream.session?.socket, headers, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
    const run = route.run;
    if (run === undefined) {
      if (route.unary !== undefined) new ServerUnaryCall(route.method, route.unary, stream, ctx, settings, this.host, timeoutMs);
      return;
    }
    const call = new ServerCall(route.method, stream, ctx, settings);
    this.calls.add(call);
    let clearTimer: (() => void) | undefined;
    if (timeoutMs !== undefined) {
      clearTimer = grpcDeadlineTimer(timeoutMs, () => {
        const error = new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
        ctx.abort(error);
        call.abortReceive(error);
        call.finish(error);
      });
    }
    const cancelled = (): void => {
      if (call.done) return;
      const error = new TripleError(Code.CANCELLED, "client cancelled the call");
      ctx.abort(error);
      call.abortReceive(error);
    };
    // A reset stream also emits "end", which must not read as the client's half-close: "aborted"
    // comes first and fails the request side before that.
    stream.once("aborted", cancelled);
    stream.once("close", () => {
      clearTimer?.();
      this.calls.delete(call);
      cancelled();
    });
    run(call).then(
      () => call.finish(),
      (error: unknown) => this.fail(call, error),
    );
  }

  private onHttp1(request: IncomingMessage, response: ServerResponse, expectContinue = false): void {
    this.onTripleUnary(http1Exchange(request, response, expectContinue));
  }

  private onTripleUnary(exchange: TripleUnaryExchange): void {
    const match = serverRouteLookup(this.routes, this.options, exchange.path, exchange.headers);
    if (exchange.http1 && serverGrpcSubtype(String(exchange.headers["content-type"] ?? "")) !== undefined) {
      const error = new TripleError(Code.UNIMPLEMENTED, "gRPC requires HTTP/2");
      exchange.respond(505, { "content-type": "application/json" }, tripleErrorBody(error), true);
      return;
    }
    serveTripleUnary(exchange, typeof match === "string" ? undefined : match.route, typeof match === "string" ? match : "", this.unarySettings);
  }

  private fail(call: ServerCallControl, error: unknown): void {
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
