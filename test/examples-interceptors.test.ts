// The README's interceptor examples (examples/interceptors/, examples/opentelemetry/) do what they say,
// over real sockets: bearer-token auth refuses with UNAUTHENTICATED before any handler runs, logging
// times every call, the metrics counter counts calls, codes and messages, and the OpenTelemetry
// interceptors produce a client and a server span of one trace (real @opentelemetry SDK, in memory).
// The demo script runs as users run it. The generated code the examples use imports no package.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { authenticatedUserHeader, bearerAuthClient, bearerAuthServer } from "../examples/interceptors/auth.js";
import { logging } from "../examples/interceptors/logging.js";
import { createCallMetrics } from "../examples/interceptors/metrics.js";
import { SpanKind, SpanStatusCode, startInMemoryTracing } from "../examples/opentelemetry/in-memory-tracing.js";
import { tracingClient, tracingServer } from "../examples/opentelemetry/tracing.js";
import { createGreetServiceClient, registerGreetService, type GreetServiceClient } from "../examples/streaming/gen/greet.js";
import { Code, createTripleServer, TripleError, type Interceptor, type TripleServer } from "../examples/streaming/gen/tristub-runtime.js";
import { repoRoot } from "./support/fixtures.js";
import { run } from "./support/process.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let handlerCalls = 0;

/** A GreetService server with `interceptors` on a free port, and a client factory; both closed after the test. */
async function start(interceptors: Interceptor[]): Promise<(clientInterceptors?: Interceptor[]) => GreetServiceClient> {
  handlerCalls = 0;
  const server: TripleServer = createTripleServer({ interceptors });
  registerGreetService(server, {
    greet: (request, ctx) => {
      handlerCalls++;
      if (request.name === "fail") throw new TripleError(Code.FAILED_PRECONDITION, "refused");
      return { greeting: `${request.name} by ${ctx.requestHeaders.get(authenticatedUserHeader)}` };
    },
    async greetServerStream(request, stream) {
      handlerCalls++;
      for (let i = 0; i < 3; i++) await stream.send({ greeting: `${request.name}${i}` });
    },
    async greetClientStream(stream) {
      handlerCalls++;
      let n = 0;
      for await (const _ of stream) n++;
      return { greeting: String(n) };
    },
    async greetStream(stream) {
      handlerCalls++;
      for await (const request of stream) await stream.send({ greeting: request.name });
    },
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => server.close({ graceMs: 1_000 }));
  return (clientInterceptors = []) => {
    const client = createGreetServiceClient({ baseUrl: `http://127.0.0.1:${port}`, interceptors: clientInterceptors });
    cleanups.push(() => client.close());
    return client;
  };
}

async function expectCode(promise: Promise<unknown>, code: Code): Promise<TripleError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TripleError);
  expect((error as TripleError).code).toBe(code);
  return error as TripleError;
}

