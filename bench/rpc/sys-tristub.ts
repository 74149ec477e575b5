// tristub: the code `tristub generate examples/streaming/greet.proto` writes (bench/rpc/generate.ts puts
// it in bench/rpc/.gen/tristub/), used the way the README shows. TRISTUB_RPC_GEN=<dir> loads another
// copy of the generated code (.ts, or .js such as the tsc-compiled copy with source maps that the
// profiles in bench/rpc.ts use).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BenchClient, type BidiSession, checkGreeting, type RpcSystem } from "./system.ts";

interface Greeting {
  greeting: string;
}
interface Named {
  name: string;
}
interface BidiCall {
  send(m: Named): Promise<void>;
  recv(): Promise<Greeting>;
  closeRequest(): void;
}
interface GreetServiceClient {
  greet(request: Named): Promise<Greeting>;
  greetServerStream(request: Named): AsyncIterable<Greeting>;
  greetStream(): BidiCall;
  close(): Promise<void>;
}
interface ResponseSink {
  send(m: Greeting): Promise<void>;
}
interface ServerBidi extends AsyncIterable<Named>, ResponseSink {}
interface GreetServiceHandler {
  greet(request: Named): Greeting;
  greetServerStream(request: Named, stream: ResponseSink): Promise<void>;
  greetClientStream(stream: AsyncIterable<Named>): Promise<Greeting>;
  greetStream(stream: ServerBidi): Promise<void>;
}
interface TripleServer {
  listen(options: { host: string; port: number }): Promise<{ port: number }>;
  close(): Promise<void>;
}
interface GreetModule {
  createGreetServiceClient(options: { baseUrl: string }): GreetServiceClient;
  registerGreetService(server: TripleServer, handler: GreetServiceHandler): void;
}
interface RuntimeModule {
  createTripleServer(): TripleServer;
  isEnded(error: unknown): boolean;
}

const dir = process.env["TRISTUB_RPC_GEN"] ?? join(import.meta.dirname, ".gen", "tristub");
const ext = existsSync(join(dir, "greet.ts")) ? ".ts" : ".js";
const greet = (await import(pathToFileURL(join(dir, "greet" + ext)).href)) as GreetModule;
const runtime = (await import(pathToFileURL(join(dir, "tristub-runtime" + ext)).href)) as RuntimeModule;

const handler: GreetServiceHandler = {
  greet: (request) => ({ greeting: request.name }),
  async greetServerStream(request, stream) {
    const count = Number(request.name);
    for (let i = 0; i < count; i++) await stream.send({ greeting: "triple" });
  },
  async greetClientStream(stream) {
    const names: string[] = [];
    for await (const request of stream) names.push(request.name);
    return { greeting: names.join(",") };
  },
  async greetStream(stream) {
    for await (const request of stream) await stream.send({ greeting: request.name });
  },
};

export const system: RpcSystem = {
  async serve(port) {
    const server = runtime.createTripleServer();
    greet.registerGreetService(server, handler);
    const address = await server.listen({ host: "127.0.0.1", port });
    return { port: address.port, close: () => server.close() };
  },
  async connect(baseUrl): Promise<BenchClient> {
    const client = greet.createGreetServiceClient({ baseUrl });
    return {
      async unary() {
        checkGreeting((await client.greet({ name: "triple" })).greeting, "tristub");
      },
      async serverStream(count) {
        let n = 0;
        for await (const m of client.greetServerStream({ name: String(count) })) {
          if (m.greeting.length !== 6) checkGreeting(m.greeting, "tristub");
          n++;
        }
        return n;
      },
      async bidi(): Promise<BidiSession> {
        const call = client.greetStream();
        return {
          async ping() {
            await call.send({ name: "triple" });
            checkGreeting((await call.recv()).greeting, "tristub");
          },
          async close() {
            call.closeRequest();
            try {
              await call.recv();
            } catch (error) {
              if (runtime.isEnded(error)) return;
              throw error;
            }
            throw new Error("tristub: bidi stream did not end");
          },
        };
      },
      close: () => client.close(),
    };
  },
};
