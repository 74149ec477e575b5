// The seed's TestClient: calls each GreetService method once, like the Go sample, and checks replies.
import type { GreetServiceClient } from "./gen/greet.js";
import { isEnded } from "./gen/tristub-runtime.js";

/** Lines the client prints; `fail` marks a reply that differs from the seed's expected output. */
export interface ClientLog {
  info(line: string): void;
  fail(line: string): void;
}

/**
 * Runs unary, bidi, client-stream and server-stream calls in the seed's order and prints the seed's
 * lines. Resolves to true when every reply matched the expected greeting.
 */
export async function testClient(client: GreetServiceClient, log: ClientLog, unaryOnly = false): Promise<boolean> {
  let ok = true;
  const expect = (label: string, actual: string, expected: string): void => {
    log.info(`${label}: [${actual}]`);
    if (actual !== expected) {
      ok = false;
      log.fail(`${label}: expected [${expected}]`);
    }
  };
  const step = async (name: string, run: () => Promise<void>): Promise<void> => {
    log.info(`[start to test TRIPLE ${name}]`);
    try {
      await run();
    } catch (error) {
      ok = false;
      log.fail(`TRIPLE ${name} failed: ${String(error)}`);
    }
  };
  await step("unary call", async () => {
    const response = await client.greet({ name: "triple" });
    expect("TRIPLE unary call resp", response.greeting, "triple");
  });
  if (unaryOnly) return ok;
  await step("bidi stream", async () => {
    const stream = client.greetStream();
    await stream.send({ name: "triple" });
    const response = await stream.recv();
    expect("TRIPLE bidi stream resp", response.greeting, "triple");
    stream.closeRequest();
    try {
      await stream.recv();
      throw new Error("bidi stream sent more than one response");
    } catch (error) {
      if (!isEnded(error)) throw error;
    }
    stream.closeResponse();
  });
  await step("client stream", async () => {
    const stream = client.greetClientStream();
    for (let i = 0; i < 5; i++) await stream.send({ name: "triple" });
    const response = await stream.closeAndRecv();
    expect("TRIPLE client stream resp", response.greeting, "triple,triple,triple,triple,triple");
  });
  await step("server stream", async () => {
    let count = 0;
    for await (const response of client.greetServerStream({ name: "triple" })) {
      expect("TRIPLE server stream resp", response.greeting, "triple");
      count++;
    }
    if (count !== 5) {
      ok = false;
      log.fail(`TRIPLE server stream: expected 5 responses, got ${count}`);
    }
  });
  return ok;
}
