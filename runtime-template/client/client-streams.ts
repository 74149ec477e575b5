import type { CallOptions } from "./call-options.js";
import type { BidiStreamingCall, ClientStreamingCall, ServerStreamingCall } from "./call-shapes.js";
import { ClientCall } from "./client-call.js";
import type { ClientConfig } from "./client-options.js";
import { clientInterceptBidiStream, clientInterceptClientStream, clientInterceptServerStream, clientInterceptUnary } from "./client-interceptors.js";
import { clientRetryServerStream, clientRetryUnary, type ClientRetry } from "./client-retry.js";
import { callTripleUnary } from "./client-triple-unary.js";
import type { MethodInfo } from "../protocol/method-info.js";
import { TripleError } from "../protocol/triple-error.js";

/** Calls a unary method: one request, one response; rejects with {@link TripleError}. */
export function callUnary<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options?: CallOptions,
): Promise<O> {
  return callLayered<I, O, Promise<O>>(config, method, request, options, clientInterceptUnary, clientRetryUnary, callUnaryOnce);
}

function callUnaryOnce<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
): Promise<O> {
  try {
    // Triple-unary and Connect unary are plain POSTs (or GETs) of the bare message; gRPC-Web is enveloped.
    if (config.protocol === "triple" || config.protocol === "connect") return callTripleUnary(config, method, request, options);
    const call = new ClientCall(config, method, options);
    call.sendOnly(request);
    return call.single();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Starts a server-streaming call. */
export function callServerStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options?: CallOptions,
): ServerStreamingCall<O> {
  return callLayered<I, O, ServerStreamingCall<O>>(config, method, request, options, clientInterceptServerStream, clientRetryServerStream, callServerStreamOnce);
}

/**
 * The layers of a call with one request (unary, server streaming), outermost first: the interceptors
 * (when configured; they call the layers below as `next`), the retry policy (when configured), one
 * attempt. `R` is what the call returns. Nothing is allocated here for a call without interceptors.
 */
function callLayered<I extends object, O extends object, R>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
  intercept: (config: ClientConfig, method: MethodInfo<I, O>, request: I, options: CallOptions | undefined, next: (config: ClientConfig, request: I, options: CallOptions) => R) => R,
  retry: (policy: ClientRetry, timeoutMs: number | undefined, options: CallOptions | undefined, attempt: (options: CallOptions | undefined) => R) => R,
  once: (config: ClientConfig, method: MethodInfo<I, O>, request: I, options: CallOptions | undefined) => R,
): R {
  // Beneath the chain the call runs on the config the interceptors hand down (without the client's
  // `headers`, so that a header an interceptor deleted stays deleted).
  if (config.interceptors !== undefined) return intercept(config, method, request, options, (c, r, o) => callRetried(c, method, r, o, retry, once));
  return callRetried(config, method, request, options, retry, once);
}

/** The retry layer of {@link callLayered}: every attempt under the client's policy, or the one attempt. */
function callRetried<I extends object, O extends object, R>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
  retry: (policy: ClientRetry, timeoutMs: number | undefined, options: CallOptions | undefined, attempt: (options: CallOptions | undefined) => R) => R,
  once: (config: ClientConfig, method: MethodInfo<I, O>, request: I, options: CallOptions | undefined) => R,
): R {
  const policy = config.retry;
  if (policy === undefined) return once(config, method, request, options);
  return retry(policy, options?.timeoutMs ?? config.timeoutMs, options, (o) => once(config, method, request, o));
}

function callServerStreamOnce<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
): ServerStreamingCall<O> {
  const call = new ClientCall(config, method, options);
  call.sendOnly(request);
  return {
    recv: () => call.recv(),
    close: () => call.cancel(),
    get headers() {
      return call.headers;
    },
    get trailers() {
      return call.trailers;
    },
    [Symbol.asyncIterator]: () => clientStreamsIterator(call),
  };
}

/** Starts a client-streaming call. */
export function callClientStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options?: CallOptions,
): ClientStreamingCall<I, O> {
  if (config.interceptors !== undefined) return clientInterceptClientStream(config, method, options, (c, o) => callClientStreamPlain(c, method, o));
  return callClientStreamPlain(config, method, options);
}

function callClientStreamPlain<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options: CallOptions | undefined,
): ClientStreamingCall<I, O> {
  const call = new ClientCall(config, method, options);
  return {
    send: (message, options) => call.send(message, options),
    closeAndRecv: () => {
      call.closeRequest();
      return call.single();
    },
    cancel: () => call.cancel(),
    get headers() {
      return call.headers;
    },
    get trailers() {
      return call.trailers;
    },
  };
}

/** Starts a bidirectional-streaming call. */
export function callBidiStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options?: CallOptions,
): BidiStreamingCall<I, O> {
  if (config.interceptors !== undefined) return clientInterceptBidiStream(config, method, options, (c, o) => callBidiStreamPlain(c, method, o));
  return callBidiStreamPlain(config, method, options);
}

function callBidiStreamPlain<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options: CallOptions | undefined,
): BidiStreamingCall<I, O> {
  const call = new ClientCall(config, method, options);
  return {
    send: (message, options) => call.send(message, options),
    recv: () => call.recv(),
    closeRequest: () => call.closeRequest(),
    closeResponse: () => call.cancel(),
    get headers() {
      return call.headers;
    },
    get trailers() {
      return call.trailers;
    },
    [Symbol.asyncIterator]: () => clientStreamsIterator(call),
  };
}

function clientStreamsIterator<O extends object>(call: ClientCall<object, O>): AsyncIterator<O> {
  return {
    next: () => call.next(),
    return: () => {
      call.cancel();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
