#!/usr/bin/env node
// Entry point of the protoc/buf plugin: reads a CodeGeneratorRequest on stdin, writes the response.
// Runs the compiled plugin in dist/ (`npm run build` writes it; the published package ships it).
import { existsSync } from "node:fs";

const main = new URL("../dist/generator/plugin-main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("protoc-gen-tristub: not built (dist/generator/plugin-main.js is missing); run `npm run build` in the tristub checkout\n");
  process.exit(1);
}
const { runPlugin } = await import(main.href);
runPlugin();
