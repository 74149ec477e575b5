import type { MethodInfo } from "./method-info.js";

/**
 * What client and server interceptors share about a call: the method, the request metadata, how to
 * know it was cancelled, and its time budget.
 */
interface InterceptedCall {
  /** The method called: service, name, path, kind, idempotency, codecs. */
  readonly method: MethodInfo<object, object>;
  /**
   * Request metadata. Client side: what is sent (the client's `headers` and the call's own, merged);
   * set or delete entries before calling `next`. Server side: the request's headers, the same object
   * as the handler's `ctx.requestHeaders`, so entries set here are what the handler sees.
   */
  readonly header: Headers;
  /** Aborts when the call is cancelled (client side: by the caller; server side: also deadline and shutdown). */
  readonly signal: AbortSignal;
  /** Milliseconds the call may take (client: the timeout it is sent with; server: what is left); undefined: none. */
  readonly timeoutMs: number | undefined;
  /** Server side: the client's address and port; client side: undefined. */
  readonly peer: { readonly address: string | undefined; readonly port: number | undefined } | undefined;
}

/** A unary call as an interceptor sees it: one request message. */
export interface InterceptedUnaryRequest<I extends object = object> extends InterceptedCall {
  readonly stream: false;
  readonly message: I;
}

/**
 * A streaming call (client, server or bidi) as an interceptor sees it: the request messages as an async
 * iterable (a server-streaming call's one request is a stream of one). Wrap it to inspect or replace them.
 */
export interface InterceptedStreamRequest<I extends object = object> extends InterceptedCall {
  readonly stream: true;
  readonly message: AsyncIterable<I>;
}

/**
 * The outcome of a unary call: the response message, headers and trailers. Headers and trailers may be
 * changed in place (server side: before the call's response is sent; client side: before the caller sees them).
 */
export interface InterceptedUnaryResponse<O extends object = object> {
  readonly stream: false;
  readonly header: Headers;
  readonly message: O;
  readonly trailer: Headers;
}

/**
 * The outcome of a streaming call: response headers (complete when `next` resolves), the response
 * messages as an async iterable, and trailers (complete once that iterable ended). A client- streaming
 * call's one response is a stream of one. Errors of the call are thrown by the iterable.
 */
export interface InterceptedStreamResponse<O extends object = object> {
  readonly stream: true;
  readonly header: Headers;
  readonly message: AsyncIterable<O>;
  readonly trailer: Headers;
}

/** The rest of the chain: the next interceptor, or at the end the call itself (client) or the handler (server). */
export type InterceptorNext = (request: InterceptedUnaryRequest | InterceptedStreamRequest) => Promise<InterceptedUnaryResponse | InterceptedStreamResponse>;

/**
 * Code that runs around every call, on a client or a server: `(next) => async (request) => response`.
 * It may change the request (return `next({ ...request, message })`), the response, or fail the call by
 * throwing a `TripleError` instead of calling `next` (the caller gets it in the protocol's own shape).
 * Interceptors are applied in list order: the first is the outermost, it sees the request first and
 * the response last.
 */
export type Interceptor = (next: InterceptorNext) => InterceptorNext;

/** Builds the chain of `interceptors` (first outermost) around `last`. */
export function interceptorsApply(interceptors: readonly Interceptor[], last: InterceptorNext): InterceptorNext {
  let next = last;
  for (let i = interceptors.length - 1; i >= 0; i--) next = (interceptors[i] as Interceptor)(next);
  return next;
}

/** Copies `from` over `into` (entries of `into` that `from` lacks are removed); no-op when they are one object. */
export function interceptorsCopyHeaders(into: Headers, from: Headers): void {
  if (into === from) return;
  for (const name of [...into.keys()]) if (!from.has(name)) into.delete(name);
  from.forEach((value, name) => into.set(name, value));
}

/** A stream of the one value `message`. */
export function interceptorsSingle<T>(message: T): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let done = false;
      return {
        next: () => {
          if (done) return Promise.resolve({ done: true as const, value: undefined });
          done = true;
          return Promise.resolve({ done: false as const, value: message });
        },
      };
    },
  };
}
