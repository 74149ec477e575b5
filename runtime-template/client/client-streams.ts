import type { CallOptions, SendOptions } from "./call-options.js";
import { ClientCall } from "./client-call.js";
import type { ClientConfig } from "./client-options.js";
import { callTripleUnary } from "./client-triple-unary.js";
import type { MethodInfo } from "../protocol/method-info.js";
import { isEnded, TripleError } from "../protocol/triple-error.js";

/** The response side of a streaming call: `recv()` or `for await`, plus headers and trailers. */
export interface ResponseStream<O> extends AsyncIterable<O> {
  /** The next message; rejects with an error for which {@link isEnded} is true at the normal end. */
  recv(): Promise<O>;
  /** Response headers (empty if the call failed before any arrived). */
  readonly headers: Promise<Headers>;
  /** Response trailers, once the call has ended. */
  readonly trailers: Promise<Headers>;
}

/** A server-streaming call: one request sent, a stream of responses. */
export interface ServerStreamingCall<O> extends ResponseStream<O> {
  /** Stops receiving; cancels the call (RST_STREAM CANCEL) if the server has not finished. */
  close(): void;
}

/** A client-streaming call: a stream of requests, one response. */
export interface ClientStreamingCall<I, O> {
  /** Sends a request message; resolves when HTTP/2 flow control lets more be sent. */
  send(message: I, options?: SendOptions): Promise<void>;
  /** Ends the request stream and waits for the single response. */
  closeAndRecv(): Promise<O>;
  /** Cancels the call. */
  cancel(): void;
  readonly headers: Promise<Headers>;
  readonly trailers: Promise<Headers>;
}

/** A bidirectional call: requests and responses interleave. */
export interface BidiStreamingCall<I, O> extends ResponseStream<O> {
  /** Sends a request message; resolves when HTTP/2 flow control lets more be sent. */
  send(message: I, options?: SendOptions): Promise<void>;
  /** Ends the request stream (half-close); responses can still be received. */
  closeRequest(): void;
  /** Stops receiving; cancels the call if it has not ended yet. */
  closeResponse(): void;
}

/** Calls a unary method: one request, one response; rejects with {@link TripleError}. */
export function callUnary<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options?: CallOptions,
): Promise<O> {
  try {
    if (config.protocol === "triple") return callTripleUnary(config, method, request, options);
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
