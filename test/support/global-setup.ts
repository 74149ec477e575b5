// Vitest globalSetup:
//   1. builds tristub (`npm run build`: the runtime manifest and dist/), because the tests run the CLI and
//      the plugin the way users do, through bin/*.js, which run the compiled dist/ — so a test run always
//      exercises the current source as it will ship;
//   2. installs the dubbo-js interop package (test/dubbo-js, its own npm tree because dubbo-js 3.0.0-alpha
//      needs @bufbuild/protobuf v1) when it is not installed yet, so that `npm ci && npm test` works on a
//      fresh clone. `npm run test:setup` does the same by hand;
//   3. likewise the OpenTelemetry example's own tree (examples/opentelemetry: @opentelemetry/* belong to
//      that example only, never to tristub or its output).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const repoRoot = join(import.meta.dirname, "..", "..");
const dubboDir = join(repoRoot, "test", "dubbo-js");
const otelDir = join(repoRoot, "examples", "opentelemetry");

export default function setup(): void {
  execFileSync("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
  for (const dir of [dubboDir, otelDir]) {
    if (existsSync(join(dir, "node_modules"))) continue;
    process.stderr.write(`global-setup: installing ${dir} (npm ci --prefix ${dir})\n`);
    execFileSync("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund"], { stdio: ["ignore", "inherit", "inherit"] });
  }
}
