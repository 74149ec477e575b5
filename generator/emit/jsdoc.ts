import type { DescEnum, DescEnumValue, DescExtension, DescField, DescMessage, DescMethod, DescOneof, DescService } from "@bufbuild/protobuf";
import { protoplugin } from "../protoplugin-light.js";

const { getComments, getDeclarationString } = protoplugin;

type Documented = DescMessage | DescEnum | DescEnumValue | DescField | DescExtension | DescOneof | DescService | DescMethod;

/**
 * Renders the JSDoc block for a proto element: its leading (and trailing) comments, a line naming the
 * proto declaration it was generated from, any `extraTags`, and `@deprecated` when the proto says so.
 */
export function jsDocOf(desc: Documented, indent = "", extraTags: readonly string[] = []): string {
  const comments = getComments(desc);
  const lines: string[] = [];
  const text = [comments.leading, comments.trailing]
    .filter((c): c is string => c !== undefined && c.trim().length > 0)
    .map((c) => c.replace(/\n+$/, ""));
  for (const block of text) {
    if (lines.length > 0) lines.push("");
    lines.push(...dedent(block.split("\n")));
  }
  if (lines.length > 0) lines.push("");
  lines.push(`@generated from ${declarationOf(desc)}`);
  lines.push(...extraTags);
  if (isDeprecated(desc)) lines.push("@deprecated");
  const body = lines.map((l) => `${indent} *${l.length > 0 ? " " + escapeComment(l) : ""}`).join("\n");
  return `${indent}/**\n${body}\n${indent} */`;
}

function declarationOf(desc: Documented): string {
  switch (desc.kind) {
    case "message":
      return `message ${desc.typeName}`;
    case "enum":
      return `enum ${desc.typeName}`;
    case "enum_value":
      return `enum value: ${getDeclarationString(desc)};`;
    case "field":
      return `field: ${getDeclarationString(desc)};`;
    case "extension":
      return `extension: ${getDeclarationString(desc)};`;
    case "oneof":
      return `oneof ${desc.parent.typeName}.${desc.name}`;
    case "service":
      return `service ${desc.typeName}`;
    case "rpc":
      return `rpc ${desc.parent.typeName}.${desc.name}`;
  }
}

function isDeprecated(desc: Documented): boolean {
  if (desc.kind === "oneof") return false;
  return desc.deprecated;
}

/** Removes the common leading space proto comments carry after `//`. */
function dedent(lines: string[]): string[] {
  const widths = lines.filter((l) => l.trim().length > 0).map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = widths.length > 0 ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut).trimEnd());
}

/** Keeps a comment from ending the JSDoc block early. */
function escapeComment(line: string): string {
  return line.replace(/\*\//g, "*\\/");
}
