// connect-es v2: @connectrpc/connect + @connectrpc/connect-node speaking the gRPC protocol, with the
// protobuf-es v2 code protoc-gen-es writes (bench/rpc/buf.gen.connect.yaml -> bench/rpc/.gen/connect/).
// Server: connectNodeAdapter({ grpc: true, grpcWeb: false, connect: false }) on http2.createServer();
// client: createGrpcTransport({ baseUrl }) (one HTTP/2 session) + createClient().
import { once } from "node:events";
import { createServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { type ConnectRouter, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { type BenchClient, type BidiSession, checkGreeting, pushable, type RpcSystem } from "./system.ts";

interface Named {
  name: string;
}
interface Greeting {
  greeting: string;
}
interface GreetClient {
  greet(request: Named): Promise<Greeting>;
  greetServerStream(request: Named): AsyncIterable<Greeting>;
  greetStream(requests: AsyncIterable<Named>): AsyncIterable<Greeting>;
}

const { GreetService } = (await import(pathToFileURL(join(import.meta.dirname, ".gen", "connect", "greet_pb.ts")).href)) as { GreetService: DescService };

const impl = {
  greet: (request: Named) => ({ greeting: request.name }),
  async *greetServerStream(request: Named) {
    const count = Number(request.name);
    for (let i = 0; i < count; i++) yield { greeting: "triple" };
  },
  async greetClientStream(requests: AsyncIterable<Named>) {
    const names: string[] = [];
    for await (const r of requests) names.push(r.name);
    return { greeting: names.join(",") };
  },
  async *greetStream(requests: AsyncIterable<Named>) {
    for await (const r of requests) yield { greeting: r.name };
  },
};

export const system: RpcSystem = {
  async serve(port) {
    const handler = connectNodeAdapter({
      grpc: true,
      grpcWeb: false,
      connect: false,
      routes: (router: ConnectRouter) => router.service(GreetService, impl as never),
    });
    const server = createServer(handler as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
    const sessions = new Set<ServerHttp2Session>();
    server.on("session", (s) => {
      sessions.add(s);
      s.once("close", () => sessions.delete(s));
    });
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    return {
      port: (server.address() as AddressInfo).port,
      close: async () => {
        for (const s of sessions) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
  async connect(baseUrl): Promise<BenchClient> {
    const client = createClient(GreetService, createGrpcTransport({ baseUrl })) as unknown as GreetClient;
    return {
      async unary() {
        checkGreeting((await client.greet({ name: "triple" })).greeting, "connect");
      },
      async serverStream(count) {
        let n = 0;
        for await (const m of client.greetServerStream({ name: String(count) })) {
          if (m.greeting.length !== 6) checkGreeting(m.greeting, "connect");
          n++;
        }
        return n;
      },
      async bidi(): Promise<BidiSession> {
        const requests = pushable<Named>();
        const responses = client.greetStream(requests.iterable)[Symbol.asyncIterator]();
        return {
          async ping() {
            requests.push({ name: "triple" });
            const r = await responses.next();
            if (r.done === true) throw new Error("connect: bidi stream ended early");
            checkGreeting(r.value.greeting, "connect");
          },
          async close() {
            requests.end();
            const r = await responses.next();
            if (r.done !== true) throw new Error("connect: bidi stream did not end");
          },
        };
      },
      close: async () => undefined,
    };
  },
};
