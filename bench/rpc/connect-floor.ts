// The raw node:http2 floor of the Connect unary benchmark (bench/rpc-connect.ts): answers every POST
// with the Connect unary response the tristub server sends for the same request (200,
// application/proto, the bare GreetResponse echoing the request's bytes), with no RPC machinery at all.
// Prints `listening <port>`; exits when stdin closes.
import { once } from "node:events";
import { createServer, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";

const server = createServer({ settings: { maxConcurrentStreams: 4096, initialWindowSize: 1 << 20 } });
server.on("stream", (stream: ServerHttp2Stream) => {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("end", () => {
    // GreetRequest and GreetResponse both hold one string in field 1: the bytes are the same.
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    stream.respond({ ":status": 200, "content-type": "application/proto", "accept-encoding": "gzip", "content-length": body.length });
    stream.end(body);
  });
  stream.on("error", () => undefined);
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
process.stdin.on("end", () => {
  setTimeout(() => process.exit(0), 1000).unref();
  server.close(() => process.exit(0));
});
process.stdin.resume();
