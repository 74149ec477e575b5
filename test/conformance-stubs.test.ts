// The conformance programs' committed stubs (conformance/gen, from connectrpc's conformance protos)
// must be what the CLI generates today: `npm run snapshots:update` regenerates them.
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/fixtures.js";
import { runTristub } from "./support/process.js";

const protos = ["client_compat", "config", "server_compat", "service", "suite"].map((name) => `conformance/proto/connectrpc/conformance/v1/${name}.proto`);

describe("conformance/gen", () => {
  it("is up to date (generate --check)", async () => {
    const result = await runTristub(["generate", ...protos, "-I", "conformance/proto", "--out", "conformance/gen", "--check"], repoRoot);
    expect(result, result.stderr).toMatchObject({ code: 0 });
  });
});
