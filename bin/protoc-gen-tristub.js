#!/usr/bin/env node
// Entry point of the protoc/buf plugin: reads a CodeGeneratorRequest on stdin, writes the response.
import { register } from "tsx/esm/api";

register();
const { runNodeJs } = await import("@bufbuild/protoplugin");
const { tristubPlugin } = await import("../generator/plugin.ts");
runNodeJs(tristubPlugin);
