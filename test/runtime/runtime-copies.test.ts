// Every generated output directory carries its own copy of the runtime (tristub-runtime.ts and tristub/). Errors are branded
// with a registry symbol that `instanceof TripleError` checks, so code written against one copy (a
// handler importing `isEnded` / `TripleError` from it) works when served or called through another.
import { describe, expect, it } from "vitest";
import * as copyA from "../../snapshots/services/tristub-runtime.js";
import * as copyB from "../../examples/streaming/gen/tristub-runtime.js";
import { streamEndedError } from "../../snapshots/services/tristub/protocol/triple-error.js";
import { createGreetServiceClient, registerGreetService } from "../../snapshots/services/greet.js";
import { greetTripleServer } from "../../examples/streaming/greet-handler.js";

describe("two generated copies of the runtime in one process", () => {
  it("isEnded of one copy recognises the end-of-stream error of the other", () => {
    expect(copyB.isEnded(streamEndedError())).toBe(true);
  });

  it("the seed handler (written against examples/streaming/gen) serves bidi on the snapshot runtime", async () => {
    const server = copyA.createTripleServer();
    // TypeScript already refuses this mix (the copies' classes have private members), hence the cast;
    // a handler typed against one copy that imports `isEnded` from another compiles fine.
    registerGreetService(server, greetTripleServer as unknown as Parameters<typeof registerGreetService>[1]);
    const { port } = await server.listen({ port: 0 });
    const client = createGreetServiceClient({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      const stream = client.greetStream();
      await stream.send({ name: "triple" });
      expect(await stream.recv()).toEqual({ greeting: "triple" });
      stream.closeRequest();
      await expect(stream.recv()).rejects.toSatisfy(copyA.isEnded);
    } finally {
      await client.close();
      await server.close({ graceMs: 100 });
    }
  });
});
