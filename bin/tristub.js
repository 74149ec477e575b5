#!/usr/bin/env node
// Entry point of the `tristub` command: runs the compiled CLI in dist/ (`npm run build` writes it;
// the published package ships it).
import { existsSync } from "node:fs";

const cli = new URL("../dist/generator/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("tristub: not built (dist/generator/cli.js is missing); run `npm run build` in the tristub checkout\n");
  process.exit(1);
}
const { runCli } = await import(cli.href);
process.exitCode = await runCli(process.argv.slice(2));
