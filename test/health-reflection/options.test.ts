// The `health` and `reflection` generator options: off by default (outputs without them carry none of
// it), the same through CLI flags, a configuration file and plugin parameters, deterministic, limited
// to outputs with server code; the bundled descriptor set is what `npm run protos` writes today.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, test } from "vitest";
import { bundledProtosPath } from "../../generator/bundled-protos.js";
import { compileProtos } from "../../generator/compile.js";
import { generate, type GenerateOptions } from "../../generator/generate.js";
import { tristubPlugin } from "../../generator/plugin.js";
import { compileFixture, repoRoot } from "../support/fixtures.js";
import { bufBin, readTree, runTristub, useTempDir } from "../support/process.js";

const greet = () => compileFixture("services", ["greet.proto"]);
const names = (files: { name: string }[]) => files.map((f) => f.name);
const contentOf = (files: { name: string; content: string }[], name: string) => files.find((f) => f.name === name)?.content;

describe("health / reflection options", () => {
  test("off by default: no extra files, no health or reflection runtime, the same bytes as explicit false", async () => {
    const plain = generate(await greet());
    const off = generate({ ...(await greet()), options: { health: false, reflection: false } });
    expect(off).toEqual(plain);
    expect(names(plain).filter((n) => /health|reflection|^grpc\//.test(n))).toEqual([]);
    expect(contentOf(plain, "tristub-runtime.ts")).not.toMatch(/ServerHealth|Reflection/);
  });

  test("health: the bundled grpc.health.v1 module, tristub-health.ts and the runtime's ServerHealth", async () => {
    const files = generate({ ...(await greet()), options: { health: true } });
    expect(names(files)).toEqual(expect.arrayContaining(["grpc/health/v1/health.ts", "tristub-health.ts", "tristub/server/health.ts"]));
    expect(names(files).filter((n) => n.includes("reflection"))).toEqual([]);
    expect(contentOf(files, "tristub-health.ts")).toMatch(/export function serveHealth\(server: TripleServer, options\?: HealthOptions\): ServerHealth/);
    expect(contentOf(files, "tristub-runtime.ts")).toMatch(/ServerHealth/);
    // Its JSDoc comes from the official proto's comments (source info kept in the bundled set).
    expect(contentOf(files, "grpc/health/v1/health.ts")).toMatch(/List provides a non-atomic snapshot/);
  });

  test("reflection: both reflection versions and the embedded descriptors of every file and import", async () => {
    const files = generate({ ...(await greet()), options: { reflection: true } });
    const module = contentOf(files, "tristub-reflection.ts") ?? "";
    expect(names(files)).toEqual(expect.arrayContaining(["grpc/reflection/v1/reflection.ts", "grpc/reflection/v1alpha/reflection.ts", "tristub/server/reflection.ts"]));
    for (const file of ["greet.proto", "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"]) {
      expect(module).toContain(`["${file}", [`);
    }
    expect(module).toContain('["greet.GreetService.Greet", 0]');
    expect(module).toContain('["greet.GreetRequest", 0, 1]');
  });

  test("only where server code is generated: services=client gets the health client and nothing else", async () => {
    const client = generate({ ...(await greet()), options: { services: "client", health: true, reflection: true } });
    expect(names(client)).toContain("grpc/health/v1/health.ts");
    expect(names(client).filter((n) => /tristub-(health|reflection)|reflection\//.test(n))).toEqual([]);
    expect(contentOf(client, "grpc/health/v1/health.ts")).toMatch(/createHealthClient/);
    const none = generate({ ...(await greet()), options: { services: "none", reflection: true } });
    expect(names(none).filter((n) => /reflection/.test(n))).toEqual([]);
  });

  test("deterministic", async () => {
    const options: GenerateOptions = { health: true, reflection: true };
    expect(generate({ ...(await greet()), options })).toEqual(generate({ ...(await greet()), options }));
  });

  test("a vendored health.proto is used as it is (an old one without List gets no List route)", async (context) => {
    const dir = useTempDir(context);
    const official = readFileSync(join(repoRoot, "generator/protos/grpc/health/v1/health.proto"), "utf8");
    const old = official.replace(/\n  \/\/ List provides[\s\S]*?rpc List\(HealthListRequest\) returns \(HealthListResponse\);\n/, "\n");
    expect(old).not.toMatch(/rpc List/);
    mkdirSync(join(dir, "grpc/health/v1"), { recursive: true });
    writeFileSync(join(dir, "grpc/health/v1/health.proto"), old);
    const compiled = await compileProtos({ files: [join(dir, "grpc/health/v1/health.proto")], includePaths: [dir] });
    const files = generate({ registry: createFileRegistry(compiled.descriptorSet), filesToGenerate: compiled.filesToGenerate, options: { health: true } });
    expect(contentOf(files, "tristub-health.ts")).not.toMatch(/methods\.list/);
    expect(contentOf(files, "tristub-health.ts")).toMatch(/methods\.watch/);
    // Not the official proto at all (no Watch): a clear generator error, not a crash.
    writeFileSync(join(dir, "grpc/health/v1/health.proto"), old.replace(/\n  rpc Watch\(HealthCheckRequest\) returns \(stream HealthCheckResponse\);/, ""));
    const broken = await compileProtos({ files: [join(dir, "grpc/health/v1/health.proto")], includePaths: [dir] });
    const request = { registry: createFileRegistry(broken.descriptorSet), filesToGenerate: broken.filesToGenerate, options: { health: true } };
    expect(() => generate(request)).toThrow(/grpc\.health\.v1\.Health: the health option needs its method Watch/);
  });

  test("the same output from --health --reflection, --health=true --reflection true, a config file and plugin parameters", async (context) => {
    const dir = useTempDir(context);
    const proto = join(repoRoot, "test/fixtures/services/greet.proto");
    const include = join(repoRoot, "test/fixtures/services");
    const outputs: Map<string, string>[] = [];
    for (const flags of [["--health", "--reflection"], ["--health=true", "--reflection", "true"]]) {
      const out = join(dir, `out${outputs.length}`);
      const result = await runTristub(["generate", proto, "-I", include, "--out", out, ...flags], dir);
      expect(result, result.stderr).toMatchObject({ code: 0 });
      outputs.push(readTree(out));
    }
    writeFileSync(
      join(dir, "tristub.config.json"),
      JSON.stringify({ outputs: [{ protos: [proto], include: [include], out: "cfg", options: { health: true, reflection: "true" } }] }),
    );
    const config = await runTristub(["generate"], dir);
    expect(config, config.stderr).toMatchObject({ code: 0 });
    outputs.push(readTree(join(dir, "cfg")));
    const strip = (tree: Map<string, string>) => new Map([...tree].filter(([name]) => name !== ".tristub-manifest"));
    expect(strip(outputs[1]!)).toEqual(strip(outputs[0]!));
    expect(strip(outputs[2]!)).toEqual(strip(outputs[0]!));
    expect([...outputs[0]!.keys()]).toContain("tristub-reflection.ts");

    const compiled = await greet();
    const request = create(CodeGeneratorRequestSchema, {
      fileToGenerate: ["greet.proto"],
      parameter: "health,reflection=true",
      protoFile: [compiled.registry.getFile("greet.proto")!.proto],
    });
    const response = tristubPlugin.run(request);
    expect(response.error ?? "").toBe("");
    expect(new Map(response.file.map((f) => [f.name, f.content]))).toEqual(strip(outputs[0]!));
    const bad = tristubPlugin.run(create(CodeGeneratorRequestSchema, { ...request, parameter: "health=yes" }));
    expect(bad.error).toMatch(/plugin option "health": invalid value "yes" \(expected false, true\)/);
    const off = await runTristub(["generate", proto, "-I", include, "--out", join(dir, "off"), "--health=false"], dir);
    expect(off, off.stderr).toMatchObject({ code: 0 });
    expect([...readTree(join(dir, "off")).keys()].filter((n) => n.includes("health"))).toEqual([]);
  });

  test("generator/protos/bundled.binpb is up to date with generator/protos/**/*.proto (npm run protos)", async () => {
    const result = await new Promise<Buffer>((resolve, reject) => {
      import("node:child_process").then(({ execFile }) =>
        execFile(
          bufBin,
          ["build", ".", "--config", JSON.stringify({ version: "v2" }), "-o", "-#format=binpb", "--as-file-descriptor-set"],
          { cwd: join(repoRoot, "generator/protos"), encoding: "buffer" },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        ),
      );
    });
    expect(Buffer.compare(result, readFileSync(bundledProtosPath))).toBe(0);
    const set = fromBinary(FileDescriptorSetSchema, result);
    expect(set.file.map((f) => f.name)).toEqual(["grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"]);
    expect(set.file[0]!.service[0]!.method.map((m) => m.name)).toEqual(["Check", "List", "Watch"]);
  });
});
