import {
  interceptorsApply,
  interceptorsCopyHeaders,
  type Interceptor,
  type InterceptedStreamRequest,
  type InterceptedStreamResponse,
  type InterceptedUnaryRequest,
  type InterceptedUnaryResponse,
} from "../protocol/interceptor.js";
import { MessageChannel } from "../protocol/message-channel.js";
import type { MethodInfo } from "../protocol/method-info.js";
import { Code } from "../protocol/status-code.js";
import { streamEndedError, TripleError } from "../protocol/triple-error.js";
import type { HandlerContext } from "./server-context.js";
import type { ServerRoute, ServerStreamCall } from "./server-handlers.js";

/**
 * Wraps a route's handler in the server's interceptors (first outermost). Done once, when the route is
 * registered: without interceptors the route is returned as is and calls pay nothing. Every protocol
 * the server speaks runs handlers through `route.unary` / `route.run`, so every protocol is covered.
 */
export function serverInterceptRoute(route: ServerRoute, interceptors: readonly Interceptor[]): ServerRoute {
  if (interceptors.length === 0) return route;
  const { method, unary, run } = route;
  // `...route`: whatever else a route carries (other branches may add fields) stays as it was.
  if (unary !== undefined) {
    return {
      ...route,
      unary: async (message: object, ctx: HandlerContext) => {
        const next = interceptorsApply(interceptors, async (request): Promise<InterceptedUnaryResponse> => {
          if (request.stream) throw serverInterceptorMisuse(method);
          const output = await unary(request.message, ctx);
          return { stream: false, header: ctx.responseHeaders, message: output, trailer: ctx.responseTrailers };
        });
        const response = await next(serverInterceptedRequest(method, ctx, false, message) as InterceptedUnaryRequest);
        if (response.stream) throw serverInterceptorMisuse(method);
        interceptorsCopyHeaders(ctx.responseHeaders, response.header);
        interceptorsCopyHeaders(ctx.responseTrailers, response.trailer);
        return response.message;
      },
    };
  }
  if (run === undefined) return route;
  return {
    ...route,
    run: async (call: ServerStreamCall<object, object>) => {
      const ctx = call.ctx;
      const next = interceptorsApply(interceptors, (request) => serverRunIntercepted(method, run, request, ctx));
      const requests: AsyncIterable<object> = { [Symbol.asyncIterator]: () => ({ next: () => call.next() }) };
      const response = await next(serverInterceptedRequest(method, ctx, true, requests) as InterceptedStreamRequest);
      if (!response.stream) throw serverInterceptorMisuse(method);
      // Response headers go out with the first message: interceptors set them before it passes.
      let first = true;
      for await (const message of response.message) {
        if (first) interceptorsCopyHeaders(ctx.responseHeaders, response.header);
        first = false;
        await call.send(message);
      }
      if (first) interceptorsCopyHeaders(ctx.responseHeaders, response.header);
      interceptorsCopyHeaders(ctx.responseTrailers, response.trailer);
    },
  };
}

/** The request an interceptor chain starts from: the call's own headers, signal, deadline and peer. */
function serverInterceptedRequest(
  method: MethodInfo<object, object>,
  ctx: HandlerContext,
  stream: boolean,
  message: object | AsyncIterable<object>,
): InterceptedUnaryRequest | InterceptedStreamRequest {
  return {
    stream,
    method,
    header: ctx.requestHeaders,
    message,
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    get peer() {
      const { address, port } = ctx.peer;
      return { address, port };
    },
  } as InterceptedUnaryRequest | InterceptedStreamRequest;
}

/**
 * The end of a streaming chain: the handler, run over the request stream the interceptors pass on, its
 * `send()`s turned into the response stream. The handler starts when the response stream is first
 * read (an interceptor that answers by itself never starts it); its error ends that stream.
 */
function serverRunIntercepted(
  method: MethodInfo<object, object>,
  run: (call: ServerStreamCall<object, object>) => Promise<void>,
  request: InterceptedUnaryRequest | InterceptedStreamRequest,
  ctx: HandlerContext,
): Promise<InterceptedStreamResponse> {
  if (!request.stream) return Promise.reject(serverInterceptorMisuse(method));
  const requests = request.message[Symbol.asyncIterator]() as AsyncIterator<object, undefined>;
  const responses = new MessageChannel<object>();
  const call: ServerStreamCall<object, object> = {
    ctx,
    next: () => requests.next(),
    recv: () =>
      requests.next().then((step) => {
        if (step.done === true) throw streamEndedError();
        return step.value;
      }),
    send: (message) => responses.push(message),
  };
  let started = false;
  const message: AsyncIterable<object> = {
    [Symbol.asyncIterator]: () => {
      if (!started) {
        started = true;
        run(call).then(
          () => responses.close(),
          (error: unknown) => responses.fail(error),
        );
      }
      return responses;
    },
  };
  return Promise.resolve({ stream: true, header: ctx.responseHeaders, message, trailer: ctx.responseTrailers });
}

function serverInterceptorMisuse(method: MethodInfo<object, object>): TripleError {
  return new TripleError(Code.INTERNAL, `interceptor changed the shape of ${method.kind} call ${method.path} (unary and stream requests/responses must not be swapped)`);
}
