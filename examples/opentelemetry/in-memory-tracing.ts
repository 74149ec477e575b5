// An OpenTelemetry SDK set up in memory, the way a test (or a debugging session) uses the tracing
// interceptors: spans are kept in an InMemorySpanExporter, the W3C trace-context propagator carries the
// trace from client to server in `traceparent`. In production, register your exporter (OTLP, …) instead.
import { propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

export { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";

/** A tracer whose finished spans `exporter` holds; `shutdown()` flushes and unregisters the propagator. */
export function startInMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    tracer: provider.getTracer("tristub-example"),
    exporter,
    async shutdown(): Promise<void> {
      propagation.disable();
      await provider.shutdown();
    },
  };
}
