// Runs the seed's client against a GreetService server:
//   tsx examples/streaming/client.ts [--target 127.0.0.1:20000]
// Exits 1 if any call fails or any reply differs from the seed's expected output.
import { parseArgs } from "node:util";
import { createGreetServiceClient } from "./gen/greet.js";
import { testClient } from "./greet-client.js";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "127.0.0.1:20000" },
    tls: { type: "boolean", default: false },
  },
});
const client = createGreetServiceClient({ baseUrl: `${values.tls ? "https" : "http"}://${values.target}` });
const ok = await testClient(client, {
  info: (line) => process.stdout.write(line + "\n"),
  fail: (line) => process.stderr.write(line + "\n"),
});
await client.close();
process.exitCode = ok ? 0 : 1;
