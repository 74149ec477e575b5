// Modules that import the output's type registry (google/protobuf/any, and every module with extension
// ranges) close an import cycle: the registry imports every message module, including service modules
// whose method tables name this module's codecs. Whatever module an application imports first, loading
// must not touch a codec before its module ran — each order runs in a fresh process.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { repoRoot } from "./support/fixtures.js";
import { runTristub, useTempDir } from "./support/process.js";

const protos: Record<string, string> = {
  "ext/req.proto": `syntax = "proto2";
package cyc;
import "google/protobuf/any.proto";
message Req { optional string name = 1; optional google.protobuf.Any detail = 2; extensions 100 to 200; }
extend Req { optional int32 weight = 100; }
`,
  "svc/svc.proto": `syntax = "proto3";
package cyc.svc;
import "ext/req.proto";
message Reply { string text = 1; }
service Echo { rpc Call(cyc.Req) returns (Reply); }
`,
};

function runTsx(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(join(repoRoot, "node_modules", ".bin", "tsx"), [file], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describe("import cycles through the type registry", () => {
  it.each([
    ["the message module with extension ranges", ["ext/req.ts", "svc/svc.ts"]],
    ["the service module", ["svc/svc.ts", "ext/req.ts"]],
    ["google/protobuf/any", ["google/protobuf/any.ts", "svc/svc.ts", "ext/req.ts"]],
    ["the registry", ["tristub-registry.ts", "svc/svc.ts", "ext/req.ts"]],
  ])("loads when %s is imported first, and the method table names the codecs", async (_label, order) => {
    const dir = useTempDir({ onTestFinished });
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    for (const [path, text] of Object.entries(protos)) {
      const file = join(dir, "protos", path);
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, text);
    }
    const gen = await runTristub(["generate", "ext/req.proto", "svc/svc.proto", "-I", join(dir, "protos"), "--out", join(dir, "gen")], dir);
    expect(gen, gen.stderr).toMatchObject({ code: 0 });
    const imports = order.map((path, i) => `const m${i} = await import(${JSON.stringify(pathToFileURL(join(dir, "gen", path)).href)});`).join("\n");
    const main = join(dir, "main.ts");
    writeFileSync(
      main,
      `${imports}
const { Req } = await import(${JSON.stringify(pathToFileURL(join(dir, "gen", "ext", "req.ts")).href)});
const { Echo, Reply } = await import(${JSON.stringify(pathToFileURL(join(dir, "gen", "svc", "svc.ts")).href)});
const method = Echo.methods.call;
console.log(JSON.stringify([method.input === Req, method.output === Reply, typeof m0, Req.toJsonString(Req.fromJsonString('{"name":"n","[cyc.weight]":7}'))]));
`,
    );
    expect(JSON.parse(await runTsx(main))).toEqual([true, true, "object", '{"name":"n","[cyc.weight]":7}']);
  });
});
