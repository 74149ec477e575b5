import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";

/** Directory holding the Handlebars skeletons of generated modules (in a source checkout). */
const templateDir = join(packageRoot, "templates");

/**
 * Where `npm run build` puts the templates precompiled (`Handlebars.precompile`), next to this module in
 * dist/: the published package renders them with Handlebars' small runtime build instead of loading
 * the compiler and compiling the .hbs files at every run.
 */
const precompiledModule = new URL("./templates-precompiled.js", import.meta.url);

/** Compile options, the same at build time and in a source checkout. */
export const templateCompileOptions = { noEscape: true, strict: true } as const;

type Template = (view: object) => string;

const compiled = new Map<string, Template>();
const load: (name: string) => Template = existsSync(precompiledModule) ? await precompiledLoader() : sourceLoader();

async function precompiledLoader(): Promise<(name: string) => Template> {
  const { templates } = (await import(precompiledModule.href)) as { templates: Record<string, object> };
  const runtime = createRequire(import.meta.url)("handlebars/dist/handlebars.runtime.min.js") as {
    template(spec: object): Template;
  };
  return (name) => {
    const spec = templates[name];
    if (spec === undefined) throw new Error(`no precompiled template ${name}`);
    return runtime.template(spec);
  };
}

function sourceLoader(): (name: string) => Template {
  const handlebars = createRequire(import.meta.url)("handlebars") as { compile(source: string, options: object): Template };
  return (name) => handlebars.compile(readFileSync(join(templateDir, `${name}.hbs`), "utf8"), templateCompileOptions);
}

/**
 * Renders `templates/<name>.hbs` with a precomputed view model. Templates are compiled with
 * `noEscape` (generics and quotes must not become HTML entities) and `strict` (a missing field is an
 * error, not an empty string).
 */
export function renderTemplate(name: string, view: object): string {
  let template = compiled.get(name);
  if (template === undefined) {
    template = load(name);
    compiled.set(name, template);
  }
  return template(view);
}
