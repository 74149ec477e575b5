// `npm run conformance:protobuf`: generates tristub code for the conformance protos of the runner's
// protobuf release, then runs Debian's conformance_test_runner (built by setup.sh) against testee.ts
// with --enforce_recommended and known-failures.txt, printing the runner's summary. Exit code: the
// runner's (0 = no unexpected failures and no unexpected successes).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dirname;
const repoRoot = join(here, "..", "..", "..");
const build = join(here, ".build");
const runner = join(build, "conformance_test_runner");
const protoDir = join(build, "proto");
const genDir = join(build, "gen-ts");

if (!existsSync(runner)) {
  console.error(`conformance: ${runner} is missing; run bash test/conformance/protobuf/setup.sh first`);
  process.exit(2);
}
rmSync(genDir, { recursive: true, force: true });
const generate = spawnSync(
  process.execPath,
  [join(repoRoot, "bin", "tristub.js"), "generate", "conformance.proto", "google/protobuf/test_messages_proto2.proto", "google/protobuf/test_messages_proto3.proto", "-I", protoDir, "--out", genDir, "--services", "none"],
  { stdio: "inherit" },
);
if (generate.status !== 0) process.exit(generate.status ?? 1);
writeFileSync(join(genDir, "package.json"), '{ "type": "module" }\n');

// The runner execs the testee by path: a wrapper that starts it under tsx.
const wrapper = join(build, "testee.sh");
writeFileSync(wrapper, `#!/bin/sh\nexec "${join(repoRoot, "node_modules", ".bin", "tsx")}" "${join(here, "testee.ts")}" "${genDir}"\n`);
chmodSync(wrapper, 0o755);

const started = Date.now();
// Known failures (see the file) are expected; the runner fails when one of them starts to pass.
const failureList = ["--failure_list", join(here, "known-failures.txt")];
const result = spawnSync(runner, ["--enforce_recommended", ...failureList, ...process.argv.slice(2), wrapper], { cwd: build, encoding: "utf8", maxBuffer: 1 << 28 });
const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
// The runner prints one line per failure, then "CONFORMANCE SUITE PASSED/FAILED: …" lines.
const lines = output.split("\n");
const failures = lines.filter((l) => /^ERROR, test=|^\s+\S+\.\S+$/.test(l));
for (const line of failures.slice(0, 60)) console.log(line);
for (const line of lines.filter((l) => /CONFORMANCE SUITE (PASSED|FAILED)/.test(l))) console.log(line);
console.log(`conformance: runner exited ${result.status ?? result.signal} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(result.status ?? 1);
