import { createServer as createHttp1Server, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Code } from "../../protocol/status-code.js";
import { TripleError } from "../../protocol/triple-error.js";
import { ServerDispatcher } from "../../server/server-dispatch.js";
import type { ServerRoute } from "../../server/server-handlers.js";
import type { ServerRegistration } from "../../server/server-routing.js";
import { serverHttp2FloodBounds } from "../../server/server-limits.js";
import { serverDefaultShutdownGraceMs, serverResolveSettings, type ServerOptions } from "../../server/server-settings.js";
import { NodeConnectionGuard } from "./connection-guard.js";
import { nodeRefuseConnection } from "./connection-refuse.js";
import { nodeCompressions } from "./gzip.js";
import { exchangeHttp1ClientError, exchangeSniff } from "./server-exchanges.js";
import { nodeServeHttp1, nodeServeHttp2 } from "./server-protocols.js";

/** Where a server listens. */
export interface ListenOptions {
  /** Interface to bind; default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one, reported by `listen()`. */
  readonly port?: number;
  /** A Unix domain socket path to listen on instead of a TCP port (clients use `unix:///path`). */
  readonly path?: string;
}

/**
 * A Triple/gRPC server over Node's HTTP stack: gRPC (all four kinds) over HTTP/2; Connect (unary POST
 * and GET, streaming) and gRPC-Web over HTTP/2 and HTTP/1.1 (bidi: HTTP/2 only); Triple-unary (plain
 * POST) over both; with CORS when asked (`cors` option), all on one port — plaintext connections are told apart by the
 * HTTP/2 preface, TLS ones by ALPN. This class owns connections (listener, sockets, sessions); what a
 * request means is the `ServerDispatcher`'s business. Services are registered with the generated
 * `register…Service` functions, then `listen()` serves them; `close()` drains in-flight calls.
 */
export class TripleServer {
  private readonly dispatcher: ServerDispatcher;
  private readonly http2: Http2Server;
  private readonly http1: HttpServer;
  private readonly listener: NetServer;
  private readonly guard: NodeConnectionGuard;
  private readonly sessions = new Set<Http2Session>();
  private readonly serviceSet = new Set<string>();
  private readonly shutdownListeners: Array<() => void> = [];

  constructor(options: ServerOptions = {}) {
    const settings = serverResolveSettings(options, nodeCompressions);
    const dispatcher = new ServerDispatcher(settings);
    this.dispatcher = dispatcher;
    const limits = settings.limits;
    const guard = new NodeConnectionGuard(limits);
    this.guard = guard;
    this.http2 = createServer({
      settings: {
        maxConcurrentStreams: settings.maxConcurrentStreams,
        maxHeaderListSize: settings.maxHeaderListBytes,
        initialWindowSize: 1 << 20,
      },
      maxSessionMemory: limits.maxSessionMemoryMb,
      ...serverHttp2FloodBounds,
    });
    this.http2.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      stream.on("error", () => undefined);
      guard.onStream(stream);
      if (dispatcher.refuseHeaders(stream, headers)) return;
      nodeServeHttp2(dispatcher, stream, headers);
    });
    this.http2.on("session", (session) => this.onSession(session));
    this.http2.on("sessionError", () => undefined);
    this.http1 = createHttp1Server(
      {
        maxHeaderSize: settings.maxHeaderListBytes,
        keepAliveTimeout: 5_000,
        requestTimeout: Math.max(limits.http1RequestTimeoutMs, limits.headersTimeoutMs),
        headersTimeout: limits.headersTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      },
      (request, response) => nodeServeHttp1(dispatcher, request, response),
    );
    // node:http enforces headersTimeout/requestTimeout from a timer it starts on "listening"; this
    // server is handed its sockets and never listens, so without this those timeouts never fire.
    this.http1.emit("listening");
    this.http1.on("request", (request: IncomingMessage) => guard.established(request.socket));
    this.http1.on("clientError", (error: Error & { code?: string }, socket: Socket) =>
      exchangeHttp1ClientError(error, socket, settings.maxHeaderListBytes),
    );
    // `Expect: 100-continue`: a Triple-unary exchange sends `100 Continue` only once it wants the body;
    // Connect and gRPC-Web streams get it at once (their bodies are read as they arrive).
    this.http1.on("checkContinue", (request: IncomingMessage, response: ServerResponse) =>
      nodeServeHttp1(dispatcher, request, response, true),
    );
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
      if (!guard.accept(socket)) return nodeRefuseConnection(socket, tls !== undefined, limits.closeGraceMs);
      if (tls !== undefined) return;
      socket.on("error", () => undefined);
      // No timer of its own: the connection guard closes a socket whose first bytes never come (headersTimeoutMs).
      exchangeSniff(socket, 0, (http2) => this.dispatch(socket, http2));
    });
    if (tls !== undefined) this.listener.on("tlsClientError", () => undefined);
  }

  /** Registers the routes of one service implementation under a Dubbo group and version. */
  register(routes: readonly ServerRoute[], registration: ServerRegistration = {}): void {
    this.dispatcher.register(routes, registration);
    for (const route of routes) this.serviceSet.add(route.method.service);
  }

  /** Fully-qualified names of the services registered so far, in registration order (server reflection lists them). */
  serviceNames(): string[] {
    return [...this.serviceSet];
  }

  /** Runs `listener` once, as `close()` begins, before calls are drained (the health service turns NOT_SERVING). */
  onShutdown(listener: () => void): void {
    this.shutdownListeners.push(listener);
  }

  /** Starts listening; resolves with the bound address (the real port when port 0 was asked; port 0 on a Unix socket). */
  listen(options: ListenOptions = {}): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.listener.once("error", reject);
      const done = (): void => {
        this.listener.off("error", reject);
        const address = this.listener.address();
        if (typeof address === "string" || address === null) resolve({ host: "localhost", port: 0 });
        else resolve({ host: address.address, port: address.port });
      };
      if (options.path !== undefined) this.listener.listen(options.path, done);
      else this.listener.listen(options.port ?? 0, options.host ?? "127.0.0.1", done);
    });
  }

  /** The port the server is bound to (after `listen()`). */
  get port(): number {
    const address = this.listener.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  /**
   * Stops accepting connections and calls, lets in-flight calls finish, ends those still running with
   * UNAVAILABLE and closes every connection: all within `graceMs` (default 5,000), the whole time
   * close() takes, so that a process stopped with a grace period (SIGTERM) exits within it.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    const graceMs = options.graceMs ?? serverDefaultShutdownGraceMs;
    // The last part of the grace: statuses of the calls ended at its start go out, then the cut.
    const cutMs = Math.min(200, graceMs / 5);
    for (const listener of this.shutdownListeners.splice(0)) {
      try {
        listener();
      } catch {
        // A listener's failure must not stop the shutdown it is told about.
      }
    }
    const closed = new Promise<void>((resolve) => {
      if (!this.listener.listening) return resolve();
      this.listener.close(() => resolve());
    });
    this.http1.close(); // stops node:http's timeout timer (see the constructor)
    for (const session of this.sessions) if (!session.closed) session.close();
    this.http1.closeIdleConnections();
    let cut: ReturnType<typeof setTimeout> | undefined;
    const force = setTimeout(() => {
      // The statuses get a moment to go out, then whatever is left is cut off.
      this.dispatcher.lifecycle.shutdown(new TripleError(Code.UNAVAILABLE, "server is shutting down"));
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
}

/** Creates a server; register services on it, then call `listen()`. */
export function createTripleServer(options?: ServerOptions): TripleServer {
  return new TripleServer(options);
}
