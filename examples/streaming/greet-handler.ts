// The seed's GreetTripleServer: the four GreetService methods, written like the Go sample.
import type { GreetServiceHandler } from "./gen/greet.js";
import { Code, isEnded, TripleError } from "./gen/tristub-runtime.js";

/** Echoes names back: unary, bidi (one response per request), client stream (joined), server stream (5×). */
export const greetTripleServer: GreetServiceHandler = {
  greet(request) {
    return { greeting: request.name };
  },
  async greetStream(stream) {
    for (;;) {
      let request;
      try {
        request = await stream.recv();
      } catch (error) {
        if (isEnded(error)) break;
        throw new TripleError(Code.UNKNOWN, `triple BidiStream recv error: ${String(error)}`);
      }
      await stream.send({ greeting: request.name });
    }
  },
  async greetClientStream(stream) {
    const names: string[] = [];
    for await (const request of stream) names.push(request.name);
    return { greeting: names.join(",") };
  },
  async greetServerStream(request, stream) {
    for (let i = 0; i < 5; i++) await stream.send({ greeting: request.name });
  },
};
