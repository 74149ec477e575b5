// @grpc/grpc-js with @grpc/proto-loader (its usual dynamic codegen; protobufjs does the codec), default
// channel and server options, insecure credentials.
import { once } from "node:events";
import { join } from "node:path";
import {
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  credentials,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { repoRoot } from "../generate.ts";
import { type BenchClient, type BidiSession, checkGreeting, type RpcSystem } from "./system.ts";

interface Named {
  name: string;
}
interface Greeting {
  greeting: string;
}

const definition = loadSync(join(repoRoot, "examples", "streaming", "greet.proto"), { keepCase: true, defaults: true });
const GreetService = (loadPackageDefinition(definition)["greet"] as Record<string, ServiceClientConstructor>)["GreetService"]!;

interface GreetClient extends Client {
  greet(request: Named, callback: (error: Error | null, response?: Greeting) => void): void;
  greetServerStream(request: Named): ClientReadableStream<Greeting>;
  greetStream(): ClientDuplexStream<Named, Greeting>;
}

const handlers = {
  greet(call: ServerUnaryCall<Named, Greeting>, callback: sendUnaryData<Greeting>): void {
    callback(null, { greeting: call.request.name });
  },
  async greetServerStream(call: ServerWritableStream<Named, Greeting>): Promise<void> {
    const count = Number(call.request.name);
    for (let i = 0; i < count; i++) {
      if (!call.write({ greeting: "triple" })) await once(call, "drain");
    }
    call.end();
  },
  greetClientStream(call: ServerReadableStream<Named, Greeting>, callback: sendUnaryData<Greeting>): void {
    const names: string[] = [];
    call.on("data", (m: Named) => names.push(m.name));
    call.on("end", () => callback(null, { greeting: names.join(",") }));
  },
  greetStream(call: ServerDuplexStream<Named, Greeting>): void {
    call.on("data", (m: Named) => call.write({ greeting: m.name }));
    call.on("end", () => call.end());
  },
};

export const system: RpcSystem = {
  async serve(port) {
    const server = new Server();
    server.addService(GreetService.service as ServiceDefinition, handlers);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    return {
      port: bound,
      close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
  },
  async connect(baseUrl): Promise<BenchClient> {
    const client = new GreetService(new URL(baseUrl).host, credentials.createInsecure()) as unknown as GreetClient;
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())));
    return {
      unary: () =>
        new Promise<void>((resolve, reject) =>
          client.greet({ name: "triple" }, (error, response) => {
            if (error) return reject(error);
            try {
              checkGreeting(response!.greeting, "grpc-js");
              resolve();
            } catch (e) {
              reject(e as Error);
            }
          }),
        ),
      async serverStream(count) {
        let n = 0;
        for await (const m of client.greetServerStream({ name: String(count) }) as AsyncIterable<Greeting>) {
          if (m.greeting.length !== 6) checkGreeting(m.greeting, "grpc-js");
          n++;
        }
        return n;
      },
      async bidi(): Promise<BidiSession> {
        const call = client.greetStream();
        let wake: ((m: Greeting) => void) | undefined;
        let failed: Error | undefined;
        call.on("data", (m: Greeting) => {
          const w = wake;
          wake = undefined;
          w?.(m);
        });
        const ended = new Promise<void>((resolve, reject) => {
          call.on("error", (e: Error) => {
            failed = e;
            reject(e);
          });
          call.on("end", () => resolve());
        });
        ended.catch(() => undefined);
        return {
          async ping() {
            if (failed !== undefined) throw failed;
            const reply = new Promise<Greeting>((resolve) => (wake = resolve));
            call.write({ name: "triple" });
            checkGreeting((await reply).greeting, "grpc-js");
          },
          async close() {
            call.end();
            await ended;
          },
        };
      },
      close: async () => client.close(),
    };
  },
};
