// A GreetService TripleServer in its own process (run with `node --import tsx`, forked with IPC), so a
// test can measure the server's memory without its own, kill it, or signal it. It sends
// `{ port }` once listening and answers `{ rss: true }` messages with `{ rss, heap }` after a GC
// (start it with --expose-gc). Server options come as JSON in argv[2]; `TRISTUB_SIGTERM_GRACE_MS`
// installs a SIGTERM handler that calls `close({ graceMs })` and exits.
import { registerGreetService } from "../../snapshots/services/greet.js";
import { createTripleServer, type ServerOptions } from "../../snapshots/services/tristub-runtime.js";

const options = JSON.parse(process.argv[2] ?? "{}") as ServerOptions & { port?: number; slowMs?: number };
const slowMs = options.slowMs ?? 0;
const server = createTripleServer(options);
// Echo handlers (as test/support/e2e.ts), each step delayed by `slowMs` when set.
const pause = (): Promise<void> | undefined => (slowMs > 0 ? new Promise((resolve) => setTimeout(resolve, slowMs)) : undefined);
registerGreetService(server, {
  async greet(request) {
    await pause();
    return { greeting: request.name };
  },
  async greetStream(stream) {
    for await (const request of stream) {
      await pause();
      await stream.send({ greeting: request.name });
    }
  },
  async greetClientStream(stream) {
    const names: string[] = [];
    for await (const request of stream) names.push(request.name);
    await pause();
    return { greeting: names.join(",") };
  },
  async greetServerStream(request, stream) {
    for (let i = 0; i < 5; i++) {
      await pause();
      await stream.send({ greeting: `${request.name}-${i}` });
    }
  },
});
const address = await server.listen({ host: "127.0.0.1", port: options.port ?? 0 });
const grace = process.env["TRISTUB_SIGTERM_GRACE_MS"];
if (grace !== undefined) {
  process.once("SIGTERM", () => {
    const started = Date.now();
    void server.close({ graceMs: Number(grace) }).then(() => {
      process.send?.({ closedAfterMs: Date.now() - started });
      process.exit(0);
    });
    process.send?.({ closing: true }); // after close() stopped the listener
  });
}
process.on("message", (message: { rss?: boolean }) => {
  if (message.rss !== true) return;
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  const internals = server as unknown as { guard: { size: number }; sessions: Set<unknown>; dispatcher: { lifecycle: { readonly size: number } } };
  process.send?.({
    rss: usage.rss,
    heap: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    connections: internals.guard.size,
    sessions: internals.sessions.size,
    calls: internals.dispatcher.lifecycle.size,
  });
});
process.send?.({ port: address.port });
