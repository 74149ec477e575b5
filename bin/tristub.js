#!/usr/bin/env node
// Entry point of the `tristub` command: runs the TypeScript CLI through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../generator/cli.ts");
process.exitCode = await runCli(process.argv.slice(2));
