import { http2ResetByUs } from "../http2-stream.js";
import { constants as http2Constants, type Http2Session, type Http2Stream } from "node:http2";
import type { Socket } from "node:net";
import type { ServerLimits } from "../../server/server-limits.js";

/** The client preface (24 bytes) and the 9-byte header of its SETTINGS frame. */
const http2PrefaceAndFrameHeader = 33;

/** One accepted TCP connection and what the guard knows of it. */
interface GuardedConnection {
  readonly socket: Socket;
  readonly acceptedAt: number;
  session?: Http2Session;
  /** The socket node:http2 reads (the TLS socket over TLS): its bytes tell when the preface is in. */
  appSocket?: Socket;
  /** The first request (HTTP/1.1) or the peer's SETTINGS (HTTP/2) arrived. */
  established: boolean;
  /** When the connection started closing (GOAWAY, idle…); destroyed `closeGraceMs` later. */
  closingAt?: number;
  bytesRead: number;
  bytesWritten: number;
  /** Last time bytes came in. */
  quietSince: number;
  /** Last time bytes went in or out (the idle timeout's clock). */
  activeAt: number;
  /** `bytesRead` when the last probe was acknowledged: still that value means idle and known alive. */
  aliveAtBytes: number;
  probeSentAt: number | undefined;
  resetTokens: number;
  openStreams: number;
  resetRefilledAt: number;
}

/**
 * Makes sure no connection outlives its use, whatever the peer does. node:http2 leaves a socket open
 * for good after nghttp2 ends a session on its own (GOAWAY for a COMPRESSION_ERROR, FRAME_SIZE_ERROR,
 * flood or rapid-reset limit): it stops reading, tells JavaScript nothing, and the socket sits in
 * CLOSE_WAIT once the peer leaves. The guard tracks every socket from accept and, on one unref'd
 * timer, destroys those that
 * - have not sent their preface/SETTINGS or first HTTP/1.1 request headers within `headersTimeoutMs`
 *   (slowloris);
 * - were told to go (idle timeout, too many resets, over the connection limit) and are still open
 *   `closeGraceMs` later;
 * - are HTTP/2, sent nothing for `probeIdleMs`, and do not acknowledge one PING within
 *   `probeTimeoutMs` (a session nghttp2 ended never sends the PING; a half-open peer never answers);
 * - are HTTP/2, have no open stream and moved no byte either way for `idleTimeoutMs` (closed with
 *   GOAWAY first), or are not yet established after it (when shorter than `headersTimeoutMs`). This
 *   replaces node:http2's own session timeout, whose timer keeps a destroyed session (and its socket)
 *   in memory until it fires: 300 s of every connection an attacker opened.
 * It also refuses connections past `maxConnections`, and answers rapid stream resets with GOAWAY
 * ENHANCE_YOUR_CALM.
 */
export class NodeConnectionGuard {
  private readonly connections = new Map<Socket, GuardedConnection>();
  private readonly sessions = new WeakMap<Http2Session, GuardedConnection>();
  private readonly timer: ReturnType<typeof setInterval>;
  private accepting: GuardedConnection | undefined;
  /** A connection must be established within this: headersTimeoutMs, or the idle timeout if shorter. */
  private readonly firstRequestMs: number;

  private readonly limits: ServerLimits;

  constructor(limits: ServerLimits) {
    this.limits = limits;
    const idle = limits.idleTimeoutMs > 0 ? limits.idleTimeoutMs : Infinity;
    this.firstRequestMs = Math.min(limits.headersTimeoutMs, idle);
    const tick = Math.max(50, Math.min(1_000, this.firstRequestMs / 4, limits.closeGraceMs / 4, limits.probeIdleMs / 4, idle / 4));
    this.timer = setInterval(() => this.sweep(Date.now()), tick);
    this.timer.unref();
  }

  /** Live connections. */
  get size(): number {
    return this.connections.size;
  }

