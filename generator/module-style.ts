import type { GeneratedFile } from "./generate.js";
import type { GenerateOptions } from "./options.js";

/**
 * A relative module specifier in an `import … from` / `export … from` clause of generated code (also
 * the `} from "./x.js";` line that ends a multi-line import). Emitters always write `./x.js` or
 * `../x.js`; `node:*` specifiers do not match.
 */
const relativeFrom = /^((?:import|export|\}).* from ")(\.\.?\/[^"]*)\.js(";)$/gm;

/**
 * Applies `import_extension` and `js_import_style` to the emitted files (which are written as `.ts`
 * files importing each other as `./x.js`): renames `.ts` to `.mts` for `legacy_commonjs` and rewrites
 * every relative import specifier to the chosen extension. Done once at the end, so every emitter (and
 * the runtime's own module tree) follows the options without knowing about them.
 */
export function applyModuleStyle(files: readonly GeneratedFile[], options: GenerateOptions): GeneratedFile[] {
  const commonjs = options.jsImportStyle === "legacy_commonjs";
  const extension = options.importExtension ?? "js";
  if (!commonjs && extension === "js") return [...files];
  const suffix = extension === "none" ? "" : `.${commonjs ? "m" : ""}${extension}`;
  return files.map((file) => ({
    name: commonjs && file.name.endsWith(".ts") ? `${file.name.slice(0, -3)}.mts` : file.name,
    content: file.content.replace(relativeFrom, (_all, head: string, path: string, tail: string) => `${head}${path}${suffix}${tail}`),
  }));
}
