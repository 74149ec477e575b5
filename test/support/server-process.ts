// A GreetService server in a child process (test/support/server-child.ts), for tests that measure the
// server's own memory (RSS without the test runner's), signal it, or kill it.
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./fixtures.js";

/** What the server child reports of itself. */
export interface ServerMemory {
  readonly rss: number;
  readonly heap: number;
  /** Memory of Buffers and other objects outside the V8 heap that JavaScript holds. */
  readonly external: number;
  readonly connections: number;
  readonly sessions: number;
  readonly calls: number;
}

/** A running server child. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** RSS and heap of the server process after a full GC, in bytes, and its live connections, sessions and calls. */
  memory(): Promise<ServerMemory>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Kills it (SIGKILL) unless it already exited; resolves once it has. */
  kill(): Promise<void>;
}

/**
 * Forks the server child with `options` (ServerOptions plus `port` and `slowMs`, as JSON) and waits
 * until it listens. `env` is added to the child's environment (e.g. TRISTUB_SIGTERM_GRACE_MS).
 */
export async function startServerProcess(options: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = fork(join(repoRoot, "test", "support", "server-child.ts"), [JSON.stringify(options)], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server child did not start within 20 s")), 20_000);
    child.on("message", (message: { port?: number }) => {
      if (message.port === undefined) return;
      clearTimeout(timer);
      resolve(message.port);
    });
    void exited.then((code) => reject(new Error(`server child exited (${code}) before listening`)));
  });
  return {
    child,
    port,
    exited,
    memory: () =>
      new Promise((resolve) => {
        const onMessage = (message: Partial<ServerMemory>): void => {
          if (message.rss === undefined) return;
          child.off("message", onMessage);
          resolve(message as ServerMemory);
        };
        child.on("message", onMessage);
        child.send({ rss: true });
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Bytes as MB with one decimal, for the figures the attack tests print. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
