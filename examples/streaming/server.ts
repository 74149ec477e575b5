// Runs the GreetService server: `tsx examples/streaming/server.ts [--port 20000] [--host 127.0.0.1]`.
// Prints "listening on HOST:PORT" once it serves (port 0 picks a free port); stops on SIGINT/SIGTERM.
// It also serves grpc.health.v1.Health and server reflection (the stubs are generated with --health
// --reflection), so `buf curl --protocol grpc --http2-prior-knowledge --list-methods http://HOST:PORT` works.
import { parseArgs } from "node:util";
import { registerGreetService } from "./gen/greet.js";
import { serveHealth } from "./gen/tristub-health.js";
import { serveReflection } from "./gen/tristub-reflection.js";
import { createTripleServer } from "./gen/tristub-runtime.js";
import { greetTripleServer } from "./greet-handler.js";

const { values } = parseArgs({
  options: { port: { type: "string", default: "20000" }, host: { type: "string", default: "127.0.0.1" } },
});
const server = createTripleServer();
registerGreetService(server, greetTripleServer);
const health = serveHealth(server); // "" (the whole server) is SERVING; NOT_SERVING once close() begins
health.setStatus("greet.GreetService", "SERVING");
serveReflection(server);
const address = await server.listen({ host: values.host, port: Number(values.port) });
process.stdout.write(`listening on ${address.host}:${address.port}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
