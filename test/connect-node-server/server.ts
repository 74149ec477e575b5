// A @connectrpc/connect-node (v2.1, Node ≥ 20) GreetService server for the peer tests where tristub is
// the client (test/interop/connect-node-server.test.ts): connectNodeAdapter serving the Connect,
// gRPC-Web and gRPC protocols on node:http2 (h2c) or node:http (HTTP/1.1), with the protobuf-es v2
// code of examples/streaming/greet.proto (gen/greet_pb.ts, see buf.gen.yaml).
//
// Behaviour: Greet echoes the name; GreetServerStream sends the name 3 times; GreetClientStream joins
// the names with ","; GreetStream echoes each request. Every method copies `x-echo` into the response
// header `x-echo-header` and the trailer `x-echo-trailer` and reports the request's content type,
// encoding and timeout in `x-seen-*` response headers. The name `error` fails with INVALID_ARGUMENT and
// trailer `x-error-meta: yes` (the server stream after two messages); `slow` waits for cancellation;
// `flaky:<key>` (unary) fails with UNAVAILABLE on the first call per key; `forever` (server stream)
// sends every 10 ms until cancelled. What handlers saw is in `ConnectNodeServer.events`.
import { once } from "node:events";
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GreetService } from "./gen/greet_pb.js";

/** A running peer server. */
export interface ConnectNodeServer {
  readonly port: number;
  readonly baseUrl: string;
  /** Handler observations: `aborted <method>` when a call's signal fired, `stopped <n>` for `forever`. */
  readonly events: string[];
  /** TCP connections accepted so far (keep-alive reuse shows as few). */
  readonly accepted: () => number;
  close(): Promise<void>;
}

function observe(ctx: HandlerContext): void {
  const echo = ctx.requestHeader.get("x-echo");
  if (echo !== null) {
    ctx.responseHeader.set("x-echo-header", echo);
    ctx.responseTrailer.set("x-echo-trailer", echo);
  }
  ctx.responseHeader.set("x-seen-content-type", ctx.requestHeader.get("content-type") ?? "");
  const encoding = ctx.requestHeader.get("connect-content-encoding") ?? ctx.requestHeader.get("content-encoding") ?? ctx.requestHeader.get("grpc-encoding");
  ctx.responseHeader.set("x-seen-encoding", encoding ?? "");
  ctx.responseHeader.set("x-seen-timeout", String(ctx.timeoutMs() ?? ""));
}

function failure(ctx: HandlerContext): ConnectError {
  ctx.responseTrailer.set("x-error-meta", "yes");
  return new ConnectError("bad name: error ✗", Code.InvalidArgument);
}

function waitAbort(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const routes = (events: string[], flaky: Set<string>) => (router: ConnectRouter): void => {
  router.service(GreetService, {
    async greet(request, ctx) {
      observe(ctx);
      if (request.name.startsWith("flaky:") && !flaky.has(request.name)) {
        flaky.add(request.name);
        throw new ConnectError("try again", Code.Unavailable);
      }
      if (request.name === "error") throw failure(ctx);
      if (request.name === "slow") {
        await waitAbort(ctx.signal, 10_000);
        throw new ConnectError("slow call was not cut short", Code.Internal);
      }
      return { greeting: request.name };
    },
    async *greetServerStream(request, ctx) {
      observe(ctx);
      if (request.name === "forever") {
        let sent = 0;
        for (; sent < 1000 && !ctx.signal.aborted; sent++) {
          yield { greeting: `forever ${sent}` };
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        events.push(`stopped ${sent}`);
        return;
      }
      for (let i = 0; i < 3; i++) {
        if (request.name === "error" && i === 2) throw failure(ctx);
        yield { greeting: request.name };
      }
    },
    async greetClientStream(requests, ctx) {
      observe(ctx);
      ctx.signal.addEventListener("abort", () => events.push("aborted GreetClientStream"));
      const names: string[] = [];
      for await (const request of requests) names.push(request.name);
      if (names.includes("error")) throw failure(ctx);
      return { greeting: names.join(",") };
    },
    async *greetStream(requests, ctx) {
      observe(ctx);
      for await (const request of requests) {
        if (request.name === "error") throw failure(ctx);
        yield { greeting: request.name };
      }
    },
  });
};

/** Starts connectNodeAdapter (Connect, gRPC-Web and gRPC) on 127.0.0.1, port 0, over HTTP/2 or HTTP/1.1. */
export async function startConnectNodeServer(http: "2" | "1.1"): Promise<ConnectNodeServer> {
  const events: string[] = [];
  const handler = connectNodeAdapter({ routes: routes(events, new Set()), connect: true, grpcWeb: true, grpc: true });
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  const server =
    http === "2"
      ? createHttp2Server(handler as (req: Http2ServerRequest, res: Http2ServerResponse) => void)
      : createHttp1Server(handler as (req: IncomingMessage, res: ServerResponse) => void);
  server.on("session", (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  let accepted = 0;
  server.on("connection", (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    events,
    accepted: () => accepted,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
