// OpenTelemetry tracing for tristub clients and servers, as interceptors. Only this example depends on
// @opentelemetry/api (its own package.json); the generated code imports no package.
//
// The client interceptor starts a CLIENT span per call and sends its context in the request headers
// (the globally registered propagator, e.g. W3C `traceparent`); the server interceptor continues that
// trace with a SERVER span. Attributes follow the RPC semantic conventions (rpc.system, rpc.service,
// rpc.method, rpc.grpc.status_code). Streaming spans end when the response stream ends.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from "@opentelemetry/api";
import { Code, TripleError, type Interceptor, type InterceptedStreamResponse, type InterceptedUnaryResponse } from "../streaming/gen/tristub-runtime.js";

const headerSetter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };
const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** Client side: one CLIENT span per call, its context injected into the request headers. */
export function tracingClient(tracer: Tracer = trace.getTracer("tristub-example")): Interceptor {
  return (next) => async (request) => {
    const span = tracer.startSpan(`${request.method.service}/${request.method.name}`, { kind: SpanKind.CLIENT, attributes: rpcAttributes(request.method) });
    propagation.inject(trace.setSpan(context.active(), span), request.header, headerSetter);
    return traced(span, () => next(request));
  };
}

/** Server side: one SERVER span per call, child of the caller's span when the request carries one. */
export function tracingServer(tracer: Tracer = trace.getTracer("tristub-example")): Interceptor {
  return (next) => async (request) => {
    const parent = propagation.extract(context.active(), request.header, headerGetter);
    const span = tracer.startSpan(`${request.method.service}/${request.method.name}`, { kind: SpanKind.SERVER, attributes: rpcAttributes(request.method) }, parent);
    return context.with(trace.setSpan(parent, span), () => traced(span, () => next(request)));
  };
}

function rpcAttributes(method: { readonly service: string; readonly name: string }): Record<string, string> {
  return { "rpc.system": "grpc", "rpc.service": method.service, "rpc.method": method.name };
}

/** Runs the call and ends `span` with its outcome: at once for unary calls, when the response stream ends otherwise. */
async function traced(span: Span, call: () => Promise<InterceptedUnaryResponse | InterceptedStreamResponse>): Promise<InterceptedUnaryResponse | InterceptedStreamResponse> {
  let response: InterceptedUnaryResponse | InterceptedStreamResponse;
  try {
    response = await call();
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
  if (!response.stream) {
    endSpan(span, undefined);
    return response;
  }
  const messages = response.message;
  return {
    ...response,
    message: (async function* () {
      let count = 0;
      try {
        for await (const message of messages) {
          count++;
          yield message;
        }
      } catch (error) {
        span.setAttribute("rpc.message.count", count);
        endSpan(span, error);
        throw error;
      }
      span.setAttribute("rpc.message.count", count);
      endSpan(span, undefined);
    })(),
  };
}

function endSpan(span: Span, error: unknown): void {
  const code = error === undefined ? Code.OK : error instanceof TripleError ? error.code : Code.UNKNOWN;
  span.setAttribute("rpc.grpc.status_code", code);
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof TripleError ? error.rawMessage : String(error) });
    if (error instanceof Error) span.recordException(error);
  }
  span.end();
}
