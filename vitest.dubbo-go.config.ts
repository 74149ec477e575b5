import { defineConfig } from "vitest/config";

// `npm run test:dubbo-go`: interop with Apache dubbo-go's Triple implementation (test/interop/dubbo-go.peer.ts).
// Separate from the default `npm test` because it builds a Go peer (test/dubbo-go/build.sh) first.
export default defineConfig({
  test: {
    include: ["test/interop/dubbo-go.peer.ts"],
    testTimeout: 60_000,
    hookTimeout: 900_000,
    pool: "forks",
    setupFiles: ["test/support/guard-unhandled.ts"],
  },
});
