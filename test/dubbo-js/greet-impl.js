// GreetService implemented on dubbo-js 3.0.0-alpha: the seed's behaviour (echo; bidi one response per
// request; client stream joined with ","; server stream 5×) plus the name triggers the interop tests
// use with every peer: every method echoes `x-echo` / `x-echo-bin` metadata into response headers and
// trailers; `error` fails with INVALID_ARGUMENT + a detail (the server stream after two responses);
// `slow` (unary) waits for the deadline or cancellation; `forever` (server stream) sends until
// cancelled. `events` receives one line per observation (printed by server.js for the test to read).
import { Code, DubboError } from "@apachedubbo/dubbo";
import { GreetResponse } from "./gen/greet_pb.js";

export const detailTypeName = "greet.GreetResponse";
export const detailGreeting = "detail of the error";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function echo(ctx) {
  const text = ctx.requestHeader.get("x-echo");
  if (text !== null) {
    ctx.responseHeader.set("x-echo-header", text);
    ctx.responseTrailer.set("x-echo-trailer", text);
  }
  const bin = ctx.requestHeader.get("x-echo-bin");
  if (bin !== null) {
    ctx.responseHeader.set("x-echo-bin", bin);
    ctx.responseTrailer.set("x-echo-trailer-bin", bin);
  }
}

function interopError(ctx) {
  // dubbo-js's gRPC handler writes only grpc-status/-message/-status-details-bin for an error
  // (DubboError.metadata is not sent), so error metadata goes into the response trailer directly.
  ctx.responseTrailer.set("x-error-meta", "yes");
  return new DubboError("bad name: error ✗", Code.InvalidArgument, undefined, [
    { type: detailTypeName, value: new GreetResponse({ greeting: detailGreeting }).toBinary() },
  ]);
}

function waitAbort(signal, ms) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The dubbo-js service implementation; `event(object)` reports what the handler saw. */
export function greetImpl(event) {
  const record = (method, ctx) => {
    event({ event: "call", method, protocol: ctx.protocolName, timeoutMs: ctx.timeoutMs() ?? null, encoding: ctx.requestHeader.get("grpc-encoding") });
    ctx.signal.addEventListener("abort", () => event({ event: "aborted", method }));
    echo(ctx);
  };
  return {
    async greet(request, ctx) {
      record("Greet", ctx);
      if (request.name === "error") throw interopError(ctx);
      if (request.name === "slow") {
        await waitAbort(ctx.signal, 10_000);
        // dubbo-js aborts the signal with DeadlineExceeded at the deadline but does not answer the
        // call itself: rethrow the reason, or the status would race the client's own deadline.
        if (ctx.signal.reason instanceof DubboError) throw ctx.signal.reason;
        throw new DubboError("slow call was not cut short", Code.Internal);
      }
      return { greeting: request.name };
    },
    async *greetStream(requests, ctx) {
      record("GreetStream", ctx);
      for await (const request of requests) yield { greeting: request.name };
    },
    async greetClientStream(requests, ctx) {
      record("GreetClientStream", ctx);
      const names = [];
      for await (const request of requests) names.push(request.name);
      return { greeting: names.join(",") };
    },
    async *greetServerStream(request, ctx) {
      record("GreetServerStream", ctx);
      if (request.name === "error") {
        yield { greeting: "first" };
        yield { greeting: "second" };
        throw interopError(ctx);
      }
      if (request.name === "forever") {
        let sent = 0;
        for (; sent < 1000 && !ctx.signal.aborted; sent++) {
          yield { greeting: `forever ${sent}` };
          await sleep(10);
        }
        event({ event: "stopped", method: "GreetServerStream", sent });
        return;
      }
      for (let i = 0; i < 5; i++) yield { greeting: request.name };
    },
  };
}
