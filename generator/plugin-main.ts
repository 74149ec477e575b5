import { protoplugin } from "./protoplugin-light.js";
import { tristubPlugin } from "./plugin.js";

/**
 * Runs tristub as a protoc/buf plugin with @bufbuild/protoplugin's `runNodeJs` (CodeGeneratorRequest on
 * stdin → {@link tristubPlugin} → CodeGeneratorResponse on stdout; `--version`; errors to stderr).
 */
export function runPlugin(): void {
  protoplugin.runNodeJs(tristubPlugin);
}
