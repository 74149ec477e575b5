// Vitest setup file (see vitest.config.ts `setupFiles`): any unhandled promise rejection or uncaught
// exception while a test runs fails that test, instead of passing silently or failing the run without
// saying which test caused it. Problems that surface between tests fail the next one.
import { afterEach } from "vitest";

interface GuardState {
  readonly problems: string[];
}

const guardKey = Symbol.for("tristub.test.guard-unhandled");

function guardState(): GuardState {
  const holder = globalThis as unknown as Record<symbol, GuardState | undefined>;
  let state = holder[guardKey];
  if (state === undefined) {
    const created: GuardState = { problems: [] };
    state = created;
    holder[guardKey] = created;
    process.on("unhandledRejection", (reason) => {
      created.problems.push(`unhandled rejection: ${describe(reason)}`);
    });
    process.on("uncaughtException", (error) => {
      created.problems.push(`uncaught exception: ${describe(error)}`);
    });
  }
  return state;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const state = guardState();

afterEach(async () => {
  // A rejection is reported as unhandled only after the microtask queue drains: give late ones a
  // chance (two macrotask turns) to show up before judging the test.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 1));
  if (state.problems.length === 0) return;
  const problems = state.problems.splice(0);
  throw new Error(`the test left ${problems.length} unhandled error(s):\n${problems.join("\n---\n")}`);
});
