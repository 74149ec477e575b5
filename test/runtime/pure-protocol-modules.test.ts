// The Connect, gRPC-Web and CORS protocol modules are pure: no node:* import, directly or through the
// template modules they import at run time (type-only imports are erased), so they can serve a fetch-
// based client or another runtime later.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/fixtures.js";

const template = join(repoRoot, "runtime-template");
const pureModules = ["connect-protocol.ts", "connect-error.ts", "connect-get.ts", "grpcweb-protocol.ts", "grpcweb-text.ts", "cors.ts"];

/** Value (non-type) import specifiers of a template module. */
function valueImports(file: string): string[] {
  const source = readFileSync(join(template, file), "utf8");
  return [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)].filter((m) => m[1] === undefined).map((m) => m[2] ?? "");
}

describe("pure protocol modules", () => {
  it("import no node:* module, directly or transitively", () => {
    for (const root of pureModules) {
      const seen = new Set<string>();
      const queue = [root];
      while (queue.length > 0) {
        const file = queue.pop() ?? "";
        if (seen.has(file)) continue;
        seen.add(file);
        for (const specifier of valueImports(file)) {
          expect(specifier.startsWith("node:"), `${root} -> ${file} imports ${specifier}`).toBe(false);
          queue.push(specifier.replace(/^\.\//, "").replace(/\.js$/, ".ts"));
        }
      }
      expect(seen.size).toBeGreaterThan(0);
    }
  });
});
