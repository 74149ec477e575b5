// dubbo-js 3.0.0-alpha clients → our generated server, on the protocols our server gained with the
// Connect/gRPC-Web work: createDubboTransport's *streaming* (dubbo-js "Triple" streams are Connect
// streaming: application/connect+proto|json envelopes with an end-stream message) and
// createGrpcWebTransport (application/grpc-web+proto|json, trailers in the body), over HTTP/1.1 and
// HTTP/2, binary and JSON. Every call kind the protocol allows on the HTTP version: bidi needs HTTP/2
// (over HTTP/1.1 our server answers 505 unimplemented, as connect-go does). The checks run in
// test/dubbo-js/client.js (its own npm tree, see test/dubbo-js/README.md).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Code } from "../../examples/streaming/gen/tristub-runtime.js";
import { repoRoot } from "../support/fixtures.js";
import { startOurServer } from "./support.js";

const dubboDir = join(repoRoot, "test", "dubbo-js");

interface CheckResult {
  check: string;
  ok: boolean;
  greetings?: string[];
  error?: { code: number; message: string };
  header?: Record<string, string>;
  trailer?: Record<string, string>;
}

function runDubboClient(args: readonly string[]): Promise<{ code: number | null; results: Map<string, CheckResult>; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dubboDir, "client.js"), ...args], { cwd: dubboDir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      const results = new Map<string, CheckResult>();
      for (const line of stdout.split("\n")) {
        if (line.trim() === "") continue;
        const result = JSON.parse(line) as CheckResult;
        results.set(result.check, result);
      }
      resolve({ code, results, stderr });
    });
  });
}

const variants = (["triple", "grpc-web"] as const).flatMap((protocol) =>
  (["1.1", "2"] as const).flatMap((http) => (["binary", "json"] as const).map((format) => ({ protocol, http, format }))),
);

describe.each(variants)("dubbo-js $protocol client (HTTP/$http, $format) → our server", ({ protocol, http, format }) => {
  let started: Awaited<ReturnType<typeof startOurServer>>;

  beforeEach(async () => {
    // No group/version: dubbo-js sends TRI-Service-Group/-Version on Triple unary calls only (not on its
    // streams, nor on any gRPC-Web call), so a grouped registration would be unreachable here.
    started = await startOurServer({});
  });

  afterEach(async () => {
    await started.server.close({ graceMs: 100 });
  });

  const run = (checks: string, extra: readonly string[] = []) =>
    runDubboClient([
      "--target",
      `127.0.0.1:${started.port}`,
      "--protocol",
      protocol,
      "--http",
      http,
      "--format",
      format,
      "--checks",
      checks,
      ...extra,
    ]);

  it("every call kind the protocol allows on this HTTP version", async () => {
    const checks = http === "2" ? "unary,client,server,bidi" : "unary,client,server";
    const { code, results, stderr } = await run(checks);
    expect(stderr).toBe("");
    expect(results.get("unary")).toMatchObject({ ok: true, greetings: ["triple"] });
    expect(results.get("client")).toMatchObject({ ok: true, greetings: ["triple,triple,triple,triple,triple"] });
    expect(results.get("server")).toMatchObject({ ok: true, greetings: Array<string>(5).fill("triple") });
    if (http === "2") expect(results.get("bidi")).toMatchObject({ ok: true, greetings: ["a", "b", "c"] });
    expect(code).toBe(0);
  });

  it("metadata, errors with details, deadline, cancellation, gzip", async () => {
    const { results } = await run("metadata,error,deadline,cancel", ["--compression", "gzip"]);
    expect(results.get("metadata")).toMatchObject({ ok: true });
    expect(results.get("error")).toMatchObject({ ok: true, error: { code: Code.INVALID_ARGUMENT } });
    expect(results.get("deadline")).toMatchObject({ ok: true, error: { code: Code.DEADLINE_EXCEEDED } });
    expect(results.get("cancel")).toMatchObject({ ok: true, error: { code: Code.CANCELLED } });
  });

  if (http === "1.1") {
    it("bidi over HTTP/1.1 is a clear error, not a hang", async () => {
      const { results } = await run("bidi");
      const bidi = results.get("bidi");
      expect(bidi?.ok).toBe(false);
      expect(bidi?.error?.code).toBeDefined();
    });
  }
});
