import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory holding tristub's package.json (and `templates/`): the parent of `generator/` in a
 * source checkout, two levels up from the compiled `dist/generator/` in the published package. Found by
 * looking for package.json upwards from this module, so both layouts work without configuration.
 */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = dirname(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`tristub: no package.json above ${start}`);
  }
}
