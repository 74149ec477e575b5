import { Agent as HttpAgent, request as http1Request } from "node:http";
import { Agent as HttpsAgent, request as https1Request } from "node:https";
import {
  connect,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import type { ClientTransport, PlainHttpResponse } from "../../client/client-transport.js";
import { tripleCollector } from "../../protocol/body-collector.js";
import type { CompressorTable } from "../../protocol/compression.js";
import type { IncomingHeaders } from "../../protocol/metadata.js";
import { Code } from "../../protocol/status-code.js";
import { TripleError } from "../../protocol/triple-error.js";
import { nodeCompressions } from "./gzip.js";
import { Http1ClientStream } from "./http1-client-stream.js";

/** TLS settings of a client (`https://` targets); PEM strings or buffers. */
export interface ClientTlsOptions {
  /** Trusted CA certificates; default: Node's bundled roots. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Client certificate chain for mutual TLS. */
  readonly cert?: string | Uint8Array;
  /** Private key of the client certificate. */
  readonly key?: string | Uint8Array;
  /** Server name to verify (SNI) when it differs from the URL host. */
  readonly servername?: string;
  /** Verify the server certificate (default true). */
  readonly rejectUnauthorized?: boolean;
}

/** Options of an HTTP/2 client connection. */
export interface Http2TransportOptions {
  /** `http://host:port` (h2c prior knowledge) or `https://host:port` (TLS, ALPN h2). */
  readonly baseUrl: string;
  readonly tls?: ClientTlsOptions;
  /** Send an HTTP/2 PING when the connection has been idle this long; 0 (default) disables. */
  readonly keepAliveIntervalMs?: number;
  /** Close the connection when a PING is not answered within this time; default 20,000 ms. */
  readonly keepAliveTimeoutMs?: number;
  /** HTTP/2 receive window per stream; default 1 MiB (Node's 64 KiB default throttles streaming). */
  readonly initialWindowSize?: number;
}

/** Node's TLS connection options for a client's `ClientTlsOptions` (HTTP/2 sessions and HTTP/1.1 agent alike). */
function nodeClientTls(tls: ClientTlsOptions | undefined): Pick<ConnectionOptions, "ca" | "cert" | "key" | "servername" | "rejectUnauthorized"> {
  return {
    ...(tls?.ca !== undefined ? { ca: tls.ca as ConnectionOptions["ca"] } : {}),
    ...(tls?.cert !== undefined ? { cert: tls.cert as ConnectionOptions["cert"] } : {}),
    ...(tls?.key !== undefined ? { key: tls.key as ConnectionOptions["key"] } : {}),
    ...(tls?.servername !== undefined ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
}

interface TransportSession {
  readonly session: ClientHttp2Session;
  active: number;
  pingTimer: ReturnType<typeof setInterval> | undefined;
}

/**
 * One multiplexed HTTP/2 connection per target, shared by every call of the clients that use this
 * transport. A connection that received GOAWAY or closed is replaced on the next call, in-flight
 * calls finish on the old one; idle connections do not keep the process alive.
 */
export class Http2ClientTransport implements ClientTransport {
  /** The normalised target URL (`http://127.0.0.1:20000`). */
  readonly baseUrl: string;
  /** The path of the target URL before every method path ("" for none). */
  readonly pathPrefix: string;
  /** gzip, over Node's zlib. */
  readonly compressions: CompressorTable = nodeCompressions;
  private readonly options: Http2TransportOptions;
  private current: TransportSession | undefined;
  private readonly sessions = new Set<TransportSession>();
  private closed = false;
  private agent: HttpAgent | undefined;
  /** The Unix domain socket of a `unix:` target. */
  private readonly socketPath: string | undefined;

  constructor(options: Http2TransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol === "unix:") {
      // unix:///path/to/socket (gRPC's naming): plaintext HTTP/2 or HTTP/1.1 over a Unix domain socket.
      if (url.pathname === "" || url.pathname === "/") throw new TripleError(Code.INVALID_ARGUMENT, `unix target ${options.baseUrl} names no socket path`);
      this.socketPath = decodeURIComponent(url.pathname);
      this.baseUrl = "http://localhost";
      this.pathPrefix = "";
    } else if (url.protocol === "http:" || url.protocol === "https:") {
      this.baseUrl = url.origin;
      this.pathPrefix = url.pathname.replace(/\/+$/, "");
    } else {
      throw new TripleError(Code.INVALID_ARGUMENT, `unsupported target ${options.baseUrl}: use http://, https:// or unix:///path`);
    }
    this.options = options;
  }

  /** Opens a request stream (the request HEADERS go out at once); throws UNAVAILABLE when closed. */
  request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    if (this.closed) throw new TripleError(Code.UNAVAILABLE, "transport is closed");
    let state = this.session();
    let stream: ClientHttp2Stream;
    try {
      stream = state.session.request(headers, { endStream: false });
    } catch {
      // The session went away between the check and the request (GOAWAY, socket closed): retry once.
      this.retire(state);
      state = this.session();
      stream = state.session.request(headers, { endStream: false });
    }
    if (state.active++ === 0) state.session.ref();
    stream.once("close", () => {
      if (--state.active === 0 && !state.session.destroyed) state.session.unref();
    });
    return stream;
  }

  /** One HTTP/1.1 POST (or GET) on a keep-alive connection (Triple-unary, Connect unary), read whole. */
  postHttp1(path: string, headers: OutgoingHttpHeaders, body: Uint8Array, signal: AbortSignal, maxBytes: number, method: "POST" | "GET" = "POST"): Promise<PlainHttpResponse> {
    return new Promise((resolve, reject) => {
      const base = new URL(this.baseUrl);
      const send = base.protocol === "https:" ? https1Request : http1Request;
      const socket = this.socketPath === undefined ? {} : { socketPath: this.socketPath };
      const length = method === "GET" ? {} : { "content-length": body.length };
      const options = { method, headers: { ...headers, ...length }, agent: this.http1Agent(), signal, ...socket };
      const req = send(new URL(path, base), options, (res) => {
        const collect = tripleCollector(maxBytes, reject, () => res.destroy());
        res.on("data", collect.push);
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers as IncomingHeaders, body: collect.bytes() }));
      });
      req.on("error", reject);
      if (method === "GET") req.end();
      else req.end(body);
    });
  }

  /** A streaming HTTP/1.1 exchange (Connect and gRPC-Web streams over HTTP/1.1) on the keep-alive agent. */
  requestHttp1(headers: OutgoingHttpHeaders): Http1ClientStream {
    if (this.closed) throw new TripleError(Code.UNAVAILABLE, "transport is closed");
    return new Http1ClientStream(this.baseUrl, headers, this.http1Agent(), this.socketPath);
  }

  /** The keep-alive HTTP/1.1 agent Triple-unary calls over HTTP/1.1 use (created on first use). */
  private http1Agent(): HttpAgent {
    if (this.agent === undefined) {
      const tls = this.options.tls;
      this.agent = this.baseUrl.startsWith("https:")
        ? new HttpsAgent({ keepAlive: true, ...nodeClientTls(tls) })
        : new HttpAgent({ keepAlive: true });
    }
    return this.agent;
  }

  /** Closes every connection gracefully (in-flight calls finish) and refuses new calls. */
  close(): Promise<void> {
    this.closed = true;
    this.closeHttp1Agent();
    const pending = [...this.sessions].map(
      (state) =>
        new Promise<void>((resolve) => {
          if (state.session.closed || state.session.destroyed) return resolve();
          // Keep the process alive until the close completes (idle sessions are unref'd).
          state.session.ref();
          state.session.close(() => resolve());
        }),
    );
    for (const state of this.sessions) this.stopPing(state);
    this.current = undefined;
    return Promise.all(pending).then(() => undefined);
  }

  /**
   * Ends the HTTP/1.1 agent's idle keep-alive sockets now, and every other one as soon as its request
   * is done: requests in flight finish (or are aborted by their caller), none is cut off here.
   */
  private closeHttp1Agent(): void {
    const agent = this.agent;
    if (agent === undefined) return;
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    agent.on("free", (socket: Socket) => socket.destroy());
    if (Object.keys(agent.sockets).length === 0) agent.destroy();
  }

  private session(): TransportSession {
    const current = this.current;
    if (current !== undefined && !current.session.closed && !current.session.destroyed) return current;
    const tls = this.options.tls;
    const connectOptions: SecureClientSessionOptions = {
      settings: { enablePush: false, initialWindowSize: this.options.initialWindowSize ?? 1 << 20 },
      ...(tls === undefined ? {} : nodeClientTls(tls)),
    };
    const socketPath = this.socketPath;
    if (socketPath !== undefined) connectOptions.createConnection = () => netConnect(socketPath);
    const session = connect(this.baseUrl, connectOptions);
    const state: TransportSession = { session, active: 0, pingTimer: undefined };
    this.current = state;
    this.sessions.add(state);
    session.unref();
    session.on("error", () => {
      // Streams of this session fail with their own errors; the session is replaced on next use.
      this.retire(state);
    });
    session.on("goaway", () => this.retire(state));
    session.on("close", () => {
      this.retire(state);
      this.sessions.delete(state);
    });
    session.once("connect", (_session: ClientHttp2Session, socket: Socket) => {
      // node:http2 ends a failed connection's socket gracefully, which never completes when TLS broke
      // after the handshake (a server refusing our certificate): the socket, and the session, would
      // stay open for good.
      socket.once("error", () => setImmediate(() => socket.destroy()));
      session.setLocalWindowSize(Math.max(this.options.initialWindowSize ?? 1 << 20, 1 << 24));
      this.startPing(state);
    });
    return state;
  }

  /** Stops using a session for new calls; its streams run to completion. */
  private retire(state: TransportSession): void {
    if (this.current === state) this.current = undefined;
    this.stopPing(state);
  }

  private startPing(state: TransportSession): void {
    const interval = this.options.keepAliveIntervalMs ?? 0;
    if (interval <= 0) return;
    const timeout = this.options.keepAliveTimeoutMs ?? 20_000;
    state.pingTimer = setInterval(() => {
      if (state.session.destroyed) return this.stopPing(state);
      const deadline = setTimeout(() => state.session.destroy(), timeout);
      deadline.unref();
      const sent = state.session.ping((error) => {
        clearTimeout(deadline);
        if (error !== null) state.session.destroy();
      });
      if (!sent) clearTimeout(deadline);
    }, interval);
    state.pingTimer.unref();
  }

  private stopPing(state: TransportSession): void {
    if (state.pingTimer !== undefined) clearInterval(state.pingTimer);
    state.pingTimer = undefined;
  }
}
