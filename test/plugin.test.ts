// protoc-gen-tristub driven by real `buf generate` and `protoc` processes must write exactly what the CLI
// writes for the same protos.
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, type TestContext } from "vitest";
import { fixturesDir } from "./support/fixtures.js";
import { bufBin, describeDiff, diffTrees, findOnPath, pluginBin, readTree, run, runTristub, shellQuote, useTempDir } from "./support/process.js";

const servicesDir = join(fixturesDir, "services");
const protos = ["greet.proto", "health.proto"];
const protoc = findOnPath("protoc");
const noProtoc = "protoc not installed: apt-get install protobuf-compiler";

/** A temp copy of the services fixture, with the CLI's output for it in `gen-cli/`. */
async function workspaceWithCliOutput(context: TestContext): Promise<{ dir: string; cli: Map<string, string> }> {
  const dir = useTempDir(context);
  cpSync(servicesDir, dir, { recursive: true });
  const result = await runTristub(["generate", ...protos, "-I", ".", "--out", "gen-cli"], dir);
  expect(result, result.stderr).toMatchObject({ code: 0, stderr: "" });
  const cli = readTree(join(dir, "gen-cli"));
  // The CLI's record of what it wrote; the plugin leaves bookkeeping to buf / protoc.
  expect(cli.delete(".tristub-manifest")).toBe(true);
  expect(cli.size).toBeGreaterThan(0);
  return { dir, cli };
}

/** A buf.gen.yaml (v2) running the plugin as a local `node` command, optionally with a parameter. */
function writeBufGenYaml(dir: string, opt?: string): void {
  const lines = [
    "version: v2",
    "plugins:",
    `  - local: [${JSON.stringify(process.execPath)}, ${JSON.stringify(pluginBin)}]`,
    "    out: gen-plugin",
    ...(opt === undefined ? [] : [`    opt: ${JSON.stringify(opt)}`]),
    "inputs:",
    "  - directory: .",
  ];
  writeFileSync(join(dir, "buf.gen.yaml"), `${lines.join("\n")}\n`);
}

/** protoc wants an executable without arguments: a shell script that execs node on the plugin. */
function writeProtocWrapper(dir: string): string {
  const path = join(dir, "protoc-gen-tristub");
  writeFileSync(path, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(pluginBin)} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

function expectSameTree(actual: ReadonlyMap<string, string>, expected: ReadonlyMap<string, string>): void {
  const summary = describeDiff(diffTrees(actual, expected));
  expect(summary, `plugin output differs from the CLI's:\n${summary}`).toBe("");
}

describe("buf generate with protoc-gen-tristub", () => {
  test("writes the same files, byte for byte, as tristub generate", async (context) => {
    const { dir, cli } = await workspaceWithCliOutput(context);
    writeBufGenYaml(dir);
    const result = await run(bufBin, ["generate"], dir);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expectSameTree(readTree(join(dir, "gen-plugin")), cli);
  });

  test("a plugin parameter is rejected with a clear error and a non-zero exit", async (context) => {
    const dir = useTempDir(context);
    cpSync(servicesDir, dir, { recursive: true });
    writeBufGenYaml(dir, "bogus");
    const result = await run(bufBin, ["generate"], dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown plugin option "bogus"');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dir, "gen-plugin"))).toBe(false);
  });
});

describe("protoc with protoc-gen-tristub", () => {
  test(`writes the same files, byte for byte, as tristub generate${protoc ? "" : ` (skipped: ${noProtoc})`}`, async (context) => {
    if (protoc === undefined) context.skip(noProtoc);
    const { dir, cli } = await workspaceWithCliOutput(context);
    const wrapper = writeProtocWrapper(useTempDir(context));
    const out = join(dir, "gen-protoc");
    mkdirSync(out);
    const result = await run(protoc as string, [`--plugin=protoc-gen-tristub=${wrapper}`, `--tristub_out=${out}`, "-I", ".", ...protos], dir);
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: "" });
    expectSameTree(readTree(out), cli);
  });

  test(`a plugin parameter is rejected with a clear error${protoc ? "" : ` (skipped: ${noProtoc})`}`, async (context) => {
    if (protoc === undefined) context.skip(noProtoc);
    const dir = useTempDir(context);
    cpSync(servicesDir, dir, { recursive: true });
    const wrapper = writeProtocWrapper(useTempDir(context));
    mkdirSync(join(dir, "gen-protoc"));
    const args = [`--plugin=protoc-gen-tristub=${wrapper}`, "--tristub_out=gen-protoc", "--tristub_opt=bogus", "-I", ".", ...protos];
    const result = await run(protoc as string, args, dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown plugin option "bogus"');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(readTree(join(dir, "gen-protoc")).size).toBe(0);
  });
});
