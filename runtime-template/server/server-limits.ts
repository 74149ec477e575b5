/** Most connections a server holds at once; more are refused (HTTP/2 GOAWAY, HTTP/1.1 503). */
export const serverDefaultMaxConnections = 10_000;
/** Time a new connection has to send its HTTP/2 preface and SETTINGS, or its HTTP/1.1 request headers. */
export const serverDefaultHeadersTimeoutMs = 10_000;
/** Time an HTTP/1.1 request has to arrive whole, headers and body (node:http's `requestTimeout`). */
export const serverDefaultHttp1RequestTimeoutMs = 60_000;
/** An HTTP/2 connection with no open call that moved no byte either way for this long is closed (GOAWAY, then destroyed). */
export const serverDefaultIdleTimeoutMs = 300_000;
/** Time a closing connection (GOAWAY sent or received, idle, over a limit) gets before it is destroyed. */
export const serverDefaultCloseGraceMs = 2_000;
/** An HTTP/2 connection from which nothing arrived for this long is probed with one PING. */
export const serverDefaultProbeIdleMs = 10_000;
/** A probe PING not acknowledged within this time marks the connection dead: it is destroyed. */
export const serverDefaultProbeTimeoutMs = 10_000;
/**
 * Rapid stream resets by the peer allowed in a burst per connection (rapid reset, CVE-2023-44487).
 * Below nghttp2's own mitigation (1,000 resets of any age, which ends the session with a bare
 * INTERNAL_ERROR), but well above what a busy client needs: a burst of short deadlines running out on
 * one connection resets a stream each, and 200 cost such a connection GOAWAY and every call in flight.
 */
export const serverDefaultStreamResetBurst = 500;
/** Rapid stream resets per second per connection that refill the burst allowance. */
export const serverDefaultStreamResetRate = 100;
/**
 * A peer reset is "rapid" (counts towards the burst) when it comes within this time of the stream's
 * opening: the attack resets each stream right after its HEADERS, usually in the same read, while a
 * client cancelling a call it waited on (a deadline, a user giving up) does so later. Without this, a
 * client whose many calls time out on one connection looked like an attacker (seen in the Connect
 * conformance suite: GOAWAY, then "unexpected EOF" for the calls in flight).
 */
export const serverDefaultStreamResetWindowMs = 100;
/** Memory node:http2 may hold per session (headers, queued output), in MB; past it new streams are refused. */
export const serverDefaultMaxSessionMemoryMb = 64;

/**
 * Fixed node:http2 flood bounds (node's defaults, set explicitly so they cannot drift): unacknowledged
 * PINGs and SETTINGS of our own, invalid frames (empty DATA…) and refused streams a peer may cause
 * before the session is torn down. nghttp2 itself bounds queued PING/SETTINGS ACKs (1,000) and
 * CONTINUATION frames per header block (8).
 */
export const serverHttp2FloodBounds = {
  maxOutstandingPings: 10,
  maxSettings: 32,
  maxSessionInvalidFrames: 1_000,
  maxSessionRejectedStreams: 100,
} as const;

/** The connection-level limits of a server; each defaults to the constant of the same name above. */
export interface ServerLimitOptions {
  /** Most connections at once; default 10,000. */
  readonly maxConnections?: number;
  /** Time to send the HTTP/2 preface + SETTINGS or the HTTP/1.1 request headers; default 10,000 ms. */
  readonly headersTimeoutMs?: number;
  /** Time for a whole HTTP/1.1 request; default 60,000 ms. */
  readonly http1RequestTimeoutMs?: number;
  /** Close HTTP/2 connections that moved no byte for this long; default 300,000 ms, 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Time a closing connection gets before it is destroyed; default 2,000 ms. */
  readonly closeGraceMs?: number;
  /** Quiet time after which an HTTP/2 connection is probed with a PING; default 10,000 ms. */
  readonly probeIdleMs?: number;
  /** Time the probe PING has to be acknowledged; default 10,000 ms. */
  readonly probeTimeoutMs?: number;
  /** Rapid peer stream resets allowed in a burst per connection; default 500. */
  readonly streamResetBurst?: number;
  /** Rapid peer stream resets per second that refill the burst; default 100. */
  readonly streamResetRate?: number;
  /** A peer reset within this time of the stream's opening counts as rapid; default 100 ms. */
  readonly streamResetWindowMs?: number;
  /** node:http2 memory per session, MB; default 64. */
  readonly maxSessionMemoryMb?: number;
}

/** {@link ServerLimitOptions} with every default applied. */
export type ServerLimits = { readonly [K in keyof ServerLimitOptions]-?: number };

/** Applies the defaults: the one place where connection limits are resolved. */
export function serverLimitsResolve(options: ServerLimitOptions): ServerLimits {
  return {
    maxConnections: options.maxConnections ?? serverDefaultMaxConnections,
    headersTimeoutMs: options.headersTimeoutMs ?? serverDefaultHeadersTimeoutMs,
    http1RequestTimeoutMs: options.http1RequestTimeoutMs ?? serverDefaultHttp1RequestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? serverDefaultIdleTimeoutMs,
    closeGraceMs: options.closeGraceMs ?? serverDefaultCloseGraceMs,
    probeIdleMs: options.probeIdleMs ?? serverDefaultProbeIdleMs,
    probeTimeoutMs: options.probeTimeoutMs ?? serverDefaultProbeTimeoutMs,
    streamResetBurst: options.streamResetBurst ?? serverDefaultStreamResetBurst,
    streamResetRate: options.streamResetRate ?? serverDefaultStreamResetRate,
    streamResetWindowMs: options.streamResetWindowMs ?? serverDefaultStreamResetWindowMs,
    maxSessionMemoryMb: options.maxSessionMemoryMb ?? serverDefaultMaxSessionMemoryMb,
  };
}
