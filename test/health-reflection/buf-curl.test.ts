// The bundled buf binary (node_modules/.bin/buf, a real foreign gRPC client with its own reflection
// client) against the example server (examples/streaming/server.ts, which serves health and reflection)
// in its own process: `buf curl --list-methods`, Greet without --schema, grpc.health.v1.Health/Check and
// Watch through reflection, on both reflection versions; and the server still stops cleanly on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot } from "../support/fixtures.js";
import { bufBin, run } from "../support/process.js";

let child: ChildProcess;
let url = "";

beforeAll(async () => {
  child = spawn(process.execPath, ["--import", "tsx", "examples/streaming/server.ts", "--port", "0"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the example server did not start within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`the example server exited (${String(code)})`)));
    createInterface({ input: child.stdout! }).once("line", (text) => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  const match = /^listening on (.+):(\d+)$/.exec(line);
  if (match === null) throw new Error(`unexpected first line: ${line}`);
  url = `http://127.0.0.1:${match[2]}`;
});

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
});

const grpcFlags = ["--protocol", "grpc", "--http2-prior-knowledge"];
const bufCurl = (...args: string[]) => run(bufBin, ["curl", ...grpcFlags, ...args], repoRoot);

describe("buf curl against the example server, schema from server reflection", () => {
  test("--list-methods lists every method of every registered service", async () => {
    const result = await bufCurl("--list-methods", url);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(result.stdout.trim().split("\n")).toEqual([
      "greet.GreetService/Greet",
      "greet.GreetService/GreetClientStream",
      "greet.GreetService/GreetServerStream",
      "greet.GreetService/GreetStream",
      "grpc.health.v1.Health/Check",
      "grpc.health.v1.Health/List",
      "grpc.health.v1.Health/Watch",
      "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ]);
  });

  for (const reflectProtocol of ["grpc-v1", "grpc-v1alpha"]) {
    test(`Greet without --schema (--reflect-protocol ${reflectProtocol})`, async () => {
      const result = await bufCurl("--reflect-protocol", reflectProtocol, "-d", '{"name":"triple"}', `${url}/greet.GreetService/Greet`);
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(JSON.parse(result.stdout)).toEqual({ greeting: "triple" });
    });
  }

  test("a server stream without --schema: GreetServerStream", async () => {
    const result = await bufCurl("-d", '{"name":"triple"}', `${url}/greet.GreetService/GreetServerStream`);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(result.stdout.match(/"greeting": "triple"/g)).toHaveLength(5);
  });

  test("grpc.health.v1.Health/Check and List through reflection; an unknown service is not_found", async () => {
    const whole = await bufCurl("-d", "{}", `${url}/grpc.health.v1.Health/Check`);
    expect(whole, whole.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(whole.stdout)).toEqual({ status: "SERVING" });
    const greet = await bufCurl("-d", '{"service":"greet.GreetService"}', `${url}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(greet.stdout)).toEqual({ status: "SERVING" });
    const list = await bufCurl("-d", "{}", `${url}/grpc.health.v1.Health/List`);
    expect(JSON.parse(list.stdout)).toEqual({ statuses: { "": { status: "SERVING" }, "greet.GreetService": { status: "SERVING" } } });
    const unknown = await bufCurl("-d", '{"service":"nope.Service"}', `${url}/grpc.health.v1.Health/Check`);
    expect(unknown.code).not.toBe(0);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ code: "not_found", message: "unknown service" });
  });

  test("an unknown service or method is reported by buf's reflection client, the server goes on", async () => {
    const service = await bufCurl("-d", "{}", `${url}/nope.Service/Call`);
    expect(service.code).not.toBe(0);
    expect(service.stderr).toMatch(/failed to find service named "nope.Service"/);
    const method = await bufCurl("-d", "{}", `${url}/greet.GreetService/Nope`);
    expect(method.code).not.toBe(0);
    expect(method.stderr).toMatch(/does not contain method named "Nope"|Nope/);
    const ok = await bufCurl("-d", '{"name":"still"}', `${url}/greet.GreetService/Greet`);
    expect(JSON.parse(ok.stdout)).toEqual({ greeting: "still" });
  });

  test("SIGTERM: a Watch through buf curl sees NOT_SERVING, and the server exits 0", async () => {
    const watch = spawn(bufBin, ["curl", ...grpcFlags, "-d", '{"service":"greet.GreetService"}', `${url}/grpc.health.v1.Health/Watch`], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    watch.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const watchExited = new Promise<number | null>((resolve) => watch.once("exit", resolve));
    await expect.poll(() => out, { timeout: 10_000 }).toMatch(/"SERVING"/);
    const serverExited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await serverExited).toBe(0);
    await watchExited;
    expect(out).toMatch(/"SERVING"[\s\S]*"NOT_SERVING"/);
  });
});
