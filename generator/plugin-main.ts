import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { runNodeJs as RunNodeJs } from "@bufbuild/protoplugin";
import { tristubPlugin } from "./plugin.js";

/**
 * Runs tristub as a protoc/buf plugin with @bufbuild/protoplugin's `runNodeJs` (stdin → `run` →
 * stdout, `--version`, errors to stderr).
 *
 * The package's main entry also exports `createEcmaScriptPlugin`, whose module imports the TypeScript
 * compiler (for protoplugin's own js/dts transpiling, which tristub does not use): importing it costs a
 * second or more per plugin call. So the ESM module that defines `runNodeJs` is loaded by its file
 * (next to the entry the package resolves to); if a future protoplugin moves it, the public entry is
 * used instead, which is slower but equivalent.
 */
export async function runPlugin(): Promise<void> {
  (await loadRunNodeJs())(tristubPlugin);
}

async function loadRunNodeJs(): Promise<typeof RunNodeJs> {
  const require = createRequire(import.meta.url);
  try {
    // `require` resolves the package's CommonJS entry, dist/cjs/index.js; the ESM build is dist/esm/.
    const runNode = join(dirname(require.resolve("@bufbuild/protoplugin")), "..", "esm", "run-node.js");
    if (existsSync(runNode)) {
      const loaded = (await import(pathToFileURL(runNode).href)) as { runNodeJs?: typeof RunNodeJs };
      if (typeof loaded.runNodeJs === "function") return loaded.runNodeJs;
    }
  } catch {
    // Fall through to the public entry.
  }
  return (await import("@bufbuild/protoplugin")).runNodeJs;
}
