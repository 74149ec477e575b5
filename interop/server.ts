// The tristub interop server: grpc.testing.TestService for grpc's interop clients.
//   npm run -s interop:server -- --port 10000 [--host 127.0.0.1]
// Prints "listening on HOST:PORT" once it serves (port 0 picks a free port); stops on SIGINT/SIGTERM.
// Plaintext only: `--use_tls` is accepted for grpc's command lines but only as false.
import { parseArgs } from "node:util";
import { createInteropServer } from "./test-service.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "10000" },
    host: { type: "string", default: "127.0.0.1" },
    use_tls: { type: "string", default: "false" },
  },
});
if (values.use_tls !== "false") {
  process.stderr.write("interop server: --use_tls is not supported (plaintext only)\n");
  process.exit(2);
}
const server = createInteropServer();
const address = await server.listen({ host: values.host, port: Number(values.port) });
process.stdout.write(`listening on ${address.host}:${address.port}\n`);
const stop = (): void => void server.close({ graceMs: 1000 }).then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
