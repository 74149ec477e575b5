// Logging with timing: one line when a call starts and one when it ends, with its status code and how
// long it took. For streams the end is the end of the response stream, and the line counts messages.
import { codeName, TripleError, type Interceptor } from "../streaming/gen/tristub-runtime.js";

/** Logs every call through `log` (default `console.log`); works on clients and servers alike. */
export function logging(log: (line: string) => void = console.log): Interceptor {
  return (next) => async (request) => {
    const started = performance.now();
    const elapsed = (): string => `${(performance.now() - started).toFixed(1)} ms`;
    const status = (error: unknown): string => (error instanceof TripleError ? codeName(error.code) : "unknown");
    log(`-> ${request.method.path} (${request.method.kind})`);
    try {
      const response = await next(request);
      if (!response.stream) {
        log(`<- ${request.method.path} OK ${elapsed()}`);
        return response;
      }
      const messages = response.message;
      return {
        ...response,
        message: (async function* () {
          let count = 0;
          try {
            for await (const message of messages) {
              count++;
              yield message;
            }
            log(`<- ${request.method.path} OK ${count} messages ${elapsed()}`);
          } catch (error) {
            log(`<- ${request.method.path} ${status(error)} after ${count} messages ${elapsed()}`);
            throw error;
          }
        })(),
      };
    } catch (error) {
      log(`<- ${request.method.path} ${status(error)} ${elapsed()}`);
      throw error;
    }
  };
}
