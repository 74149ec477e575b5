// A client in its own process for test/robustness/client-exit.test.ts: runs calls of every kind against
// 127.0.0.1:PORT (argv[2]), holds two streams open until the test kills the server, reports how they
// ended, retries until the restarted server answers, runs a deadline and a cancellation, prints "done"
// and returns without closing anything: the process must then exit by itself (nothing keeps it alive).
import { createGreetServiceClient } from "../../snapshots/services/greet.js";
import { TripleError } from "../../snapshots/services/tristub-runtime.js";

const port = Number(process.argv[2]);
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const codeOf = (error: unknown): string => (error instanceof TripleError ? String(error.code) : `not a TripleError: ${String(error)}`);
const client = createGreetServiceClient({ baseUrl: `http://127.0.0.1:${port}` });

await client.greet({ name: "a" });
const replies: string[] = [];
for await (const reply of client.greetServerStream({ name: "s" })) replies.push(reply.greeting);
const upload = client.greetClientStream();
await upload.send({ name: "x" });
await upload.send({ name: "y" });
await upload.closeAndRecv();
const bidi = client.greetStream();
await bidi.send({ name: "b" });
await bidi.recv();
bidi.closeRequest();
for await (const _ of bidi) say("unexpected reply");
say(`warm ${replies.length}`);

// Held open while the server is killed.
const held = client.greetStream();
await held.send({ name: "held" });
await held.recv();
const heldUpload = client.greetClientStream();
await heldUpload.send({ name: "held" });
say("holding");
const dropped = await Promise.all([
  held.recv().then(() => "no error", codeOf),
  // Not half-closed: the call can only end by the server going away.
  heldUpload.trailers
    .catch(() => undefined)
    .then(() => heldUpload.closeAndRecv())
    .then(() => "no error", codeOf),
]);
say(`dropped ${dropped.join(",")}`);

// The next calls fail fast while nobody listens, then reconnect once the server is back.
let failures = 0;
const started = Date.now();
for (;;) {
  try {
    await client.greet({ name: "again" }, { timeoutMs: 1_000 });
    break;
  } catch (error) {
    failures++;
    if (Date.now() - started > 15_000) throw error;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
say(`reconnected after ${failures} failed calls`);

const late = await client.greetServerStream({ name: "slow" }, { timeoutMs: 1 }).recv().then(() => "no error", codeOf);
const cancelled = client.greetStream();
await cancelled.send({ name: "c" });
cancelled.closeResponse();
say(`deadline ${late}`);
say("done");
