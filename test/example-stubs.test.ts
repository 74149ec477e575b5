// The example's committed stubs must be what the CLI generates today (users commit generated code and
// check it the same way: `tristub generate … --check`).
import { describe, expect, it } from "vitest";
import { runTristub } from "./support/process.js";
import { repoRoot } from "./support/fixtures.js";

describe("examples/streaming/gen", () => {
  it("is up to date (generate --check)", async () => {
    const result = await runTristub(
      ["generate", "examples/streaming/greet.proto", "-I", "examples/streaming", "--out", "examples/streaming/gen", "--health", "--reflection", "--check"],
      repoRoot,
    );
    expect(result, result.stderr).toMatchObject({ code: 0 });
  });
});
