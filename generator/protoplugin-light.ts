import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Protoplugin from "@bufbuild/protoplugin";

/**
 * The parts of @bufbuild/protoplugin that tristub uses (`runNodeJs`, `getComments`,
 * `getDeclarationString`), loaded without the rest of the package.
 *
 * protoplugin's main entry also exports `createEcmaScriptPlugin`, whose module imports the TypeScript
 * compiler (for protoplugin's own js/dts transpiling, which tristub does not use). Importing the entry
 * therefore parses all of typescript.js — about a second, most of a cold `tristub generate`. The ESM
 * modules that define the functions tristub needs import only @bufbuild/protobuf, so they are loaded by
 * file, next to the entry the package resolves to. Should a future protoplugin move them, the public
 * entry is used instead: slower, same behaviour.
 */
export type ProtopluginLight = Pick<typeof Protoplugin, "runNodeJs" | "getComments" | "getDeclarationString">;

/** protoplugin's ESM module files (under dist/esm/) that define the functions tristub uses. */
const moduleFiles = ["run-node.js", "source-code-info.js"] as const;

/** Loads {@link ProtopluginLight}; see there for why it does not simply import the package. */
export async function loadProtoplugin(): Promise<ProtopluginLight> {
  try {
    // `require.resolve` gives the CommonJS entry, dist/cjs/index.js; the ESM build sits in dist/esm/.
    const esmDir = join(dirname(createRequire(import.meta.url).resolve("@bufbuild/protoplugin")), "..", "esm");
    const paths = moduleFiles.map((file) => join(esmDir, file));
    if (paths.every((path) => existsSync(path))) {
      const loaded = Object.assign({}, ...(await Promise.all(paths.map((path) => import(pathToFileURL(path).href))))) as Partial<ProtopluginLight>;
      const { runNodeJs, getComments, getDeclarationString } = loaded;
      if (typeof runNodeJs === "function" && typeof getComments === "function" && typeof getDeclarationString === "function") {
        return { runNodeJs, getComments, getDeclarationString };
      }
    }
  } catch {
    // Fall through to the public entry.
  }
  return await import("@bufbuild/protoplugin");
}

/** Loaded once, when the generator's modules are: the emitters call these functions synchronously. */
export const protoplugin: ProtopluginLight = await loadProtoplugin();
