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
import {
  clientInterceptedResponses,
  clientLinkSignal,
  clientPromiseStream,
  clientPump,
  type ClientInterceptedResponses,
} from "./client-intercepted-responses.js";

/** A unary call through the client's interceptors; `invoke` makes the call itself (retries included). */
export function clientInterceptUnary<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
  invoke: (config: ClientConfig, request: I, options: CallOptions) => Promise<O>,
): Promise<O> {
  const signal = options?.signal ?? new AbortController().signal;
  // The response metadata the call itself delivered (its last attempt's), for a call that fails.
  let receivedHeader: Headers | undefined;
  let receivedTrailer: Headers | undefined;
  const next = clientChain(config, async (req): Promise<InterceptedUnaryResponse> => {
    if (req.stream) throw clientInterceptorMisuse(method);
    const header = new Headers();
    const trailer = new Headers();
    const attempt = clientAttemptOptions(req, req.signal, header, trailer, () => (receivedHeader = header), () => (receivedTrailer = trailer));
    const message = await invoke(clientChainConfig(config), req.message as I, attempt);
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
      // As without interceptors: a failed call's response headers reach onHeader if any arrived, its
      // trailers (else the error's metadata, e.g. of an interceptor's own error) reach onTrailer.
      try {
        if (receivedHeader !== undefined) options?.onHeader?.(receivedHeader);
        const trailer = receivedTrailer ?? (error instanceof TripleError ? error.metadata : undefined);
        if (trailer !== undefined) options?.onTrailer?.(trailer);
      } catch {
        // the call's own error is what the caller gets
      }
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
  start: (config: ClientConfig, request: I, options: CallOptions) => ServerStreamingCall<O>,
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
    let call: ServerStreamingCall<O> | undefined; // unset while `start` runs: one that throws leaves nothing to close
    const signal = link.callSignal(req.signal, () => call?.close());
    call = start(clientChainConfig(config), first.value as I, clientAttemptOptions(req, signal, header, trailer));
    // Under a retry policy `trailers` is the current attempt's; a later attempt must still follow the
    // caller's signal, so the link then lives until the responses end.
    if (config.retry === undefined) link.disposeWhen(call.trailers);
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
  start: (config: ClientConfig, options: CallOptions) => ClientStreamingCall<I, O>,
): ClientStreamingCall<I, O> {
  const side = clientInterceptRequests<I, O, ClientStreamingCall<I, O>>(config, method, options, start, (call) => call.cancel(), (call, pumped) => {
    const single = pumped.then(() => call.closeAndRecv());
    single.catch(() => undefined); // read through `message`; an interceptor may never read it
    return clientPromiseStream(single);
  });
  const responses = side.responses;
  return {
    send: side.send,
    closeAndRecv: async () => {
      side.requests.close();
      const step = await responses.next();
      if (step.done === true) throw new TripleError(Code.INTERNAL, `${method.path}: protocol error: missing response message`);
      await responses.next(); // the end: trailers settle
      return step.value;
    },
    cancel: side.cancel,
    headers: responses.headers,
    trailers: responses.trailers,
  };
}

/** A bidi call through the client's interceptors; `start` starts the call itself. */
export function clientInterceptBidiStream<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options: CallOptions | undefined,
  start: (config: ClientConfig, options: CallOptions) => BidiStreamingCall<I, O>,
): BidiStreamingCall<I, O> {
  const side = clientInterceptRequests<I, O, BidiStreamingCall<I, O>>(config, method, options, start, (call) => call.closeResponse(), (call, pumped) => {
    void pumped.then(() => call.closeRequest());
    return call;
  });
  const responses = side.responses;
  return {
    send: side.send,
    closeRequest: () => side.requests.close(),
    recv: () => responses.recv(),
    closeResponse: side.cancel,
    headers: responses.headers,
    trailers: responses.trailers,
    [Symbol.asyncIterator]: () => responses.iterator(),
  };
}

/** The part of a client-streaming or bidi call the chain's end drives. */
interface ClientRequestsCall<I> {
  send(message: I, options?: SendOptions): Promise<void>;
  readonly headers: Promise<Headers>;
  readonly trailers: Promise<Headers>;
}

/** What client-streaming and bidi calls share: the caller's sends as the chain's request stream. */
interface ClientInterceptedRequests<I, O> {
  readonly requests: MessageChannel<I>;
  readonly responses: ClientInterceptedResponses<O>;
  send(message: I, options?: SendOptions): Promise<void>;
  /** The caller's cancel: stops the responses and the requests. */
  cancel(): void;
}

/**
 * Builds a client-streaming or bidi call over the chain: the caller's `send()`s feed the request stream
 * the interceptors see; at the chain's end `start` starts the call itself, the (intercepted) requests
 * are pumped into it — a failing request stream cancels it with `cancel` — and `respond` gives the
 * response stream the chain returns.
 */
function clientInterceptRequests<I extends object, O extends object, C extends ClientRequestsCall<I>>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  options: CallOptions | undefined,
  start: (config: ClientConfig, options: CallOptions) => C,
  cancel: (call: C) => void,
  respond: (call: C, pumped: Promise<void>) => AsyncIterable<object>,
): ClientInterceptedRequests<I, O> {
  const link = clientLinkSignal(options?.signal);
  const sendOptions = new WeakMap<object, SendOptions>();
  const next = clientChain(config, async (req): Promise<InterceptedStreamResponse> => {
    if (!req.stream) throw clientInterceptorMisuse(method);
    const header = new Headers();
    const trailer = new Headers();
    let started: C | undefined; // unset while `start` runs: one that throws leaves nothing to cancel
    const signal = link.callSignal(req.signal, () => started !== undefined && cancel(started));
    const call = start(clientChainConfig(config), clientAttemptOptions(req, signal, header, trailer));
    started = call;
    link.disposeWhen(call.trailers);
    const message = respond(call, clientPump(req.message, (m) => call.send(m as I, sendOptions.get(m)), () => cancel(call)));
    await call.headers;
    return { stream: true, header, message, trailer };
  });
  const requests = new MessageChannel<I>();
  const response = clientStreamResponse(method, next(clientInterceptedRequest(config, method, options, link.signal, true, requests) as InterceptedStreamRequest));
  response.catch((error: unknown) => requests.abandon(error));
  const responses = clientInterceptedResponses<O>(response, options, link);
  return {
    requests,
    responses,
    send: (message, sendOpts) => {
      if (sendOpts !== undefined) sendOptions.set(message, sendOpts);
      return requests.push(message);
    },
    cancel: () => {
      responses.close();
      requests.abandon(new TripleError(Code.CANCELLED, "call was cancelled"));
    },
  };
}

