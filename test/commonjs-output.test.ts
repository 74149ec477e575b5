// js_import_style=legacy_commonjs, really used from CommonJS: a "type": "commonjs" project with the
// generated .mts modules, type-checked strictly (verbatimModuleSyntax, erasableSyntaxOnly, module nodenext)
// with the repository's tsc, compiled, and run as a server and a client process over a real socket.
// (test/first-hour/run.sh does the same from the packed tarball, for ESM and CommonJS projects.)
import { spawn } from "node:child_process";
import { cpSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { repoRoot } from "./support/fixtures.js";
import { run, runTristub, useTempDir } from "./support/process.js";

const tsconfig = {
  compilerOptions: {
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    lib: ["es2022"],
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noUnusedLocals: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    skipLibCheck: true,
    outDir: "out",
    rootDir: ".",
  },
  include: ["*.ts", "gen"],
};

const server = `const { registerGreetService } = require("./gen/greet.mjs") as typeof import("./gen/greet.mjs");
const { createTripleServer } = require("./gen/tristub-runtime.mjs") as typeof import("./gen/tristub-runtime.mjs");
const server = createTripleServer();
registerGreetService(server, {
  greet: (request) => ({ greeting: request.name }),
  async greetServerStream(request, stream) {
    for (let i = 0; i < 3; i++) await stream.send({ greeting: request.name });
  },
  async greetClientStream(stream) {
    const names: string[] = [];
    for await (const request of stream) names.push(request.name);
    return { greeting: names.join(",") };
  },
  async greetStream(stream) {
    for await (const request of stream) await stream.send({ greeting: request.name });
  },
});
server.listen({ host: "127.0.0.1", port: 0 }).then((a) => process.stdout.write(\`listening on \${a.port}\\n\`));
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
`;

const client = `const { createGreetServiceClient } = require("./gen/greet.mjs") as typeof import("./gen/greet.mjs");
async function main(): Promise<void> {
  const client = createGreetServiceClient({ baseUrl: \`http://127.0.0.1:\${process.argv[2] ?? ""}\` });
  const unary = await client.greet({ name: "cjs" }, { timeoutMs: 10_000 });
  const upload = client.greetClientStream({ timeoutMs: 10_000 });
  for (let i = 0; i < 2; i++) await upload.send({ name: "cjs" });
  const uploaded = await upload.closeAndRecv();
  const streamed: string[] = [];
  for await (const reply of client.greetServerStream({ name: "cjs" }, { timeoutMs: 10_000 })) streamed.push(reply.greeting);
  console.log([unary.greeting, uploaded.greeting, streamed.join(",")].join(" | "));
  await client.close();
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

test("legacy_commonjs output type-checks strictly and runs in a \"type\": \"commonjs\" project", async (context) => {
  const dir = useTempDir(context);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "cjs-user", private: true, type: "commonjs" }));
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  cpSync(join(repoRoot, "examples", "streaming", "greet.proto"), join(dir, "greet.proto"));
  const generated = await runTristub(["generate", "greet.proto", "--out", "gen", "--js-import-style", "legacy_commonjs"], dir);
  expect(generated, generated.stderr).toMatchObject({ code: 0, stderr: "" });
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
  writeFileSync(join(dir, "server.ts"), server);
  writeFileSync(join(dir, "client.ts"), client);
  const tsc = await run(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", "."], dir);
  expect(tsc, tsc.stdout + tsc.stderr).toMatchObject({ code: 0 });
  // The user's code compiled to CommonJS, the generated modules to ES modules it require()s.
  expect(readFileSync(join(dir, "out", "client.js"), "utf8")).toMatch(/require\("\.\/gen\/greet\.mjs"\)/);
  expect(readFileSync(join(dir, "out", "gen", "greet.mjs"), "utf8")).toMatch(/^export /m);

  const child = spawn(process.execPath, [join(dir, "out", "server.js")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  context.onTestFinished(() => void child.kill());
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\d+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const result = await run(process.execPath, [join(dir, "out", "client.js"), port], dir);
  expect(result, result.stderr).toMatchObject({ code: 0, stdout: "cjs | cjs,cjs | cjs,cjs,cjs\n" });
});
