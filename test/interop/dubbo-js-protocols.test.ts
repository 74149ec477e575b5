// tristub's generated client → the dubbo-js 3.0.0-alpha server (test/dubbo-js/server.js, own process),
// with the protocols dubbo-js serves besides gRPC (covered in dubbo-js.test.ts): its Triple protocol,
// which is Connect (`protocol: "connect"`: unary POST and streams with the end-stream message), Triple-
// unary (`protocol: "triple"`, unary as plain POST, streams as gRPC) and gRPC-Web (`protocol:
// "grpc-web"`); proto and JSON; node:http2 (h2c) and node:http (HTTP/1.1: unary, server and client
// streams). Each call checks messages, the protocol dubbo-js's handler saw, metadata both ways and errors.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGreetServiceClient, type GreetServiceClient } from "../../examples/streaming/gen/greet.js";
import { Code, isEnded, TripleError } from "../../examples/streaming/gen/tristub-runtime.js";
import { repoRoot } from "../support/fixtures.js";

const dubboDir = join(repoRoot, "test", "dubbo-js");

interface ServerEvent {
  event: string;
  method: string;
  protocol?: string;
}

interface DubboServer {
  readonly baseUrl: string;
  readonly events: ServerEvent[];
  stop(): Promise<void>;
}

async function startDubboServer(http: "2" | "1.1"): Promise<DubboServer> {
  const child = spawn(process.execPath, [join(dubboDir, "server.js"), "--port", "0", "--http", http], { cwd: dubboDir, stdio: ["pipe", "pipe", "pipe"] });
  const events: ServerEvent[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => stderr.push(line));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`dubbo-js server exited with code ${code}: ${stderr.join("\n")}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const listening = /^listening on .*:(\d+)$/.exec(line);
      if (listening !== null) resolve(Number(listening[1]));
      else events.push(JSON.parse(line) as ServerEvent);
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    events,
    async stop() {
      child.stdin.end();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const servers = new Map<string, DubboServer>();
beforeAll(async () => {
  servers.set("2", await startDubboServer("2"));
  servers.set("1.1", await startDubboServer("1.1"));
});
afterAll(async () => {
  for (const server of servers.values()) await server.stop();
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const message of stream) out.push(message);
  return out;
}

/** The protocol dubbo-js's handler reported for the last call of `method`. */
function lastProtocol(server: DubboServer, method: string): string | undefined {
  return server.events.filter((e) => e.event === "call" && e.method === method).at(-1)?.protocol;
}

type Protocol = "connect" | "triple" | "grpc-web";
const cells: [Protocol, "2" | "1.1"][] = [
  ["connect", "2"],
  ["connect", "1.1"],
  ["triple", "2"],
  ["triple", "1.1"],
  ["grpc-web", "2"],
  ["grpc-web", "1.1"],
];

/** What dubbo-js calls the protocol our client spoke (its Triple is Connect; Triple-unary streams are gRPC). */
function servedAs(protocol: Protocol, stream: boolean): string {
  if (protocol === "grpc-web") return "grpc-web";
  if (protocol === "triple" && stream) return "grpc";
  return "connect";
}

describe.each(cells)("tristub client → dubbo-js server, protocol %s over HTTP/%s", (protocol, http) => {
  for (const codec of ["proto", "json"] as const) {
    describe(`codec ${codec}`, () => {
      let client: GreetServiceClient;
      let server: DubboServer;
      beforeAll(() => {
        server = servers.get(http) as DubboServer;
        client = createGreetServiceClient({ baseUrl: server.baseUrl, protocol, codec, httpVersion: http });
      });
      afterAll(() => client.close());

      it("unary: message and metadata both ways", async () => {
        let headers: Headers | undefined;
        let trailers: Headers | undefined;
        const response = await client.greet({ name: "dubbo ✓" }, { headers: { "x-echo": "d1" }, onHeader: (h) => (headers = h), onTrailer: (t) => (trailers = t) });
        expect(response.greeting).toBe("dubbo ✓");
        expect(headers?.get("x-echo-header")).toBe("d1");
        expect(trailers?.get("x-echo-trailer")).toBe("d1");
        expect(lastProtocol(server, "Greet")).toBe(servedAs(protocol, false));
      });

      it("unary error: INVALID_ARGUMENT with its message", async () => {
        const error = await client.greet({ name: "error" }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as TripleError).code).toBe(Code.INVALID_ARGUMENT);
        expect((error as TripleError).rawMessage).toBe("bad name: error ✗");
      });

      // Streams over HTTP/1.1 need Connect or gRPC-Web; Triple-unary streams are gRPC (HTTP/2 only).
      if (!(protocol === "triple" && http === "1.1")) {
        it("server stream: five messages, trailers; an error after two", async () => {
          const stream = client.greetServerStream({ name: "s" }, { headers: { "x-echo": "d2" } });
          expect((await collect(stream)).map((m) => m.greeting)).toEqual(["s", "s", "s", "s", "s"]);
          expect((await stream.trailers).get("x-echo-trailer")).toBe("d2");
          expect(lastProtocol(server, "GreetServerStream")).toBe(servedAs(protocol, true));
          const failing = client.greetServerStream({ name: "error" });
          const greetings: string[] = [];
          const error = await (async () => {
            for await (const m of failing) greetings.push(m.greeting);
          })().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(greetings).toEqual(["first", "second"]);
          expect((error as TripleError).code).toBe(Code.INVALID_ARGUMENT);
          expect((error as TripleError).metadata.get("x-error-meta")).toBe("yes");
        });

        it("client stream: requests joined", async () => {
          const call = client.greetClientStream();
          for (const name of ["a", "b", "c"]) await call.send({ name });
          expect((await call.closeAndRecv()).greeting).toBe("a,b,c");
          expect(lastProtocol(server, "GreetClientStream")).toBe(servedAs(protocol, true));
        });
      }

      if (http === "2") {
        it("bidi: ping-pong, then the end", async () => {
          const call = client.greetStream();
          for (const name of ["x", "y"]) {
            await call.send({ name });
            expect((await call.recv()).greeting).toBe(name);
          }
          call.closeRequest();
          expect(isEnded(await call.recv().catch((e: unknown) => e))).toBe(true);
          expect(lastProtocol(server, "GreetStream")).toBe(servedAs(protocol, true));
        });
      }
    });
  }
});
