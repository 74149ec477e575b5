// A metrics counter: calls started and finished per method and status code, and response messages,
// kept in memory. Export `snapshot()` to your metrics system (Prometheus text, StatsD, …).
import { codeName, TripleError, type Interceptor } from "../streaming/gen/tristub-runtime.js";

/** Counters keyed `<path> <code>` (finished calls), `<path> started` and `<path> messages`. */
export interface CallMetrics {
  readonly interceptor: Interceptor;
  /** The counters so far, sorted by key. */
  snapshot(): Record<string, number>;
}

/** Creates a counter set and the interceptor that feeds it. */
export function createCallMetrics(): CallMetrics {
  const counters = new Map<string, number>();
  const add = (key: string, n = 1): void => void counters.set(key, (counters.get(key) ?? 0) + n);
  const codeOf = (error: unknown): string => (error instanceof TripleError ? codeName(error.code) : "unknown");
  const interceptor: Interceptor = (next) => async (request) => {
    const path = request.method.path;
    add(`${path} started`);
    let response;
    try {
      response = await next(request);
    } catch (error) {
      add(`${path} ${codeOf(error)}`);
      throw error;
    }
    if (!response.stream) {
      add(`${path} messages`);
      add(`${path} OK`);
      return response;
    }
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        try {
          for await (const message of messages) {
            add(`${path} messages`);
            yield message;
          }
        } catch (error) {
          add(`${path} ${codeOf(error)}`);
          throw error;
        }
        add(`${path} OK`);
      })(),
    };
  };
  return {
    interceptor,
    snapshot: () => Object.fromEntries([...counters].sort(([a], [b]) => a.localeCompare(b))),
  };
}
