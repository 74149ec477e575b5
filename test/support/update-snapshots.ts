// Regenerates snapshots/ from test/fixtures/: `npm run snapshots:update`.
// Deletes snapshot files (and folders) no fixture produces any more. Refuses to run in CI, where the
// golden test must compare against what was committed instead of rewriting it.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fixtureConcerns, generateFixture, snapshotsDir } from "./fixtures.js";

if (process.env["CI"] === "true") {
  process.stderr.write("snapshots:update refuses to run with CI=true: commit regenerated snapshots instead\n");
  process.exit(1);
}

const wanted = new Set<string>();
for (const concern of fixtureConcerns()) {
  for (const file of await generateFixture(concern)) {
    const name = `${concern}/${file.name}`;
    wanted.add(name);
    const path = join(snapshotsDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
}
let removed = 0;
if (existsSync(snapshotsDir)) {
  for (const entry of readdirSync(snapshotsDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(snapshotsDir, path).split(sep).join("/");
    if (name === "tsconfig.json") continue;
    if (!wanted.has(name)) {
      rmSync(path);
      removed++;
    }
  }
  removeEmptyDirs(snapshotsDir);
}
process.stdout.write(`snapshots: wrote ${wanted.size} files, removed ${removed} orphans\n`);

function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && removeEmptyDirs(join(dir, entry.name))) rmSync(join(dir, entry.name), { recursive: true });
    else empty = false;
  }
  return empty;
}
