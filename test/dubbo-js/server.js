// A dubbo-js 3.0.0-alpha GreetService server: `node server.js [--host 127.0.0.1] [--port 0]
// [--http 2|1.1] [--no-grpc] [--no-grpc-web] [--no-triple] [--group G] [--version V]`.
//
// dubboNodeAdapter (dubbo-node) turns a DubboRouter into a node:http/http2 request handler. The router
// serves every registered method under all three of its protocols unless disabled: gRPC
// (application/grpc[+proto|+json], POST, HTTP/2 only for trailers), gRPC-Web and Triple
// (application/proto|json unary POST/GET, application/grpc streaming via its own handler). It
// dispatches on `:path` + `tri-service-version` + `tri-service-group` headers, then on content type.
//
// Prints `listening on HOST:PORT`, then one JSON line per handler observation
// (`{"event":"call"|"aborted"|"stopped",…}`); stops on SIGTERM/SIGINT or when stdin closes.
import * as http from "node:http";
import * as http2 from "node:http2";
import { parseArgs } from "node:util";
import { dubboNodeAdapter } from "@apachedubbo/dubbo-node";
import { GreetService } from "./gen/greet_dubbo.js";
import { greetImpl } from "./greet-impl.js";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    http: { type: "string", default: "2" },
    "no-grpc": { type: "boolean", default: false },
    "no-grpc-web": { type: "boolean", default: false },
    "no-triple": { type: "boolean", default: false },
    group: { type: "string" },
    version: { type: "string" },
  },
});

const event = (object) => process.stdout.write(JSON.stringify(object) + "\n");
const handler = dubboNodeAdapter({
  grpc: !values["no-grpc"],
  grpcWeb: !values["no-grpc-web"],
  triple: !values["no-triple"],
  // Group/version: matched against the TRI-Service-Group/-Version request headers (exactly; no fallback).
  routes: (router) =>
    router.service(GreetService, greetImpl(event), {
      ...(values.group !== undefined ? { serviceGroup: values.group } : {}),
      ...(values.version !== undefined ? { serviceVersion: values.version } : {}),
    }),
});
const server = values.http === "1.1" ? http.createServer(handler) : http2.createServer(handler);
const sessions = new Set();
server.on("session", (session) => {
  sessions.add(session);
  session.on("close", () => sessions.delete(session));
});
server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  process.stdout.write(`listening on ${address.address}:${address.port}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  for (const session of sessions) session.destroy();
  setTimeout(() => process.exit(0), 1000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
