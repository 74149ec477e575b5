import type { InterceptedStreamResponse } from "../protocol/interceptor.js";
import { Code } from "../protocol/status-code.js";
import { streamEndedError, TripleError } from "../protocol/triple-error.js";
import type { CallOptions } from "./call-options.js";

/** An abort signal of the call's own that also follows the caller's while the call runs. */
export interface ClientLinkedSignal {
  /** What the interceptors see as the request's signal; `abort` (the caller's close/cancel) aborts it. */
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** Stops following the caller's signal (its listener is removed). */
  dispose(): void;
  /**
   * The signal the call itself runs with, for the `chosen` one the interceptors passed on. When they
   * kept {@link signal}: the caller's own signal — the call (and each retry attempt) removes its
   * listener from it when it ends — with `cancel` run when this link aborts for another reason (the
   * caller's close/cancel). Otherwise `chosen`.
   */
  callSignal(chosen: AbortSignal, cancel: () => void): AbortSignal;
  /** Disposes the link once `ended` settles (the call ended, however it ended). */
  disposeWhen(ended: Promise<unknown>): void;
}

/**
 * A signal a caller's `close()` / `cancel()` can abort for an intercepted streaming call (its chain
 * may not have started the call yet), aborted too when the caller's own `signal` is — until the call
 * ends: no listener stays on a long-lived caller signal after its calls are over, read or not.
 */
export function clientLinkSignal(outer: AbortSignal | undefined): ClientLinkedSignal {
  const controller = new AbortController();
  const signal = controller.signal;
  const abort = (reason: unknown): void => controller.abort(reason);
  if (outer === undefined) {
    return { signal, abort, dispose: () => undefined, callSignal: (chosen) => chosen, disposeWhen: () => undefined };
  }
  if (outer.aborted) controller.abort(outer.reason);
  const forward = (): void => controller.abort(outer.reason);
  outer.addEventListener("abort", forward, { once: true });
  const dispose = (): void => outer.removeEventListener("abort", forward);
  return {
    signal,
    abort,
    dispose,
    callSignal(chosen, cancel) {
      if (chosen !== signal || signal.aborted) return chosen;
      // The caller's abort reaches the call directly (with its reason); this link's own aborts by `cancel`.
      signal.addEventListener(
        "abort",
        () => {
          if (!outer.aborted) cancel();
        },
        { once: true },
      );
      return outer;
    },
    disposeWhen(ended) {
      void ended.then(dispose, dispose);
    },
  };
}

/**
 * Sends every message of `source` with `send`, awaiting each (flow control). A send that fails means the
 * call ended (its status comes through the response): stop. A source that throws fails the call (`fail`).
 */
export async function clientPump(source: AsyncIterable<object>, send: (message: object) => Promise<void>, fail: () => void): Promise<void> {
  try {
    for await (const message of source) {
      try {
        await send(message);
      } catch {
        return;
      }
    }
  } catch {
    fail();
  }
}

/** The response side of an intercepted streaming call, as the caller reads it. */
export interface ClientInterceptedResponses<O> {
  readonly headers: Promise<Headers>;
  /** The response trailers, once the response stream was read to its end (or failed, or was closed). */
  readonly trailers: Promise<Headers>;
  next(): Promise<IteratorResult<O, undefined>>;
  recv(): Promise<O>;
  close(): void;
  iterator(): AsyncIterator<O, undefined>;
}

/**
 * Reads the response stream an interceptor chain returned: headers once the chain resolved, messages
 * from its iterable, trailers when that ends. The caller's `onHeader` / `onTrailer` see what the
 * interceptors return. A chain that failed (an interceptor threw) fails every read with its error.
 */
export function clientInterceptedResponses<O>(
  response: Promise<InterceptedStreamResponse>,
  options: CallOptions | undefined,
  link: ClientLinkedSignal,
): ClientInterceptedResponses<O> {
  let iterator: AsyncIterator<object> | undefined;
  let known: InterceptedStreamResponse | undefined;
  let ended = false;
  let resolveTrailers!: (trailers: Headers) => void;
  const trailers = new Promise<Headers>((resolve) => (resolveTrailers = resolve));
  const end = (metadata: Headers): void => {
    if (ended) return;
    ended = true;
    link.dispose();
    try {
      options?.onTrailer?.(metadata);
    } finally {
      resolveTrailers(metadata);
    }
  };
  const headers = response.then(
    (r) => {
      known = r;
      options?.onHeader?.(r.header);
      return r.header;
    },
    (error: unknown) => {
      end(error instanceof TripleError ? error.metadata : new Headers());
      return new Headers();
    },
  );
  const next = async (): Promise<IteratorResult<O, undefined>> => {
    const r = await response;
    if (ended && iterator === undefined) throw new TripleError(Code.CANCELLED, "call was cancelled");
    iterator ??= r.message[Symbol.asyncIterator]();
    try {
      const step = await iterator.next();
      if (step.done === true) {
        end(r.trailer);
        return { done: true, value: undefined };
      }
      return { done: false, value: step.value as O };
    } catch (error) {
      end(r.trailer);
      throw error;
    }
  };
  const close = (): void => {
    if (ended) return;
    link.abort(new TripleError(Code.CANCELLED, "call was cancelled"));
    void iterator?.return?.()?.catch(() => undefined);
    end(known?.trailer ?? new Headers());
  };
  return {
    headers,
    trailers,
    next,
    recv: () =>
      next().then((step) => {
        if (step.done === true) throw streamEndedError();
        return step.value;
      }),
    close,
    iterator: () => ({
      next,
      return: () => {
        close();
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
}

/** The one response of a client-streaming call as a stream of one. */
export function clientPromiseStream<O>(single: Promise<O>): AsyncIterable<O> {
  return {
    [Symbol.asyncIterator]() {
      let done = false;
      return {
        next: async (): Promise<IteratorResult<O, undefined>> => {
          if (done) return { done: true, value: undefined };
          done = true;
          return { done: false, value: await single };
        },
      };
    },
  };
}
