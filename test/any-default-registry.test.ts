// google.protobuf.Any without a `registry` option: the output's own tristub-registry.ts is the default
// (google/protobuf/any.ts imports it, so it is loaded whenever an Any can occur), while an explicit
// `registry` option still wins. The first test runs in a fresh process that never imports the registry
// module itself, so nothing else in the test run can have set the default.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { repoRoot } from "./support/fixtures.js";

const wkt = pathToFileURL(join(repoRoot, "snapshots", "wkt", "wkt.js")).href;
const timestamp = pathToFileURL(join(repoRoot, "snapshots", "wkt", "google", "protobuf", "timestamp.js")).href;
const runtime = pathToFileURL(join(repoRoot, "snapshots", "wkt", "tristub-runtime.js")).href;

function runTsx(source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tristub-any-"));
  const file = join(dir, "main.ts");
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    execFile(join(repoRoot, "node_modules", ".bin", "tsx"), [file], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test("toJson/fromJson resolve Any through the output's registry when no registry option is given", async () => {
  const out = await runTsx(`
    import { WellKnownTypes } from ${JSON.stringify(wkt)};
    import { Timestamp } from ${JSON.stringify(timestamp)};
    import { createTypeRegistry } from ${JSON.stringify(runtime)};
    const any = { typeUrl: "type.googleapis.com/google.protobuf.Timestamp", value: Timestamp.encode({ seconds: 1n, nanos: 0 }) };
    const message = WellKnownTypes.create({ any });
    const json = WellKnownTypes.toJson(message);
    const back = WellKnownTypes.fromJson(json);
    let overridden = "no error";
    try {
      WellKnownTypes.toJson(message, { registry: createTypeRegistry([]) });
    } catch (error) {
      overridden = (error as Error).message;
    }
    console.log(JSON.stringify({ json, backUrl: back.any?.typeUrl, backValue: Array.from(back.any?.value ?? []), overridden }));
  `);
  const result = JSON.parse(out) as { json: { any: unknown }; backUrl: string; backValue: number[]; overridden: string };
  expect(result.json.any).toEqual({ "@type": "type.googleapis.com/google.protobuf.Timestamp", value: "1970-01-01T00:00:01Z" });
  expect(result.backUrl).toBe("type.googleapis.com/google.protobuf.Timestamp");
  expect(result.backValue).toEqual([8, 1]);
  expect(result.overridden).toMatch(/not in the type registry/);
}, 60_000);

test("getDefaultTypeRegistry returns the output's registry once any.ts is loaded; setDefaultTypeRegistry replaces it", async () => {
  const rt = (await import(runtime)) as {
    getDefaultTypeRegistry(): { getMessage(name: string): { typeName: string } | undefined } | undefined;
    setDefaultTypeRegistry(registry: unknown): void;
    createTypeRegistry(codecs: unknown[]): unknown;
  };
  await import(pathToFileURL(join(repoRoot, "snapshots", "wkt", "google", "protobuf", "any.js")).href);
  const registry = rt.getDefaultTypeRegistry();
  expect(registry?.getMessage("fixtures.wkt.WellKnownTypes")?.typeName).toBe("fixtures.wkt.WellKnownTypes");
  expect(registry?.getMessage("no.such.Type")).toBeUndefined();
  const own = (await import(pathToFileURL(join(repoRoot, "snapshots", "wkt", "tristub-registry.js")).href)) as { typeRegistry: unknown };
  expect(registry).toBe(own.typeRegistry);
  try {
    rt.setDefaultTypeRegistry(rt.createTypeRegistry([]));
    expect(rt.getDefaultTypeRegistry()?.getMessage("fixtures.wkt.WellKnownTypes")).toBeUndefined();
  } finally {
    rt.setDefaultTypeRegistry(own.typeRegistry);
  }
});
