// In-process before/after comparison of two generated tristub trees, for a shared (noisy) machine:
//
//   npx tsx bench/rpc/ab-inprocess.ts --a <gen dir> --b <gen dir> [--scenario bidi|unary|stream] [--bursts 30] [--burst-ms 250]
//
// Loads both trees into one process, serves GreetService from each on its own loopback port, and
// alternates short bursts of the scenario on A and on B (client and server of the same tree), measuring
// process CPU time per operation for each burst. Load from other processes hits A and B alike, so the
// median of per-pair ratios B÷A is stable where separate runs drift. Reported, never checked.
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface Tree {
  client: { greet(r: { name: string }): Promise<unknown>; greetStream(): { send(m: { name: string }): Promise<void>; recv(): Promise<unknown>; closeRequest(): void }; greetServerStream(r: { name: string }): AsyncIterable<unknown>; close?(): Promise<void> };
  server: { close(): Promise<void> };
}

function arg(name: string, dflt?: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`ab-inprocess: ${name} is required`);
  return v;
}

async function load(dir: string): Promise<Tree> {
  const ext = existsSync(join(dir, "greet.ts")) ? ".ts" : ".js";
  const greet = await import(pathToFileURL(join(dir, "greet" + ext)).href);
  const runtime = await import(pathToFileURL(join(dir, "tristub-runtime" + ext)).href);
  const server = runtime.createTripleServer();
  greet.registerGreetService(server, {
    greet: (request: { name: string }) => ({ greeting: request.name }),
    async greetServerStream(request: { name: string }, stream: { send(m: object): Promise<void> }) {
      for (let i = 0, n = Number(request.name); i < n; i++) await stream.send({ greeting: "triple" });
    },
    async greetClientStream() {
      return { greeting: "" };
    },
    async greetStream(stream: AsyncIterable<{ name: string }> & { send(m: object): Promise<void> }) {
      for await (const request of stream) await stream.send({ greeting: request.name });
    },
  });
  const { port } = (await server.listen({ host: "127.0.0.1", port: 0 })) as { port: number };
  return { client: greet.createGreetServiceClient({ baseUrl: `http://127.0.0.1:${port}` }), server };
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function burst(tree: Tree, scenario: string, ms: number): Promise<number> {
  const cpu0 = cpuNow();
  const end = performance.now() + ms;
  let ops = 0;
  if (scenario === "bidi") {
    const call = tree.client.greetStream();
    while (performance.now() < end) {
      await call.send({ name: "triple" });
      await call.recv();
      ops++;
    }
    call.closeRequest();
    await call.recv().catch(() => undefined);
  } else if (scenario === "unary") {
    while (performance.now() < end) {
      await Promise.all(Array.from({ length: 16 }, () => tree.client.greet({ name: "triple" })));
      ops += 16;
    }
  } else {
    while (performance.now() < end) {
      for await (const _ of tree.client.greetServerStream({ name: "2000" })) ops++;
    }
  }
  return (cpuNow() - cpu0) / ops;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const a = await load(resolve(arg("--a")));
const b = await load(resolve(arg("--b")));
const scenario = arg("--scenario", "bidi");
const bursts = Number(arg("--bursts", "30"));
const ms = Number(arg("--burst-ms", "250"));
for (let i = 0; i < 4; i++) {
  await burst(a, scenario, ms);
  await burst(b, scenario, ms);
}
const ra: number[] = [];
const rb: number[] = [];
for (let i = 0; i < bursts; i++) {
  if (i % 2 === 0) {
    ra.push(await burst(a, scenario, ms));
    rb.push(await burst(b, scenario, ms));
  } else {
    rb.push(await burst(b, scenario, ms));
    ra.push(await burst(a, scenario, ms));
  }
}
const ratios = ra.map((x, i) => rb[i]! / x);
console.log(`scenario ${scenario}: CPU µs per op (client + server, one process), ${bursts} burst pairs of ${ms} ms`);
console.log(`A median ${median(ra).toFixed(2)}  B median ${median(rb).toFixed(2)}  B÷A median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
await a.client.close?.();
await b.client.close?.();
await a.server.close();
await b.server.close();
