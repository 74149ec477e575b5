// `buf curl` (the bundled node_modules/.bin/buf, connect-go inside) against the tristub server with
// --schema (the greet.proto source): --protocol connect, grpcweb and grpc, every call kind the
// protocol allows, over HTTP/1.1 and HTTP/2 prior knowledge (gRPC: HTTP/2 only; bidi: HTTP/2 only).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useE2E, type E2EServer } from "../support/e2e.js";
import { repoRoot } from "../support/fixtures.js";

const e2e = useE2E();
const buf = join(repoRoot, "node_modules", ".bin", "buf");
const schema = join(repoRoot, "test", "fixtures", "services", "greet.proto");

/** Runs buf curl; resolves with its exit code, stdout and stderr (never rejects on a failed call). */
function bufCurl(server: E2EServer, args: readonly string[], method: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(buf, ["curl", "--schema", schema, ...args, `${server.baseUrl}/greet.GreetService/${method}`], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

/** The JSON messages buf curl printed (one pretty-printed object after another). */
function messages(stdout: string): unknown[] {
  return stdout.trim() === "" ? [] : JSON.parse(`[${stdout.trim().replace(/}\s*{/g, "},{")}]`);
}

const cells = (["connect", "grpcweb", "grpc"] as const).flatMap((protocol) =>
  (protocol === "grpc" ? (["2"] as const) : (["1.1", "2"] as const)).map((http) => ({ protocol, http })),
);

describe.each(cells)("buf curl --protocol $protocol over HTTP/$http → tristub server", ({ protocol, http }) => {
  const flags = ["--protocol", protocol, ...(http === "2" ? ["--http2-prior-knowledge"] : [])];

  it("unary, server streaming, client streaming" + (http === "2" ? ", bidi" : ""), async () => {
    const server = await e2e.start();
    const unary = await bufCurl(server, [...flags, "-d", '{"name":"u"}'], "Greet");
    expect(unary.stderr).toBe("");
    expect(messages(unary.stdout)).toEqual([{ greeting: "u" }]);
    const serverStream = await bufCurl(server, [...flags, "-d", '{"name":"s"}'], "GreetServerStream");
    expect(messages(serverStream.stdout)).toEqual([0, 1, 2, 3, 4].map((i) => ({ greeting: `s-${i}` })));
    const clientStream = await bufCurl(server, [...flags, "-d", "@-"], "GreetClientStream", '{"name":"a"}\n{"name":"b"}\n');
    expect(messages(clientStream.stdout)).toEqual([{ greeting: "a,b" }]);
    if (http === "2") {
      const bidi = await bufCurl(server, [...flags, "-d", "@-"], "GreetStream", '{"name":"x"}\n{"name":"y"}\n');
      expect(messages(bidi.stdout)).toEqual([{ greeting: "x" }, { greeting: "y" }]);
    }
  });

  it("a handler error reaches buf curl with its code and message", async () => {
    const server = await e2e.start({
      handler: {
        greet: () => {
          throw new Error("boom"); // not a TripleError: UNKNOWN "internal error", its message withheld
        },
      },
      options: { onError: () => undefined },
    });
    const result = await bufCurl(server, [...flags, "-d", '{"name":"u"}'], "Greet");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown");
    expect(result.stderr).toContain("internal error");
    expect(result.stderr).not.toContain("boom");
  });
});
