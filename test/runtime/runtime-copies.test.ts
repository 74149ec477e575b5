// Known limitation (reported by the interop work, not fixed here): every generated output directory
// carries its own copy of tristub-runtime.ts, and the runtime recognises its errors with
// `instanceof TripleError`. Code written against one copy (a handler importing `isEnded` /
// `TripleError` from it) served or called through another copy misbehaves:
//   - `isEnded()` of copy B is false for copy A's end-of-stream error, so the seed bidi handler
//     (`catch (e) { if (isEnded(e)) break; … }`) rethrows at the normal end of the request stream;
//   - a TripleError of copy B thrown into copy A's server is "not a TripleError" there, so the
//     client gets UNKNOWN "internal error" instead of its code and message.
// `it.fails` keeps the suite green while documenting it; drop `.fails` once the runtime brands its
// errors across copies (e.g. a `Symbol.for("tristub.TripleError")` brand checked by
// `Symbol.hasInstance`, `isEnded` and `toTripleError`).
import { describe, expect, it } from "vitest";
import * as copyA from "../../snapshots/services/tristub-runtime.js";
import * as copyB from "../../examples/streaming/gen/tristub-runtime.js";
import { createGreetServiceClient, registerGreetService } from "../../snapshots/services/greet.js";
import { greetTripleServer } from "../../examples/streaming/greet-handler.js";

describe("two generated copies of the runtime in one process", () => {
  it.fails("isEnded of one copy recognises the end-of-stream error of the other", () => {
    expect(copyB.isEnded(copyA.streamEndedError())).toBe(true);
  });

  it.fails("the seed handler (written against examples/streaming/gen) serves bidi on the snapshot runtime", async () => {
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
      // Fails today: rejects with [unknown] internal error instead of the normal end.
      await expect(stream.recv()).rejects.toSatisfy(copyA.isEnded);
    } finally {
      await client.close();
      await server.close({ graceMs: 100 });
    }
  });
});