describe("interceptor examples", () => {
  it("bearer-token auth: UNAUTHENTICATED before any handler runs; the handler learns the user", async () => {
    const client = await start([bearerAuthServer(new Map([["t1", "alice"]]))]);
    const anonymous = client();
    expect((await expectCode(anonymous.greet({ name: "a" }), Code.UNAUTHENTICATED)).rawMessage).toBe("missing bearer token");
    await expectCode(client([bearerAuthClient("wrong")]).greet({ name: "a" }), Code.UNAUTHENTICATED);
    const stream = anonymous.greetStream();
    await stream.send({ name: "x" }).catch(() => undefined);
    await expectCode(stream.recv(), Code.UNAUTHENTICATED);
    expect(handlerCalls).toBe(0);
    const alice = client([bearerAuthClient(() => "t1")]);
    // A client cannot claim to be someone else: the server sets the header itself.
    expect((await alice.greet({ name: "hi" }, { headers: { [authenticatedUserHeader]: "mallory" } })).greeting).toBe("hi by alice");
    expect(handlerCalls).toBe(1);
  });

  it("logging with timing: a start and an end line per call, streams counted", async () => {
    const serverLines: string[] = [];
    const clientLines: string[] = [];
    const client = (await start([logging((line) => serverLines.push(line))]))([logging((line) => clientLines.push(line))]);
    await client.greet({ name: "a" });
    await expectCode(client.greet({ name: "fail" }), Code.FAILED_PRECONDITION);
    for await (const _ of client.greetServerStream({ name: "s" }));
    for (const lines of [serverLines, clientLines]) {
      expect(lines[0]).toBe("-> /greet.GreetService/Greet (unary)");
      expect(lines[1]).toMatch(/^<- \/greet\.GreetService\/Greet OK \d+\.\d ms$/);
      expect(lines[3]).toMatch(/^<- \/greet\.GreetService\/Greet FAILED_PRECONDITION \d+\.\d ms$/);
      expect(lines[5]).toMatch(/^<- \/greet\.GreetService\/GreetServerStream OK 3 messages \d+\.\d ms$/);
    }
  });

  it("metrics counter: calls, codes and messages per method", async () => {
    const metrics = createCallMetrics();
    const client = (await start([metrics.interceptor]))();
    await client.greet({ name: "a" });
    await client.greet({ name: "b" });
    await expectCode(client.greet({ name: "fail" }), Code.FAILED_PRECONDITION);
    for await (const _ of client.greetServerStream({ name: "s" }));
    const upload = client.greetClientStream();
    await upload.send({ name: "1" });
    await upload.closeAndRecv();
    expect(metrics.snapshot()).toEqual({
      "/greet.GreetService/Greet FAILED_PRECONDITION": 1,
      "/greet.GreetService/Greet messages": 2,
      "/greet.GreetService/Greet OK": 2,
      "/greet.GreetService/Greet started": 3,
      "/greet.GreetService/GreetClientStream messages": 1,
      "/greet.GreetService/GreetClientStream OK": 1,
      "/greet.GreetService/GreetClientStream started": 1,
      "/greet.GreetService/GreetServerStream messages": 3,
      "/greet.GreetService/GreetServerStream OK": 1,
      "/greet.GreetService/GreetServerStream started": 1,
    });
  });

  it("OpenTelemetry: a client span and its server child span per call, status and codes recorded", async () => {
    const { tracer, exporter, shutdown } = startInMemoryTracing();
    cleanups.push(shutdown);
    const client = (await start([tracingServer(tracer)]))([tracingClient(tracer)]);
    await client.greet({ name: "a" });
    await expectCode(client.greet({ name: "fail" }), Code.FAILED_PRECONDITION);
    for await (const _ of client.greetServerStream({ name: "s" }));
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBe(6);
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(clients.map((s) => s.name).sort()).toEqual(["greet.GreetService/Greet", "greet.GreetService/Greet", "greet.GreetService/GreetServerStream"]);
    for (const server of servers) {
      const parent = clients.find((c) => c.spanContext().spanId === server.parentSpanContext?.spanId);
      expect(parent, `server span ${server.name} has its client span as parent`).toBeDefined();
      expect(parent?.spanContext().traceId).toBe(server.spanContext().traceId);
      expect(server.attributes["rpc.grpc.status_code"]).toBe(parent?.attributes["rpc.grpc.status_code"]);
    }
    const failed = clients.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed.map((s) => s.attributes["rpc.grpc.status_code"])).toEqual([Code.FAILED_PRECONDITION]);
    expect(clients.find((s) => s.name.endsWith("GreetServerStream"))?.attributes["rpc.message.count"]).toBe(3);
    expect(clients[0]?.attributes["rpc.system"]).toBe("grpc");
  });

  it("the demo runs as `npm run example:interceptors` runs it", async () => {
    const result = await run(process.execPath, ["--import", "tsx", "examples/interceptors/demo.ts"], repoRoot);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("reply: hello triple, said alice");
    expect(result.stdout).toContain("reply: a,b,c");
    expect(result.stdout).toContain(`without a token: ${Code.UNAUTHENTICATED} missing bearer token`);
    expect(result.stdout).toMatch(/client <- \/greet\.GreetService\/GreetServerStream OK 3 messages/);
    expect(result.stdout).toContain('"/greet.GreetService/Greet UNAUTHENTICATED":1');
  });

  it("the generated code the examples use imports no package: only node:* and its own files", () => {
    const gen = join(repoRoot, "examples", "streaming", "gen");
    const files = (readdirSync(gen, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(10);
    const bare: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(gen, file), "utf8");
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"/g)) {
        const specifier = match[1] ?? "";
        if (!specifier.startsWith("./") && !specifier.startsWith("../") && !specifier.startsWith("node:")) bare.push(`${file}: ${specifier}`);
      }
      expect(text).not.toContain("@opentelemetry");
    }
    expect(bare).toEqual([]);
  });
});
