// End-to-end fixtures: a generated GreetService server and clients on real sockets (127.0.0.1, port
// 0), raw node:http2 peers for wire-level checks, and an afterEach that closes everything and fails
// the test when a socket, HTTP/2 session or stream it created is still alive afterwards.
import { createHook, type AsyncHook } from "node:async_hooks";
import {
  connect,
  createServer,
  type ClientHttp2Session,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect } from "vitest";
import {
  createGreetServiceClient,
  GreetRequest,
  registerGreetService,
  type GreetServiceClient,
  type GreetServiceHandler,
} from "../../snapshots/services/greet.js";
import {
  createTripleServer,
  isEnded,
  TripleError,
  type ClientOptions,
  type MethodInfo,
  type ServerOptions,
  type ServerRegistration,
  type TripleServer,
} from "../../snapshots/services/tristub-runtime.js";

// ---------------------------------------------------------------------------------------------------
// Handle tracking: every TCP socket and listening server, by async_hooks id. Sockets are handle wraps,
// whose destroy hook runs as soon as they close. (HTTP/2 sessions and streams are counted too, but
// their destroy hook waits for garbage collection, so they are not used for the leak check; open
// streams are counted on the servers instead, see `watchServer`.)

const trackedTypes = new Set(["TCPWRAP", "TCPSERVERWRAP", "HTTP2SESSION", "HTTP2STREAM"]);
const leakTypes = new Set(["TCPWRAP", "TCPSERVERWRAP"]);
const liveHandles = new Map<number, string>();
const createdCounts = new Map<string, number>();
let handleHook: AsyncHook | undefined;

