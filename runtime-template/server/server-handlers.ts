import type { MethodInfo } from "../protocol/method-info.js";
import type { HandlerContext } from "./server-context.js";
import { Code } from "../protocol/status-code.js";
import { isEnded, TripleError } from "../protocol/triple-error.js";

/**
 * What a streaming handler needs from its call: the request messages, a way to send responses, and the
 * context. `ServerCall` is one; interceptors (`server-interceptors.ts`) give the handler another,
 * over the request and response streams as they see them.
 */
export interface ServerStreamCall<I extends object, O extends object> {
  readonly ctx: HandlerContext;
  recv(): Promise<I>;
  next(): Promise<IteratorResult<I, undefined>>;
  send(message: O): Promise<void>;
}

/** A method bound to its implementation, ready to be registered on a server. */
export interface ServerRoute {
  readonly method: MethodInfo<object, object>;
  /**
   * Streaming methods: runs the handler for one call; resolves when the handler is done and its
   * responses are queued.
   */
  readonly run?: (call: ServerStreamCall<object, object>) => Promise<void>;
  /** Unary methods: the implementation, which gRPC (`ServerUnaryCall`) and Triple-unary requests call directly. */
  readonly unary?: (request: object, ctx: HandlerContext) => Promise<object> | object;
}

/** The request messages of a client-streaming or bidi call: `for await`, or `recv()` until {@link isEnded}. */
export interface RequestStream<I> extends AsyncIterable<I> {
  recv(): Promise<I>;
}

/** Where a server-streaming handler sends its responses. */
export interface ResponseSink<O> {
  /** Sends one response; resolves when HTTP/2 flow control allows more (await it to bound memory). */
  send(message: O): Promise<void>;
}

/** Both directions of a bidi call on the server. */
export interface ServerBidiStream<I, O> extends RequestStream<I>, ResponseSink<O> {}

/** Binds a unary implementation: `(request, ctx) => response`. */
export function serveUnary<I extends object, O extends object>(
  method: MethodInfo<I, O>,
  impl: (request: I, ctx: HandlerContext) => Promise<O> | O,
): ServerRoute {
  return { method: method as unknown as MethodInfo<object, object>, unary: impl as (request: object, ctx: HandlerContext) => Promise<object> | object };
}

/** Binds a server-streaming implementation: `(request, stream, ctx) => void`. */
export function serveServerStream<I extends object, O extends object>(
  method: MethodInfo<I, O>,
  impl: (request: I, stream: ResponseSink<O>, ctx: HandlerContext) => Promise<void> | void,
): ServerRoute {
  return serverRoute(method, async (call) => {
    const request = await serverSingleRequest(call);
    await impl(request, { send: (message) => call.send(message) }, call.ctx);
  });
}

/** Binds a client-streaming implementation: `(stream, ctx) => response`. */
export function serveClientStream<I extends object, O extends object>(
  method: MethodInfo<I, O>,
  impl: (stream: RequestStream<I>, ctx: HandlerContext) => Promise<O> | O,
): ServerRoute {
  return serverRoute(method, async (call) => {
    await call.send(await impl(serverRequestStream(call), call.ctx));
  });
}

/** Binds a bidi implementation: `(stream, ctx) => void`. */
export function serveBidiStream<I extends object, O extends object>(
  method: MethodInfo<I, O>,
  impl: (stream: ServerBidiStream<I, O>, ctx: HandlerContext) => Promise<void> | void,
): ServerRoute {
  return serverRoute(method, async (call) => {
    const requests = serverRequestStream(call);
    await impl({ ...requests, [Symbol.asyncIterator]: requests[Symbol.asyncIterator], send: (m) => call.send(m) }, call.ctx);
  });
}

/**
 * Runs a route on a call: streaming routes through their `run`, unary ones as a one-message stream,
 * for protocols that carry unary calls that way (gRPC-Web) — the same implementation, called with the
 * one request, its answer sent as the one response. Nothing is allocated per call for the dispatch.
 */
export function serverRunRoute(route: ServerRoute, call: ServerStreamCall<object, object>): Promise<void> {
  return route.run !== undefined ? route.run(call) : serverRunUnaryAsStream(route, call);
}

async function serverRunUnaryAsStream(route: ServerRoute, call: ServerStreamCall<object, object>): Promise<void> {
  const unary = route.unary;
  if (unary === undefined) throw new TripleError(Code.UNIMPLEMENTED, `${route.method.path} has no implementation`);
  const request = await serverSingleRequest(call);
  await call.send(await unary(request, call.ctx));
}

function serverRoute<I extends object, O extends object>(
  method: MethodInfo<I, O>,
  run: (call: ServerStreamCall<I, O>) => Promise<void>,
): ServerRoute {
  return { method: method as unknown as MethodInfo<object, object>, run: run as (call: ServerStreamCall<object, object>) => Promise<void> };
}

/**
 * Reads the one request of a server-streaming call — or of a unary call carried as a stream (gRPC-Web,
 * `serverRunRoute`) — and insists that the request side then ends: none or a second message is a
 * protocol error (UNIMPLEMENTED, as gRPC expects). gRPC unary calls take `ServerUnaryCall`'s path.
 */
async function serverSingleRequest<I extends object>(call: ServerStreamCall<I, object>): Promise<I> {
  let message: I;
  try {
    message = await call.recv();
  } catch (error) {
    if (isEnded(error)) throw new TripleError(Code.UNIMPLEMENTED, "protocol error: missing request message");
    throw error;
  }
  try {
    await call.recv();
  } catch (error) {
    if (isEnded(error)) return message;
    throw error;
  }
  throw new TripleError(Code.UNIMPLEMENTED, "protocol error: more than one request message");
}

function serverRequestStream<I extends object>(call: ServerStreamCall<I, object>): RequestStream<I> {
  return {
    recv: () => call.recv(),
    [Symbol.asyncIterator]: () => ({ next: () => call.next() }),
  };
}
