import { isAbsolute, relative } from "node:path";

/**
 * A path for messages: relative to `cwd` when it lies inside it (`protos/a.proto`), absolute otherwise,
 * never `../../usr/share/…`.
 */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  if (rel === "") return ".";
  if (rel.startsWith("..") || isAbsolute(rel)) return path;
  return rel.split("\\").join("/");
}