function trackHandles(): void {
  handleHook ??= createHook({
    init(id, type) {
      if (!trackedTypes.has(type)) return;
      liveHandles.set(id, type);
      createdCounts.set(type, (createdCounts.get(type) ?? 0) + 1);
    },
    destroy(id) {
      liveHandles.delete(id);
    },
  }).enable();
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolve function (Node 20 has no `Promise.withResolvers`). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with `promise`, or rejects after `ms` with `what` in the message. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads an async iterable to the end (Node 20 has no `Array.fromAsync`). */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Polls `check` every 10 ms until it returns true or `ms` pass; returns the last result. */
export async function eventually(check: () => boolean, ms = 2_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------------
// The GreetService used unless a test overrides methods.

/** Echo implementation of GreetService (like the Dubbo-go sample): the server stream sends 5 replies. */
export const echoHandler: GreetServiceHandler = {
  greet: (request) => ({ greeting: request.name }),
  async greetStream(stream) {
    for await (const request of stream) await stream.send({ greeting: request.name });
  },
  async greetClientStream(stream) {
    const names: string[] = [];
    for await (const request of stream) names.push(request.name);
    return { greeting: names.join(",") };
  },
  async greetServerStream(request, stream) {
    for (let i = 0; i < 5; i++) await stream.send({ greeting: `${request.name}-${i}` });
  },
};

/** A started server and how to reach it. */
export interface E2EServer {
  readonly server: TripleServer;
  readonly port: number;
  readonly baseUrl: string;
}

/** How {@link E2E.start} builds its server. */
export interface StartOptions {
  /** Methods overriding {@link echoHandler}. */
  readonly handler?: Partial<GreetServiceHandler>;
  readonly registration?: ServerRegistration;
  /** Further registrations (e.g. other versions); each overrides {@link echoHandler}. */
  readonly extra?: readonly { handler: Partial<GreetServiceHandler>; registration: ServerRegistration }[];
  /** Register no GreetService at all (unknown-method tests). */
  readonly empty?: boolean;
  readonly options?: ServerOptions;
  /** Listen on this port (restart tests); default 0. */
  readonly port?: number;
}

/**
 * A unary method the generated GreetService does not have, with `idempotency_level = NO_SIDE_EFFECTS`
 * (so Connect GET is allowed): tests register it by hand with `serveUnary` to exercise GET.
 */
export const greetLookupMethod = {
  service: "greet.GreetService",
  name: "Lookup",
  path: "/greet.GreetService/Lookup",
  kind: "unary",
  idempotency: "no_side_effects",
  input: GreetRequest,
  output: GreetRequest,
} as unknown as MethodInfo<GreetRequest, GreetRequest>;

/** A raw node:http2 server a test answers by hand. */
export interface RawServer {
  readonly server: Http2Server;
  readonly port: number;
  readonly baseUrl: string;
}

/** The per-test fixture returned by {@link useE2E}. */
export interface E2E {
  /** Starts a TripleServer with GreetService on 127.0.0.1; closed after the test. */
  start(options?: StartOptions): Promise<E2EServer>;
  /** A generated GreetService client; closed after the test. */
  client(target: { readonly baseUrl: string } | string, options?: Omit<ClientOptions, "baseUrl">): GreetServiceClient;
  /** A raw node:http2 client session; closed after the test. */
  connect(target: { readonly baseUrl: string } | string): ClientHttp2Session;
  /** A raw node:http2 server; closed (its sessions destroyed) after the test. */
  rawServer(onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void): Promise<RawServer>;
  /** How many handles of a type (`TCPWRAP`, `HTTP2SESSION`, …) were created since the test began. */
  created(type: string): number;
  /** Runs `fn` in the cleanup, before the leak check. */
  defer(fn: () => unknown): void;
}

/**
 * Installs the end-to-end fixture for the current test file: `beforeEach` notes the live handles,
 * `afterEach` closes clients, raw sessions and servers (in that order) and then fails the test if any
 * socket, session or stream created during it is still alive after a short grace period.
 */
export function useE2E(): E2E {
  trackHandles();
  let baseline = new Set<number>();
  let baseCounts = new Map<string, number>();
  let cleanups: (() => unknown)[] = [];
  let clients: GreetServiceClient[] = [];
  let sessions: ClientHttp2Session[] = [];
  let servers: TripleServer[] = [];
  let rawServers: { server: Http2Server; sessions: Set<Http2Session> }[] = [];
  const openStreams = new Set<ServerHttp2Stream>();
  // Counts the open streams of a server (TripleServer keeps its node:http2 server private).
  const watchStreams = (http2: Http2Server | undefined): void => {
    http2?.on("stream", (stream: ServerHttp2Stream) => {
      openStreams.add(stream);
      stream.once("close", () => openStreams.delete(stream));
    });
  };

  beforeEach(() => {
    baseline = new Set(liveHandles.keys());
    baseCounts = new Map(createdCounts);
    cleanups = [];
    clients = [];
    sessions = [];
    servers = [];
    rawServers = [];
    openStreams.clear();
  });

  afterEach(async () => {
    const problems: string[] = [];
    const attempt = async (what: string, run: () => unknown, ms = 3_000): Promise<void> => {
      try {
        await withTimeout(Promise.resolve().then(run), ms, what);
      } catch (error) {
        problems.push(`${what}: ${String(error)}`);
      }
    };
    for (const fn of cleanups.reverse()) await attempt("deferred cleanup", fn);
    // Every call must be over by now, on both ends: no server stream may still be open.
    if (!(await eventually(() => openStreams.size === 0, 2_000))) {
      problems.push(`${openStreams.size} server stream(s) still open after the test (a call never ended)`);
    }
    for (const client of clients) await attempt("client.close() (an in-flight call never ended)", () => client.close());
    for (const session of sessions) {
      await attempt("raw session close", () => new Promise<void>((resolve) => (session.closed ? resolve() : session.close(resolve))), 1_000);
      if (!session.destroyed) session.destroy();
    }
    for (const server of servers) await attempt("server.close()", () => server.close({ graceMs: 1_000 }));
    for (const raw of rawServers) {
      for (const session of raw.sessions) session.destroy();
      await attempt("raw server close", () => new Promise<void>((resolve) => raw.server.close(() => resolve())));
    }
    const leaked = (): string[] =>
      [...liveHandles].filter(([id, type]) => leakTypes.has(type) && !baseline.has(id)).map(([, type]) => type);
    if (!(await eventually(() => leaked().length === 0, 3_000))) {
      problems.push(`leaked handles after closing everything: ${leaked().sort().join(", ")}`);
    }
    if (problems.length > 0) throw new Error(problems.join("\n"));
  });

  const urlOf = (target: { readonly baseUrl: string } | string): string => (typeof target === "string" ? target : target.baseUrl);

  return {
    async start(options = {}) {
      const server = createTripleServer(options.options);
      servers.push(server);
      watchStreams((server as unknown as { http2?: Http2Server }).http2);
      if (options.empty !== true) {
        registerGreetService(server, { ...echoHandler, ...options.handler }, options.registration);
        for (const extra of options.extra ?? []) registerGreetService(server, { ...echoHandler, ...extra.handler }, extra.registration);
      }
      const address = await server.listen({ host: "127.0.0.1", port: options.port ?? 0 });
      return { server, port: address.port, baseUrl: `http://127.0.0.1:${address.port}` };
    },
    client(target, options = {}) {
      const client = createGreetServiceClient({ ...options, baseUrl: urlOf(target) });
      clients.push(client);
      return client;
    },
    connect(target) {
      const session = connect(urlOf(target));
      session.on("error", () => undefined);
      sessions.push(session);
      return session;
    },
    async rawServer(onStream) {
      const server = createServer();
      const live = new Set<Http2Session>();
      rawServers.push({ server, sessions: live });
      watchStreams(server);
      server.on("session", (session) => {
        live.add(session);
        session.on("error", () => undefined);
        session.on("close", () => live.delete(session));
      });
      server.on("stream", (stream, headers) => {
        stream.on("error", () => undefined);
        onStream(stream, headers);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as AddressInfo).port;
      return { server, port, baseUrl: `http://127.0.0.1:${port}` };
    },
    created(type) {
      return (createdCounts.get(type) ?? 0) - (baseCounts.get(type) ?? 0);
    },
    defer(fn) {
      cleanups.push(fn);
    },
  };
}

export { envelope, grpcHeaders, rawRequest, unframe, type RawResponse } from "./e2e-wire.js";

// ---------------------------------------------------------------------------------------------------
// Assertions.

/** Awaits `promise`, expecting it to reject with a {@link TripleError} of `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: number): Promise<TripleError> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(error, "the call should have failed").toBeInstanceOf(TripleError);
  const triple = error as TripleError;
  expect({ code: triple.code, message: triple.rawMessage }).toMatchObject({ code });
  return triple;
}

/** Awaits `promise`, expecting it to reject with the normal end of a stream ({@link isEnded}). */
export async function expectEnded(promise: Promise<unknown>): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  expect(isEnded(error), `expected the stream to end normally, got ${String(error)}`).toBe(true);
}
