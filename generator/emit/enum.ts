import type { DescEnum } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { renderTemplate } from "../templates.js";
import { jsDocOf } from "./jsdoc.js";

/**
 * Emits an enum as a frozen-shape `const` object of its values plus a type of the same name — erasable
 * TypeScript, unlike `enum`. Value names are kept as written in the proto.
 */
export function emitEnum(desc: DescEnum, scope: FileScope): string {
  return renderTemplate("enum", {
    jsdoc: jsDocOf(desc),
    name: scope.ref(desc, true),
    open: desc.open,
    values: desc.values.map((value) => ({
      jsdoc: jsDocOf(value, "  "),
      // A literal `__proto__:` key would set the prototype instead of defining a property.
      key: value.name === "__proto__" ? `["__proto__"]` : value.name,
      number: value.number,
    })),
    names: jsonNames(desc),
  });
}

/** Number → JSON name, first declared name first (aliases share a number), in declaration order. */
function jsonNames(desc: DescEnum): { number: number; name: string }[] {
  const seen = new Set<number>();
  const out: { number: number; name: string }[] = [];
  for (const value of desc.values) {
    if (seen.has(value.number)) continue;
    seen.add(value.number);
    out.push({ number: value.number, name: value.name });
  }
  return out;
}
