// Runs the GreetService server: `tsx examples/streaming/server.ts [--port 20000] [--host 127.0.0.1]`.
// Prints "listening on HOST:PORT" once it serves (port 0 picks a free port); stops on SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { registerGreetService } from "./gen/greet.js";
import { createTripleServer } from "./gen/tristub-runtime.js";
import { greetTripleServer } from "./greet-handler.js";

const { values } = parseArgs({
  options: { port: { type: "string", default: "20000" }, host: { type: "string", default: "127.0.0.1" } },
});
const server = createTripleServer();
registerGreetService(server, greetTripleServer);
const address = await server.listen({ host: values.host, port: Number(values.port) });
process.stdout.write(`listening on ${address.host}:${address.port}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
