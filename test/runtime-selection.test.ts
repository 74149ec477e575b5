// The runtime tree (tristub/…) carries only what the output uses: no RPC code for plain messages, no streaming
// code for unary-only services, no server for client-only output (and vice versa). Every variant must
// still type-check under the strict settings of the golden snapshots.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { createFileRegistry } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { compileProtos } from "../generator/compile.js";
import { generate } from "../generator/generate.js";
import type { ServiceTarget } from "../generator/emit/service.js";
import { repoRoot } from "./support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "tristub-selection-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, "unary.proto"),
  `syntax = "proto3";
package sel;
message Req { string a = 1; }
service OnlyUnary { rpc Get(Req) returns (Req); }
`,
);

async function runtimeFor(services: ServiceTarget): Promise<{ runtime: string; files: Map<string, string> }> {
  const compiled = await compileProtos({ files: ["unary.proto"], includePaths: [dir], cwd: dir });
  const files = generate({ registry: createFileRegistry(compiled.descriptorSet), filesToGenerate: compiled.filesToGenerate, options: { services } });
  const map = new Map(files.map((f) => [f.name, f.content]));
  const runtime = [...map].filter(([name]) => name === "tristub-runtime.ts" || name.startsWith("tristub/")).map(([, text]) => text);
  return { runtime: runtime.join("\n"), files: map };
}

const has = (text: string, name: string): boolean => new RegExp(`\\b(class|function|const|interface) ${name}\\b`).test(text);

describe("runtime selection", () => {
  it("a unary-only service gets no streaming code", async () => {
    const { runtime } = await runtimeFor("both");
    expect(has(runtime, "callUnary")).toBe(true);
    expect(has(runtime, "serveUnary")).toBe(true);
    for (const name of ["callServerStream", "callClientStream", "callBidiStream", "serveServerStream", "serveClientStream", "serveBidiStream"]) {
      expect(has(runtime, name), name).toBe(false);
    }
  });

  it("client-only output has no server, server-only output no client", async () => {
    const client = (await runtimeFor("client")).runtime;
    expect(has(client, "Http2ClientTransport")).toBe(true);
    expect(has(client, "TripleServer")).toBe(false);
    const server = (await runtimeFor("server")).runtime;
    expect(has(server, "TripleServer")).toBe(true);
    expect(has(server, "Http2ClientTransport")).toBe(false);
  });

  it("services: none leaves only the message codecs", async () => {
    const { runtime, files } = await runtimeFor("none");
    expect(has(runtime, "BinaryWriter")).toBe(true);
    expect(has(runtime, "TripleError")).toBe(false);
    expect(files.get("unary.ts")).not.toContain("OnlyUnary");
  });

  it.each(["both", "client", "server", "none"] as const)("the %s variant type-checks strictly", async (services) => {
    const out = join(dir, `out-${services}`);
    mkdirSync(out, { recursive: true });
    for (const [name, content] of (await runtimeFor(services)).files) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), content);
    }
    copyFileSync(join(repoRoot, "snapshots", "tsconfig.json"), join(out, "tsconfig.json"));
    writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
    const tsc = join(repoRoot, "node_modules", ".bin", "tsc");
    const result = await promisify(execFile)(tsc, ["-p", join(out, "tsconfig.json"), "--typeRoots", join(repoRoot, "node_modules", "@types")]).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    );
    expect(result.stdout).toBe("");
  });
});
