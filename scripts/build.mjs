// `npm run build`: the published form of tristub, in dist/.
//   1. `npm run manifest` writes generator/runtime/runtime-manifest.json (the runtime template parsed
//      with ts-morph once, here, instead of at every `tristub generate`);
//   2. tsc -p tsconfig.build.json compiles generator/ to dist/generator/ (fresh dist/ each time);
//   3. the manifest JSON is copied next to dist/generator/runtime/manifest.js, where the compiled
//      loader looks for it.
// The bins (bin/*.js) run dist/; `prepack` runs this, so `npm pack` / `npm publish` always ship a build.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const manifestSource = join(root, "generator", "runtime", "runtime-manifest.json");
const manifestTarget = join(dist, "generator", "runtime", "runtime-manifest.json");
const run = (file, args) => execFileSync(file, args, { cwd: root, stdio: "inherit" });
const npm = process.env["npm_execpath"];

const t0 = performance.now();
if (npm !== undefined && npm.endsWith(".js")) run(process.execPath, [npm, "run", "-s", "manifest"]);
else run("npm", ["run", "-s", "manifest"]);
if (!existsSync(manifestSource)) throw new Error(`build: npm run manifest did not write ${manifestSource}`);
rmSync(dist, { recursive: true, force: true });
run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"]);
mkdirSync(dirname(manifestTarget), { recursive: true });
copyFileSync(manifestSource, manifestTarget);
process.stderr.write(`build: dist/ written in ${Math.round(performance.now() - t0)} ms\n`);
