// One benchmark server process: `node --import tsx bench/rpc/server.ts <system> [--port 0]`.
// Prints `listening <port>` once it accepts connections; exits when stdin closes or on SIGTERM/SIGINT.
// bench/rpc.ts starts one per measurement and reads its CPU time and peak RSS from /proc/<pid>.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { isSystemName, loadSystem } from "./system.ts";

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !isSystemName(name)) {
  process.stderr.write("usage: server.ts raw|tristub|grpc-js|connect|dubbo [--port N]\n");
  process.exit(2);
}
const portIndex = rest.indexOf("--port");
const port = portIndex >= 0 ? Number(rest[portIndex + 1]) : 0;

const system = await loadSystem(name, dirname(dirname(fileURLToPath(import.meta.url))));
const server = await system.serve(port);
process.stdout.write(`listening ${server.port}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2000).unref();
  void server.close().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
