// The common shape of the RPC systems compared by bench/rpc.ts: each one can serve GreetService
// (examples/streaming/greet.proto) and be a GreetService client. bench/rpc/server.ts and
// bench/rpc/client.ts load one system per process by name.
//
// The benchmark's service semantics, identical in every system:
//   Greet              GreetRequest{name} -> GreetResponse{greeting: name}
//   GreetServerStream  GreetServerStreamRequest{name: "<count>"} -> <count> × GreetServerStreamResponse{greeting: "triple"}
//   GreetStream        echo: each GreetStreamRequest{name} -> GreetStreamResponse{greeting: name}
//   GreetClientStream  (not benchmarked) all names joined with ","
// The client always sends name "triple", so every unary/bidi reply is GreetResponse{greeting: "triple"},
// which is also the fixed reply of the raw floor server.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export interface BenchServer {
  readonly port: number;
  close(): Promise<void>;
}

/** One open bidi stream used for sequential ping-pong. */
export interface BidiSession {
  /** Sends one request and waits for its reply; rejects if the reply is wrong. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchClient {
  /** One Greet call; rejects unless the reply's greeting is "triple". */
  unary(): Promise<void>;
  /** One GreetServerStream call asking for `count` messages; resolves with the number received. */
  serverStream(count: number): Promise<number>;
  bidi(): Promise<BidiSession>;
  close(): Promise<void>;
}

export interface RpcSystem {
  /** Serves GreetService on 127.0.0.1:`port` (0 = any free port). */
  serve(port: number): Promise<BenchServer>;
  /** A client of the server at `baseUrl` (http://127.0.0.1:PORT), one HTTP/2 connection. */
  connect(baseUrl: string): Promise<BenchClient>;
}

export const systemNames = ["raw", "tristub", "grpc-js", "connect", "dubbo"] as const;
export type SystemName = (typeof systemNames)[number];

export const isSystemName = (s: string): s is SystemName => (systemNames as readonly string[]).includes(s);

/** The module of each system, relative to bench/. dubbo-js lives in its own package (protobuf-es v1). */
const modules: Record<SystemName, string> = {
  raw: "rpc/sys-raw.ts",
  tristub: "rpc/sys-tristub.ts",
  "grpc-js": "rpc/sys-grpc-js.ts",
  connect: "rpc/sys-connect.ts",
  dubbo: "dubbo-js/system.mjs",
};

export async function loadSystem(name: SystemName, benchDir: string): Promise<RpcSystem> {
  const mod = (await import(pathToFileURL(join(benchDir, modules[name])).href)) as { system: RpcSystem };
  return mod.system;
}

/** Throws unless a reply carries the expected greeting. */
export function checkGreeting(greeting: string, system: string): void {
  if (greeting !== "triple") throw new Error(`${system}: unexpected reply greeting ${JSON.stringify(greeting)}`);
}

/** An async iterable fed by push(): the request side of a connect-es / dubbo-js bidi call. */
export function pushable<T>(): { push(value: T): void; end(): void; iterable: AsyncIterable<T> } {
  const queue: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push(value) {
      queue.push(value);
      signal();
    },
    end() {
      ended = true;
      signal();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length > 0) {
            yield queue.shift()!;
            continue;
          }
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    },
  };
}
