// Runs the seed's client against a GreetService server:
//   tsx examples/streaming/client.ts [--target 127.0.0.1:20000] [--tls]
//   tsx examples/streaming/client.ts --protocol triple [--json] [--http1]   (Triple-unary: unary call only)
// Exits 1 if any call fails or any reply differs from the seed's expected output.
import { parseArgs } from "node:util";
import { createGreetServiceClient } from "./gen/greet.js";
import { testClient } from "./greet-client.js";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "127.0.0.1:20000" },
    tls: { type: "boolean", default: false },
    protocol: { type: "string", default: "grpc" },
    json: { type: "boolean", default: false },
    http1: { type: "boolean", default: false },
  },
});
if (values.protocol !== "grpc" && values.protocol !== "triple") {
  process.stderr.write(`unknown --protocol ${values.protocol}: use grpc or triple\n`);
  process.exit(2);
}
const triple = values.protocol === "triple";
const client = createGreetServiceClient({
  baseUrl: `${values.tls ? "https" : "http"}://${values.target}`,
  protocol: values.protocol,
  codec: values.json ? "json" : "proto",
  httpVersion: values.http1 ? "1.1" : "2",
});
const ok = await testClient(
  client,
  { info: (line) => process.stdout.write(line + "\n"), fail: (line) => process.stderr.write(line + "\n") },
  triple,
);
await client.close();
process.exitCode = ok ? 0 : 1;
