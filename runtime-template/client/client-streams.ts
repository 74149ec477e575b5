import type { CallOptions } from "./call-options.js";
import type { BidiStreamingCall, ClientStreamingCall, ServerStreamingCall } from "./call-shapes.js";
import { ClientCall } from "./client-call.js";
import type { ClientConfig } from "./client-options.js";
import { clientInterceptBidiStream, clientInterceptClientStream, clientInterceptServerStream, clientInterceptUnary } from "./client-interceptors.js";
import { clientRetryServerStream, clientRetryUnary } from "./client-retry.js";
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
  if (config.interceptors !== undefined) return clientInterceptUnary(config, method, request, options, (c, r, o) => callUnaryPlain(c, method, r, o));
  return callUnaryPlain(config, method, request, options);
}

function callUnaryPlain<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
): Promise<O> {
  const retry = config.retry;
  if (retry !== undefined) {
    return clientRetryUnary(retry, options?.timeoutMs ?? config.timeoutMs, options, (o) => callUnaryOnce(config, method, request, o));
  }
  return callUnaryOnce(config, method, request, options);
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
  if (config.interceptors !== undefined) {
    return clientInterceptServerStream(config, method, request, options, (c, r, o) => callServerStreamPlain(c, method, r, o));
  }
  return callServerStreamPlain(config, method, request, options);
}

function callServerStreamPlain<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
): ServerStreamingCall<O> {
  const retry = config.retry;
  if (retry !== undefined) {
    return clientRetryServerStream(retry, options?.timeoutMs ?? config.timeoutMs, options, (o) => callServerStreamOnce(config, method, request, o));
  }
  return callServerStreamOnce(config, method, request, options);
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