  /**
   * Registers a socket just accepted by the listener. Returns false when the server is full: the
   * caller then refuses it (see `nodeRefuseConnection`).
   */
  accept(socket: Socket): boolean {
    if (this.connections.size >= this.limits.maxConnections) return false;
    const now = Date.now();
    const connection: GuardedConnection = {
      socket,
      acceptedAt: now,
      established: false,
      bytesRead: 0,
      bytesWritten: 0,
      quietSince: now,
      activeAt: now,
      aliveAtBytes: -1,
      resetTokens: this.limits.streamResetBurst,
      openStreams: 0,
      resetRefilledAt: now,
      probeSentAt: undefined,
    };
    this.connections.set(socket, connection);
    socket.once("close", () => this.connections.delete(socket));
    return true;
  }

  /** Runs `emit` (which makes node:http2 create a session for `socket` synchronously) and adopts that session. */
  adoptSession(socket: Socket, emit: () => void): void {
    this.accepting = this.find(socket);
    if (this.accepting !== undefined) this.accepting.appSocket = socket;
    try {
      emit();
    } finally {
      this.accepting = undefined;
    }
  }

  /** Called from the HTTP/2 server's `session` event. */
  onSession(session: Http2Session): void {
    const connection = this.accepting;
    if (connection === undefined) return;
    connection.session = session;
    this.sessions.set(session, connection);
    session.once("remoteSettings", () => (connection.established = true));
    // The peer is leaving: no new streams, but its open ones may still finish (node destroys the
    // session after them). A peer that then stalls is caught by the probe and the idle timeout.
    session.once("goaway", () => {
      if (!session.closed && !session.destroyed) session.close();
    });
    session.once("close", () => connection.socket.destroy());
  }

  /** The connection carrying `socket` (the TLS or plain socket node:http/http2 got) made its first request. */
  established(socket: Socket): void {
    const connection = this.find(socket);
    if (connection !== undefined) connection.established = true;
  }

  /** Closes `session` gracefully (GOAWAY, in-flight calls finish) and destroys it after the grace. */
  closeSession(session: Http2Session): void {
    if (!session.closed && !session.destroyed) session.close();
    const connection = this.bySession(session);
    if (connection !== undefined) this.closeSoon(connection);
  }

  /**
   * Tracks a stream of `session` (from the server's `stream` event): a connection with open streams is
   * never idle-closed, however quiet its calls are (as grpc-go's MaxConnectionIdle); peer resets of it
   * count towards the rapid-reset bucket when they come right after its opening.
   */
  onStream(stream: Http2Stream): void {
    const connection = stream.session === undefined ? undefined : this.bySession(stream.session);
    if (connection === undefined) return;
    connection.openStreams++;
    stream.once("close", () => connection.openStreams--);
    const openedAt = Date.now();
    // 'aborted' also fires for streams this server reset (deadlines, limits): only the peer's count,
    // and only when they come right after the stream opened (a cancelled call that ran is no attack).
    stream.once("aborted", () => {
      if (!http2ResetByUs(stream) && Date.now() - openedAt < this.limits.streamResetWindowMs) this.onPeerReset(connection);
    });
  }

  /**
   * Counts a rapid reset: a stream the peer reset (RST_STREAM) within `streamResetWindowMs` of opening
   * it. Past the burst allowance the session gets GOAWAY ENHANCE_YOUR_CALM and is destroyed after the
   * grace.
   */
  private onPeerReset(connection: GuardedConnection): void {
    const session = connection.session;
    if (session === undefined || connection.closingAt !== undefined) return;
    const now = Date.now();
    const refill = ((now - connection.resetRefilledAt) / 1_000) * this.limits.streamResetRate;
    connection.resetTokens = Math.min(this.limits.streamResetBurst, connection.resetTokens + refill);
    connection.resetRefilledAt = now;
    connection.resetTokens -= 1;
    if (connection.resetTokens >= 0) return;
    if (!session.destroyed) session.goaway(http2Constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from("too many stream resets"));
    this.closeSoon(connection);
  }

  /** Destroys every connection now (end of a shutdown's grace). */
  destroyAll(): void {
    for (const connection of this.connections.values()) this.destroy(connection);
  }

