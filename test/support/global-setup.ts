// Vitest globalSetup:
//   1. builds tristub (`npm run build`: the runtime manifest and dist/), because the tests run the CLI and
//      the plugin the way users do, through bin/*.js, which run the compiled dist/ — so a test run always
//      exercises the current source as it will ship;
//   2. installs the dubbo-js interop package (test/dubbo-js, its own npm tree because dubbo-js 3.0.0-alpha
//      needs @bufbuild/protobuf v1) when it is not installed yet, so that `npm ci && npm test` works on a
//      fresh clone. `npm run test:setup` does the same by hand.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const repoRoot = join(import.meta.dirname, "..", "..");
const dubboDir = join(repoRoot, "test", "dubbo-js");

export default function setup(): void {
  execFileSync("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
  if (existsSync(join(dubboDir, "node_modules"))) return;
  process.stderr.write("global-setup: installing test/dubbo-js (npm ci --prefix test/dubbo-js)\n");
  execFileSync("npm", ["ci", "--prefix", dubboDir, "--no-audit", "--no-fund"], { stdio: ["ignore", "inherit", "inherit"] });
}
