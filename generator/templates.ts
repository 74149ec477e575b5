import { readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { packageRoot } from "./package-root.js";

/** Directory holding the Handlebars skeletons of generated modules. */
const templateDir = join(packageRoot, "templates");

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Renders `templates/<name>.hbs` with a precomputed view model. Templates are compiled with
 * `noEscape` (generics and quotes must not become HTML entities) and `strict` (a missing field is an
 * error, not an empty string).
 */
export function renderTemplate(name: string, view: object): string {
  let template = compiled.get(name);
  if (template === undefined) {
    const source = readFileSync(join(templateDir, `${name}.hbs`), "utf8");
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(view);
}
