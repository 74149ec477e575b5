// Client interceptors: the four call shapes a caller gets, rebuilt over an interceptor chain whose
// end starts the plain call (`client-streams.ts` passes its own functions in, so no import cycle).
// Retries run beneath the chain: interceptors see each call once, as the caller made it.
import {
  interceptorsApply,
  interceptorsCopyHeaders,
  interceptorsSingle,
  type InterceptorNext,
  type InterceptedStreamRequest,
  type InterceptedStreamResponse,
  type InterceptedUnaryRequest,
  type InterceptedUnaryResponse,
} from "../protocol/interceptor.js";
import { MessageChannel } from "../protocol/message-channel.js";
import type { MethodInfo } from "../protocol/method-info.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import type { CallOptions, SendOptions } from "./call-options.js";
import type { BidiStreamingCall, ClientStreamingCall, ServerStreamingCall } from "./call-shapes.js";
import type { ClientConfig } from "./client-options.js";
import { clientInterceptedResponses, clientLinkSignal, clientPump } from "./client-intercepted-responses.js";

/** A unary call through the client's interceptors; `invoke` makes the call itself (retries included). */
export function clientInterceptUnary<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
  invoke: (request: I, options: CallOptions) => Promise<O>,
): Promise<O> {
  const signal = options?.signal ?? new AbortController().signal;
  const next = clientChain(config, async (req): Promise<InterceptedUnaryResponse> => {
    if (req.stream) throw clientInterceptorMisuse(method);
    const header = new Headers();
    const trailer = new Headers();
    const message = await invoke(req.message as I, clientAttemptOptions(req, header, trailer));
    return { stream: false, header, message, trailer };
  });
  return next(clientInterceptedRequest(config, method, options, signal, false, request) as InterceptedUnaryRequest).then(
    (response) => {
      if (response.stream) throw clientInterceptorMisuse(method);
      options?.onHeader?.(response.header);
      options?.onTrailer?.(response.trailer);
      return response.message as O;
    },
    (error: unknown) => {
      // As without interceptors, a failed call's trailers (the error's metadata) still reach onTrailer.
      if (error instanceof TripleError) options?.onTrailer?.(error.metadata);
      throw error;
    },
  );
}

/** A server-streaming call through the client's interceptors; `start` starts the call itself. */
export function clientInterceptServerStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
  start: (request: I, options: CallOptions) => ServerStreamingCall<O>,
): ServerStreamingCall<O> {
  const link = clientLinkSignal(options?.signal);
  const next = clientChain(config, async (req): Promise<InterceptedStreamResponse> => {
    if (!req.stream) throw clientInterceptorMisuse(method);
    const requests = req.message[Symbol.asyncIterator]();
    const first = await requests.next();
    // Only the first request is sent; ending the iterable may run an interceptor's `finally`, whose
    // failure must not surface as an unhandled rejection.
    Promise.resolve(requests.return?.()).catch(() => undefined);
    if (first.done === true) throw new TripleError(Code.INTERNAL, `${method.path}: a server-streaming call needs one request message`);
    const header = new Headers();
    const trailer = new Headers();
    const call = start(first.value as I, clientAttemptOptions(req, header, trailer));
    await call.headers;
    return { stream: true, header, message: call, trailer };
  });
  const response = clientStreamResponse(method, next(clientInterceptedRequest(config, method, options, link.signal, true, interceptorsSingle(request)) as InterceptedStreamRequest));
  const responses = clientInterceptedResponses<O>(response, options, link);
  return {
    recv: () => responses.recv(),
    close: () => responses.close(),
    headers: responses.headers,
    trailers: responses.trailers,
    [Symbol.asyncIterator]: () => responses.iterator(),
  };
}

/** A client-streaming call through the client's interceptors; `start` starts the call itself. */
export function clientInterceptClientStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options: CallOptions | undefined,
  start: (options: CallOptions) => ClientStreamingCall<I, O>,
): ClientStreamingCall<I, O> {
  const link = clientLinkSignal(options?.signal);
  const sendOptions = new WeakMap<object, SendOptions>();
  const next = clientChain(config, async (req): Promise<InterceptedStreamResponse> => {
    if (!req.stream) throw clientInterceptorMisuse(method);
    const header = new Headers();
    const trailer = new Headers();
    const call = start(clientAttemptOptions(req, header, trailer));
    const pumped = clientPump(req.message, (m) => call.send(m as I, sendOptions.get(m)), () => call.cancel());
    const single = pumped.then(() => call.closeAndRecv());
    single.catch(() => undefined); // read through `message`; an interceptor may never read it
    await call.headers;
    return { stream: true, header, message: clientPromiseStream(single), trailer };
  });
  const requests = new MessageChannel<I>();
  const response = clientStreamResponse(method, next(clientInterceptedRequest(config, method, options, link.signal, true, requests) as InterceptedStreamRequest));
  response.catch((error: unknown) => requests.abandon(error));
  const responses = clientInterceptedResponses<O>(response, options, link);
  return {
    send: (message, sendOpts) => {
      if (sendOpts !== undefined) sendOptions.set(message, sendOpts);
      return requests.push(message);
    },
    closeAndRecv: async () => {
      requests.close();
      const step = await responses.next();
      if (step.done === true) throw new TripleError(Code.INTERNAL, `${method.path}: protocol error: missing response message`);
      await responses.next(); // the end: trailers settle
      return step.value;
    },
    cancel: () => {
      responses.close();
      requests.abandon(new TripleError(Code.CANCELLED, "call was cancelled"));
    },
    headers: responses.headers,
    trailers: responses.trailers,
  };
}