  /** Stops the timer (the server closed). */
  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * The connection under `socket`: the accepted socket itself or, over TLS, the TCP socket the TLS
   * socket wraps (node:tls's server keeps it as `_parent`; matched by address and ports should that
   * ever go). A TLS connection not found here would never count as established and be cut after
   * `headersTimeoutMs`, with its calls.
   */
  private find(socket: Socket): GuardedConnection | undefined {
    const direct = this.connections.get(socket);
    if (direct !== undefined) return direct;
    const parent = (socket as unknown as { _parent?: unknown })._parent;
    const wrapped = parent instanceof Object ? this.connections.get(parent as Socket) : undefined;
    if (wrapped !== undefined || socket.remotePort === undefined) return wrapped;
    for (const connection of this.connections.values()) {
      const tcp = connection.socket;
      if (tcp.remotePort === socket.remotePort && tcp.localPort === socket.localPort && tcp.remoteAddress === socket.remoteAddress) return connection;
    }
    return undefined;
  }

  private bySession(session: Http2Session): GuardedConnection | undefined {
    return this.sessions.get(session);
  }

  private closeSoon(connection: GuardedConnection): void {
    connection.closingAt ??= Date.now();
  }

  private destroy(connection: GuardedConnection): void {
    // The socket only: node:http2 tears its session down when the socket closes. Destroying a session
    // nghttp2 had already ended, directly, made other sessions' streams stall in the soak test.
    connection.socket.destroy();
    this.connections.delete(connection.socket);
  }

  private sweep(now: number): void {
    const limits = this.limits;
    for (const connection of this.connections.values()) {
      if (connection.socket.destroyed) {
        this.connections.delete(connection.socket);
        continue;
      }
      // node:http2 may have parsed the preface and SETTINGS before its "session" event (when they came
      // with the first bytes): the byte count tells, the "remoteSettings" event may have been missed.
      if (!connection.established && connection.session !== undefined && (connection.appSocket ?? connection.socket).bytesRead >= http2PrefaceAndFrameHeader) {
        connection.established = true;
      }
      if (!connection.established && now - connection.acceptedAt > this.firstRequestMs) {
        this.destroy(connection);
        continue;
      }
      if (connection.closingAt !== undefined && now - connection.closingAt > limits.closeGraceMs) {
        this.destroy(connection);
        continue;
      }
      const session = connection.session;
      if (session === undefined) continue;
      const bytesWritten = connection.socket.bytesWritten;
      if (bytesWritten !== connection.bytesWritten) {
        connection.bytesWritten = bytesWritten;
        connection.activeAt = now;
      }
      const bytesRead = connection.socket.bytesRead;
      if (bytesRead !== connection.bytesRead) {
        connection.bytesRead = bytesRead;
        connection.quietSince = connection.activeAt = now;
        if (bytesRead !== connection.aliveAtBytes) connection.probeSentAt = undefined;
        continue;
      }
      if (limits.idleTimeoutMs > 0 && connection.openStreams === 0 && connection.closingAt === undefined && now - connection.activeAt > limits.idleTimeoutMs) {
        this.closeSession(session); // nothing in or out for the idle timeout: GOAWAY, then destroyed after the grace
        continue;
      }
      if (connection.probeSentAt !== undefined) {
        if (now - connection.probeSentAt > limits.probeTimeoutMs) this.destroy(connection);
        continue;
      }
      if (bytesRead === connection.aliveAtBytes || now - connection.quietSince < limits.probeIdleMs) continue;
      this.probe(connection, session, now);
    }
  }

  private probe(connection: GuardedConnection, session: Http2Session, now: number): void {
    connection.probeSentAt = now;
    try {
      session.ping((error) => {
        if (error !== null) return;
        connection.probeSentAt = undefined;
        connection.aliveAtBytes = connection.bytesRead = connection.socket.bytesRead;
      });
    } catch {
      this.destroy(connection); // too many pings in flight, or the session is already gone
    }
  }
}
