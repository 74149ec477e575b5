// The tristub interop client: runs one of grpc's interop test cases against a TestService server.
//   npm run -s interop:client -- --server_host=127.0.0.1 --server_port=10000 --test_case=large_unary
// Exits 0 when the case passes, 1 with the reason on stderr when it fails, 2 on bad flags.
// Plaintext only: `--use_tls` is accepted for grpc's command lines but only as false.
import { parseArgs } from "node:util";
import { runTestCase, testCaseNames } from "./cases.js";

let values;
try {
  ({ values } = parseArgs({
    options: {
      server_host: { type: "string", default: "localhost" },
      server_port: { type: "string", default: "10000" },
      test_case: { type: "string", default: "large_unary" },
      use_tls: { type: "string", default: "false" },
      // Timeout for the whole case; grpc's clients have none, the runner bounds them anyway.
      timeout_ms: { type: "string", default: "30000" },
    },
  }));
} catch (error) {
  process.stderr.write(`interop client: ${(error as Error).message}\n`);
  process.exit(2);
}
if (values.use_tls !== "false") {
  process.stderr.write("interop client: --use_tls is not supported (plaintext only)\n");
  process.exit(2);
}
if (!testCaseNames.includes(values.test_case)) {
  process.stderr.write(`interop client: unsupported test case ${JSON.stringify(values.test_case)}; supported: ${testCaseNames.join(", ")}\n`);
  process.exit(2);
}
const host = values.server_host.includes(":") ? `[${values.server_host}]` : values.server_host;
const baseUrl = `http://${host}:${values.server_port}`;
const timeoutMs = Number(values.timeout_ms);
const timer = setTimeout(() => {
  process.stderr.write(`${values.test_case}: FAILED: did not finish within ${timeoutMs} ms\n`);
  process.exit(1);
}, timeoutMs);
try {
  await runTestCase(values.test_case, baseUrl);
  process.stdout.write(`${values.test_case}: done\n`);
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(`${values.test_case}: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
}
