// Client faults, in a client process of its own: the server is killed while the client holds streams
// open (they fail with UNAVAILABLE), calls fail fast while nobody listens and reconnect once the server
// is back on its port, and after its last call the client process — which never calls close() — exits
// by itself: no timer or socket of the runtime keeps a finished Node process alive.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useE2E, withTimeout } from "../support/e2e.js";
import { repoRoot } from "../support/fixtures.js";
import { startServerProcess } from "../support/server-process.js";

const e2e = useE2E();

describe("client faults", () => {
  it("server killed mid-stream: UNAVAILABLE, reconnection on a later call, and the client process exits by itself", async () => {
    let server = await startServerProcess();
    e2e.defer(() => server.kill());
    const port = server.port;
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test", "support", "client-child.ts"), String(port)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    e2e.defer(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    let output = "";
    const waiters: { text: string; resolve: () => void }[] = [];
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const waiter of waiters) if (output.includes(waiter.text)) waiter.resolve();
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    const seen = (text: string): Promise<void> =>
      withTimeout(new Promise<void>((resolve) => (output.includes(text) ? resolve() : waiters.push({ text, resolve }))), 20_000, `client output "${text}" (so far: ${output})`);
    const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));

    await seen("holding");
    await server.kill();
    await seen("dropped");
    server = await startServerProcess({ port });
    await seen("done");
    const doneAt = Date.now();
    const code = await withTimeout(exited, 5_000, `client process exit after its last call (output: ${output})`);
    const exitMs = Date.now() - doneAt;
    process.stdout.write(`client-exit: ${output.trim().split("\n").join(" | ")} | exited ${exitMs} ms after its last call\n`);
    expect(code).toBe(0);
    expect(output).toContain("warm 5");
    expect(output).toContain("dropped 14,14"); // UNAVAILABLE for the bidi and the client stream
    expect(output).toMatch(/reconnected after \d+ failed calls/);
    expect(output).toContain("deadline 4"); // DEADLINE_EXCEEDED
    expect(exitMs).toBeLessThan(2_000);
  });
});
