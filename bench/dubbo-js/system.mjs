// dubbo-js 3.0.0-alpha (a connect-es v1 fork on protobuf-es v1) for bench/rpc.ts, speaking the gRPC
// protocol. Plain JavaScript so that the root `npm run typecheck` never needs this package's
// node_modules; loaded under tsx (bench/rpc/server.ts, client.ts), which also compiles the generated
// TypeScript in .gen/ (bench/dubbo-js/buf.gen.yaml; imports resolve to this directory's node_modules).
// Server: dubboNodeAdapter({ grpc: true, grpcWeb: false, triple: false }) on http2.createServer();
// client: createGrpcTransport({ httpVersion: "2", sessionManager }) + createPromiseClient().
import { once } from "node:events";
import { createServer } from "node:http2";
import { createPromiseClient } from "@apachedubbo/dubbo";
import { createGrpcTransport, dubboNodeAdapter, Http2SessionManager } from "@apachedubbo/dubbo-node";
import { checkGreeting, pushable } from "../rpc/system.ts";
import { GreetService } from "./.gen/greet_dubbo.ts";

const impl = {
  greet: (request) => ({ greeting: request.name }),
  async *greetServerStream(request) {
    const count = Number(request.name);
    for (let i = 0; i < count; i++) yield { greeting: "triple" };
  },
  async greetClientStream(requests) {
    const names = [];
    for await (const r of requests) names.push(r.name);
    return { greeting: names.join(",") };
  },
  async *greetStream(requests) {
    for await (const r of requests) yield { greeting: r.name };
  },
};

/** @type {import("../rpc/system.ts").RpcSystem} */
export const system = {
  async serve(port) {
    const handler = dubboNodeAdapter({
      grpc: true,
      grpcWeb: false,
      triple: false,
      routes: (router) => router.service(GreetService, impl),
    });
    const server = createServer(handler);
    const sessions = new Set();
    server.on("session", (s) => {
      sessions.add(s);
      s.once("close", () => sessions.delete(s));
    });
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    return {
      port: server.address().port,
      close: async () => {
        for (const s of sessions) s.destroy();
        await new Promise((resolve) => server.close(() => resolve()));
      },
    };
  },
  async connect(baseUrl) {
    const sessionManager = new Http2SessionManager(baseUrl);
    const client = createPromiseClient(GreetService, createGrpcTransport({ baseUrl, httpVersion: "2", sessionManager }));
    return {
      async unary() {
        checkGreeting((await client.greet({ name: "triple" })).greeting, "dubbo");
      },
      async serverStream(count) {
        let n = 0;
        for await (const m of client.greetServerStream({ name: String(count) })) {
          if (m.greeting.length !== 6) checkGreeting(m.greeting, "dubbo");
          n++;
        }
        return n;
      },
      async bidi() {
        const requests = pushable();
        const responses = client.greetStream(requests.iterable)[Symbol.asyncIterator]();
        return {
          async ping() {
            requests.push({ name: "triple" });
            const r = await responses.next();
            if (r.done === true) throw new Error("dubbo: bidi stream ended early");
            checkGreeting(r.value.greeting, "dubbo");
          },
          async close() {
            requests.end();
            const r = await responses.next();
            if (r.done !== true) throw new Error("dubbo: bidi stream did not end");
          },
        };
      },
      close: async () => sessionManager.abort(),
    };
  },
};
