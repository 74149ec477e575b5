/**
 * `.tristub-manifest`, the file in an output directory that records which configuration wrote which
 * files there, so that a run removes only files its own configuration wrote before and no longer
 * generates, and refuses to replace other configurations' files (or files tristub did not write)
 * unless told to. The format, one path per line, grouped under `[configuration]` lines:
 *
 *   # tristub: files written here by `tristub generate`, by configuration (…)
 *   [greet.proto]
 *   greet.ts
 *   tristub-runtime.ts
 *
 * A file two configurations generate with the same bytes is listed under both. Paths are `/`-separated,
 * relative to the directory, sorted; configurations are sorted; so the file is deterministic. Lines
 * before the first `[…]` (the format of tristub ≤ 0.1, which knew one configuration per directory) belong
 * to whichever configuration runs next.
 */

/** The manifest's file name, directly in the output directory. */
export const manifestName = ".tristub-manifest";

const manifestHeader =
  "# tristub: files written here by `tristub generate`, by configuration (a run removes only its own configuration's files that it no longer generates)";

/** Files by configuration; `legacy` holds paths listed before any `[configuration]` line. */
export interface ManifestContent {
  readonly owners: ReadonlyMap<string, ReadonlySet<string>>;
  readonly legacy: ReadonlySet<string>;
}

/**
 * Parses a manifest's text. Lines that are not a plain relative path inside the directory (`..`,
 * absolute, empty segments) are ignored rather than trusted, and so is the manifest naming itself.
 */
export function parseManifest(text: string): ManifestContent {
  const owners = new Map<string, Set<string>>();
  const legacy = new Set<string>();
  let current: Set<string> = legacy;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1] !== undefined) {
      current = owners.get(section[1]) ?? new Set<string>();
      owners.set(section[1], current);
    } else if (isPlainRelativePath(line) && line !== manifestName) {
      current.add(line);
    }
  }
  return { owners, legacy };
}

/** Renders a manifest (configurations and paths sorted; empty configurations left out). */
export function renderManifest(owners: ReadonlyMap<string, ReadonlySet<string>>): string {
  const lines = [manifestHeader];
  for (const owner of [...owners.keys()].sort(comparePaths)) {
    const names = [...(owners.get(owner) ?? [])].sort(comparePaths);
    if (names.length === 0) continue;
    lines.push(`[${owner}]`, ...names);
  }
  return lines.map((line) => `${line}\n`).join("");
}

/** Whether `name` is `/`-separated, relative, without `.`/`..`/empty segments, backslashes or NULs. */
export function isPlainRelativePath(name: string): boolean {
  if (name.includes("\\") || name.includes("\0") || name.startsWith("/") || /^[A-Za-z]:/.test(name)) return false;
  return name.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** Orders paths by UTF-16 code units, independent of the locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