/** A bidi call through the client's interceptors; `start` starts the call itself. */
export function clientInterceptBidiStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options: CallOptions | undefined,
  start: (options: CallOptions) => BidiStreamingCall<I, O>,
): BidiStreamingCall<I, O> {
  const link = clientLinkSignal(options?.signal);
  const sendOptions = new WeakMap<object, SendOptions>();
  const next = clientChain(config, async (req): Promise<InterceptedStreamResponse> => {
    if (!req.stream) throw clientInterceptorMisuse(method);
    const header = new Headers();
    const trailer = new Headers();
    const call = start(clientAttemptOptions(req, header, trailer));
    void clientPump(req.message, (m) => call.send(m as I, sendOptions.get(m)), () => call.closeResponse()).then(() => call.closeRequest());
    await call.headers;
    return { stream: true, header, message: call, trailer };
  });
  const requests = new MessageChannel<I>();
  const response = clientStreamResponse(method, next(clientInterceptedRequest(config, method, options, link.signal, true, requests) as InterceptedStreamRequest));
  response.catch((error: unknown) => requests.abandon(error));
  const responses = clientInterceptedResponses<O>(response, options, link);
  return {
    send: (message, sendOpts) => {
      if (sendOpts !== undefined) sendOptions.set(message, sendOpts);
      return requests.push(message);
    },
    closeRequest: () => requests.close(),
    recv: () => responses.recv(),
    closeResponse: () => {
      responses.close();
      requests.abandon(new TripleError(Code.CANCELLED, "call was cancelled"));
    },
    headers: responses.headers,
    trailers: responses.trailers,
    [Symbol.asyncIterator]: () => responses.iterator(),
  };
}

function clientChain(config: ClientConfig, last: InterceptorNext): InterceptorNext {
  return interceptorsApply(config.interceptors ?? [], last);
}

/**
 * The request a chain starts from: the client's headers with the call's own over them, the caller's
 * signal, the call's timeout (its own, or the client's default).
 */
function clientInterceptedRequest(
  config: ClientConfig,
  method: MethodInfo<object, object>,
  options: CallOptions | undefined,
  signal: AbortSignal,
  stream: boolean,
  message: object | AsyncIterable<object>,
): InterceptedUnaryRequest | InterceptedStreamRequest {
  const header = new Headers(config.headers);
  if (options?.headers !== undefined) new Headers(options.headers).forEach((value, name) => header.set(name, value));
  return { stream, method, header, message, signal, timeoutMs: options?.timeoutMs ?? config.timeoutMs, peer: undefined } as InterceptedUnaryRequest | InterceptedStreamRequest;
}

/** The options the call itself runs with: what the interceptors passed on; response metadata lands in `header` / `trailer`. */
function clientAttemptOptions(req: InterceptedUnaryRequest | InterceptedStreamRequest, header: Headers, trailer: Headers): CallOptions {
  const options: { -readonly [K in keyof CallOptions]: CallOptions[K] } = {
    signal: req.signal,
    headers: req.header,
    onHeader: (received) => interceptorsCopyHeaders(header, received),
    onTrailer: (received) => interceptorsCopyHeaders(trailer, received),
  };
  if (req.timeoutMs !== undefined) options.timeoutMs = req.timeoutMs;
  return options;
}

function clientStreamResponse(method: MethodInfo<object, object>, response: Promise<InterceptedUnaryResponse | InterceptedStreamResponse>): Promise<InterceptedStreamResponse> {
  return response.then((r) => {
    if (!r.stream) throw clientInterceptorMisuse(method);
    return r;
  });
}

/** The one response of a client-streaming call as a stream of one. */
function clientPromiseStream<O>(single: Promise<O>): AsyncIterable<O> {
  return {
    [Symbol.asyncIterator]() {
      let done = false;
      return {
        next: async (): Promise<IteratorResult<O, undefined>> => {
          if (done) return { done: true, value: undefined };
          done = true;
          return { done: false, value: await single };
        },
      };
    },
  };
}

function clientInterceptorMisuse(method: MethodInfo<object, object>): TripleError {
  return new TripleError(Code.INTERNAL, `interceptor changed the shape of ${method.kind} call ${method.path} (unary and stream requests/responses must not be swapped)`);
}
