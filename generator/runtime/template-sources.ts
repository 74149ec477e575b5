import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Reads every template module (path relative to `dir`, `/`-separated → text), skipping tests. */
export function readTemplateSources(dir: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) {
        sources.set(relative(dir, path).split(sep).join("/"), readFileSync(path, "utf8"));
      }
    }
  };
  walk(dir);
  return sources;
}

/** A stable hash of module names and texts. */
export function hashSources(sources: ReadonlyMap<string, string>): string {
  const hash = createHash("sha256");
  for (const name of [...sources.keys()].sort()) hash.update(name).update("\0").update(sources.get(name) ?? "").update("\0");
  return hash.digest("hex");
}