function clientChain(config: ClientConfig, last: InterceptorNext): InterceptorNext {
  return interceptorsApply(config.interceptors ?? [], last);
}

/** The configs the calls beneath a chain run with (see {@link clientChainConfig}), one per client. */
const clientChainConfigs = new WeakMap<ClientConfig, ClientConfig>();

/**
 * The config a call beneath the chain runs with: the client's without its `headers`, which are in the
 * request's `header` already — where interceptors may have changed or deleted them, and a deleted
 * header must stay deleted.
 */
function clientChainConfig(config: ClientConfig): ClientConfig {
  let chained = clientChainConfigs.get(config);
  if (chained === undefined) {
    chained = { ...config, headers: undefined };
    clientChainConfigs.set(config, chained);
  }
  return chained;
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

/**
 * The options the call itself runs with: what the interceptors passed on (the request's headers are
 * all it sends), `signal`; response metadata lands in `header` / `trailer` (`onHeader` / `onTrailer`
 * are told when it does).
 */
function clientAttemptOptions(
  req: InterceptedUnaryRequest | InterceptedStreamRequest,
  signal: AbortSignal,
  header: Headers,
  trailer: Headers,
  onHeader?: () => void,
  onTrailer?: () => void,
): CallOptions {
  const options: { -readonly [K in keyof CallOptions]: CallOptions[K] } = {
    signal,
    headers: req.header,
    onHeader: (received) => {
      interceptorsCopyHeaders(header, received);
      onHeader?.();
    },
    onTrailer: (received) => {
      interceptorsCopyHeaders(trailer, received);
      onTrailer?.();
    },
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

function clientInterceptorMisuse(method: MethodInfo<object, object>): TripleError {
  return new TripleError(Code.INTERNAL, `interceptor changed the shape of ${method.kind} call ${method.path} (unary and stream requests/responses must not be swapped)`);
}
