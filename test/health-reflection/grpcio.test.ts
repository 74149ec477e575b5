// grpc.health.v1 against Python's grpcio (gRPC C-core, Debian's python3-grpcio, installed by
// .ci/setup.sh): Check, NOT_FOUND, List, and a Watch that sees SERVICE_UNKNOWN, a change, and
// NOT_SERVING when the server closes, then the end of the stream (UNAVAILABLE).
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { expect, test } from "vitest";
import { registerGreetService } from "../../examples/streaming/gen/greet.js";
import { HealthCheckResponse_ServingStatus as Status, HealthListResponse } from "../../examples/streaming/gen/grpc/health/v1/health.js";
import { serveHealth } from "../../examples/streaming/gen/tristub-health.js";
import { createTripleServer } from "../../examples/streaming/gen/tristub-runtime.js";
import { greetTripleServer } from "../../examples/streaming/greet-handler.js";
import { useE2E } from "../support/e2e.js";

const e2e = useE2E();
// Debian's interpreter: python3-grpcio is installed for it (a pyenv python3 first on PATH has no grpc).
const python = "/usr/bin/python3";
const script = join(import.meta.dirname, "peers", "grpcio_health.py");
const grpcioMissing = spawnSync(python, ["-c", "import grpc"]).status !== 0;
if (grpcioMissing) process.stderr.write("python3-grpcio not installed (.ci/setup.sh installs it): the grpcio health test is skipped\n");

test.skipIf(grpcioMissing)("grpcio client: Check, NOT_FOUND, List, Watch through a change and the server's close", async () => {
  const server = createTripleServer();
  registerGreetService(server, greetTripleServer);
  const health = serveHealth(server);
  health.setStatus("other.Service", "NOT_SERVING");
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  e2e.defer(() => server.close({ graceMs: 1_000 }));

  const child = spawn(python, [script, `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  e2e.defer(() => child.exitCode === null && child.kill("SIGKILL"));
  const lines: Record<string, unknown>[] = [];
  let closing: Promise<void> | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as Record<string, unknown>;
    lines.push(event);
    if (event["watch"] === Status.SERVICE_UNKNOWN) health.setStatus("greet.GreetService", "SERVING");
    if (event["watch"] === Status.SERVING) closing = server.close({ graceMs: 3_000 });
  }
  expect(await exited, stderr).toBe(0);
  await closing;
  const [check, notFound, list, ...watch] = lines;
  expect(check).toEqual({ check: "", status: Status.SERVING });
  expect(notFound).toEqual({ check: "nope.Service", code: "NOT_FOUND", message: "unknown service" });
  const statuses = HealthListResponse.decode(Buffer.from(String(list?.["list_hex"]), "hex")).statuses;
  expect(Object.fromEntries(Object.entries(statuses).map(([name, value]) => [name, value.status]))).toEqual({
    "": Status.SERVING,
    "other.Service": Status.NOT_SERVING,
  });
  expect(watch).toEqual([
    { watch: Status.SERVICE_UNKNOWN },
    { watch: Status.SERVING },
    { watch: Status.NOT_SERVING },
    { end: "UNAVAILABLE", message: "server is shutting down" },
  ]);
});
