import type { IncomingHeaders } from "../protocol/metadata.js";
import { grpcTimeoutParse } from "../protocol/grpc-timeout.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import { tripleErrorBody } from "../protocol/triple-unary.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import { ServerCallLifecycle } from "./call-lifecycle.js";
import { ServerCall } from "./server-call.js";
import { HandlerContext } from "./server-context.js";
import { serverRunRoute, type ServerRoute } from "./server-handlers.js";
import { serverInterceptRoute } from "./server-interceptors.js";
import { serverWebResolve, type ServerBodyProtocol } from "./server-web-routing.js";
import {
  serverGrpcSubtype,
  serverIsGrpcContentType,
  serverRefuseHeaders,
  serverRespondError,
  serverRouteLookup,
  serverRoutes,
  serverRoutesResolve,
  type ServerRegistration,
  type ServerRouteTable,
} from "./server-routing.js";
import type { ServerSettings } from "./server-settings.js";
import { serveTripleUnary, type TripleUnaryExchange } from "./server-triple-unary.js";
import { serveTripleUnaryPost } from "./server-triple-unary-call.js";
import { ServerUnaryCall } from "./server-unary-call.js";

/**
 * Routes requests to the registered handlers, whatever transport carried them: gRPC calls on HTTP/2
 * streams (`serveStream`) and Triple-unary exchanges over HTTP/2 or HTTP/1.1 (`serveExchange`). It
 * holds the route table and the calls' lifecycle; the transport only accepts connections.
 */
export class ServerDispatcher {
  readonly settings: ServerSettings;
  readonly lifecycle: ServerCallLifecycle;
  private readonly routes: ServerRouteTable = new Map();

  constructor(settings: ServerSettings) {
    this.settings = settings;
    this.lifecycle = new ServerCallLifecycle(settings.onError);
  }

  /** Registers the routes of one service implementation under a Dubbo group and version. */
  register(routes: readonly ServerRoute[], registration: ServerRegistration = {}): void {
    const interceptors = this.settings.interceptors;
    serverRoutes(this.routes, interceptors.length === 0 ? routes : routes.map((route) => serverInterceptRoute(route, interceptors)), registration);
  }

  /**
   * Enforces `maxHeaderListBytes` on an HTTP/2 request before anything else reads it (answered in the
   * request's own protocol); returns whether the request was refused.
   */
  refuseHeaders(stream: ServerStreamLike, headers: IncomingHeaders): boolean {
    return serverRefuseHeaders(stream, headers, this.settings.maxHeaderListBytes);
  }

  /** Whether an HTTP/2 request is gRPC (anything else is Connect, gRPC-Web or Triple-unary: see `server-protocols.ts`). */
  isGrpc(headers: IncomingHeaders): boolean {
    return serverIsGrpcContentType(String(headers["content-type"] ?? "")) || headers[":method"] === undefined;
  }

  /**
   * Serves a gRPC call on an HTTP/2 stream. Unary methods take the lean `ServerUnaryCall` path;
   * streaming ones a `ServerCall` whose handler runs at once.
   */
  serveStream(stream: ServerStreamLike, headers: IncomingHeaders): void {
    const target = serverRoutesResolve(this.routes, this.settings, stream, headers);
    if (target === undefined) return;
    const [route, callSettings] = target;
    let timeoutMs: number | undefined;
    try {
      timeoutMs = grpcTimeoutParse(headers["grpc-timeout"] as string | undefined);
    } catch (error) {
      return serverRespondError(stream, callSettings.contentType, new TripleError(Code.INVALID_ARGUMENT, (error as Error).message));
    }
    const ctx = new HandlerContext(route.method, stream.session?.socket, headers, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
    if (route.run === undefined) {
      if (route.unary !== undefined) new ServerUnaryCall(route.method, route.unary, stream, ctx, callSettings, this.lifecycle, timeoutMs);
      return;
    }
    this.serveCall(stream, route, new ServerCall(route.method, stream, ctx, callSettings), timeoutMs);
  }

  /**
   * Serves a Connect-streaming or gRPC-Web call (`protocol`) on an HTTP/2 stream or an HTTP/1.1
   * request shaped like one (`http1`): the same `ServerCall` and handlers as gRPC, with the status at
   * the end of the body (`ServerWire`). Unary methods run as a one-message stream (gRPC-Web).
   */
  serveBody(stream: ServerStreamLike, headers: IncomingHeaders, protocol: ServerBodyProtocol, http1: boolean): void {
    const target = serverWebResolve(this.routes, this.settings, stream, headers, protocol, http1);
    if (target === undefined) return;
    const { route, timeoutMs } = target;
    const ctx = new HandlerContext(route.method, stream.session?.socket, headers, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
    const call = new ServerCall(route.method, stream, ctx, target.settings, target.wire);
    this.serveCall(stream, route, call, timeoutMs);
  }

  /** Runs a streamed call in the lifecycle: tracked, its deadline armed, client resets abort it. */
  private serveCall(
    stream: ServerStreamLike,
    route: ServerRoute,
    call: ServerCall<object, object>,
    timeoutMs: number | undefined,
  ): void {
    const lifecycle = this.lifecycle;
    lifecycle.track(call);
    const clearTimer = timeoutMs === undefined ? undefined : lifecycle.deadline(call, timeoutMs);
    // A reset stream also emits "end", which must not read as the client's half-close: "aborted"
    // comes first and fails the request side before that.
    stream.once("aborted", () => lifecycle.cancelled(call));
    stream.once("close", () => {
      clearTimer?.();
      lifecycle.untrack(call);
      lifecycle.cancelled(call);
    });
    serverRunRoute(route, call).then(
      () => call.finish(),
      (error: unknown) => lifecycle.fail(call, error),
    );
  }

  /**
   * Serves a plain Connect/Triple unary POST on an HTTP/2 stream the lean way; returns false (nothing
   * done) for any other request, which `serveExchange` then serves or refuses.
   */
  serveUnaryPost(stream: ServerStreamLike, headers: IncomingHeaders): boolean {
    const path = headers[":path"];
    if (typeof path !== "string" || path.includes("?")) return false;
    const match = serverRouteLookup(this.routes, this.settings.versionFallback, path, headers);
    return typeof match !== "string" && serveTripleUnaryPost(stream, headers, match.route, this.settings, this.lifecycle);
  }

  /** Serves a Triple-unary request (a plain POST) over HTTP/2 or HTTP/1.1. */
  serveExchange(exchange: TripleUnaryExchange): void {
    const match = serverRouteLookup(this.routes, this.settings.versionFallback, exchange.path, exchange.headers);
    if (exchange.http1 && serverGrpcSubtype(String(exchange.headers["content-type"] ?? "")) !== undefined) {
      const error = new TripleError(Code.UNIMPLEMENTED, "gRPC requires HTTP/2");
      exchange.respond(505, { "content-type": "application/json" }, tripleErrorBody(error), true);
      return;
    }
    const route = typeof match === "string" ? undefined : match.route;
    serveTripleUnary(exchange, route, typeof match === "string" ? match : "", this.settings, this.lifecycle);
  }
}
