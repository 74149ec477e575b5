import { Code } from "../protocol/status-code.js";
import { streamLastStep, streamStep } from "../protocol/stream-steps.js";
import { TripleError } from "../protocol/triple-error.js";
import type { CallOptions } from "./call-options.js";
import type { ServerStreamingCall } from "./call-shapes.js";

/**
 * When and how a client retries a failed call: gRPC's retry policy. Only calls that are safe to repeat
 * are retried — unary calls, and server-streaming calls before their first response message — and only
 * within the call's deadline.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; default 3 (1 disables retries). */
  readonly maxAttempts?: number;
  /** Backoff before the first retry, before jitter; default 100 ms. */
  readonly initialBackoffMs?: number;
  /** Upper bound of any backoff; default 5,000 ms. */
  readonly maxBackoffMs?: number;
  /** Growth of the backoff per attempt; default 2. */
  readonly backoffMultiplier?: number;
  /** Status codes that are retried; default `[Code.UNAVAILABLE]`. */
  readonly retryableCodes?: readonly Code[];
}

/** A retry policy with every default applied. */
export interface ClientRetry {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly retryableCodes: readonly Code[];
}

/** Applies the defaults to a retry policy; undefined (no retries) without one or with `maxAttempts` ≤ 1. */
export function clientResolveRetry(policy: RetryPolicy | undefined): ClientRetry | undefined {
  if (policy === undefined) return undefined;
  const maxAttempts = Math.floor(policy.maxAttempts ?? 3);
  if (!(maxAttempts > 1)) return undefined;
  return {
    maxAttempts,
    initialBackoffMs: Math.max(0, policy.initialBackoffMs ?? 100),
    maxBackoffMs: Math.max(0, policy.maxBackoffMs ?? 5_000),
    backoffMultiplier: Math.max(1, policy.backoffMultiplier ?? 2),
    retryableCodes: policy.retryableCodes ?? [Code.UNAVAILABLE],
  };
}

/**
 * How long to wait before attempt `attempt + 1` after `error`, or undefined when it must not be retried:
 * a code the policy does not list, the last attempt, or a server that says no. The server's
 * `grpc-retry-pushback-ms` wins over the backoff (a negative or malformed value means "do not retry");
 * otherwise the backoff is exponential with full jitter (uniform in [0, backoff]), as gRPC does.
 */
export function clientRetryDelay(retry: ClientRetry, attempt: number, error: unknown): number | undefined {
  if (attempt >= retry.maxAttempts || !(error instanceof TripleError)) return undefined;
  if (!retry.retryableCodes.includes(error.code as Code)) return undefined;
  const pushback = error.metadata.get("grpc-retry-pushback-ms");
  if (pushback !== null) return /^\d{1,9}$/.test(pushback.trim()) ? Number(pushback.trim()) : undefined;
  const backoff = Math.min(retry.maxBackoffMs, retry.initialBackoffMs * retry.backoffMultiplier ** (attempt - 1));
  return Math.random() * backoff;
}

/**
 * The options of one attempt: what is left of the call's deadline, or undefined when it would run out
 * before the attempt starts (`delayMs` from now).
 */
function attemptOptions(options: CallOptions | undefined, deadline: number | undefined, delayMs: number): CallOptions | undefined | false {
  if (deadline === undefined) return options;
  const left = deadline - Date.now() - delayMs;
  if (left <= 0) return false;
  return { ...options, timeoutMs: left };
}

/** Waits `ms`, unless the call's signal aborts first (then rejects with CANCELLED). */
function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new TripleError(Code.CANCELLED, "call was cancelled", { cause: signal.reason }));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new TripleError(Code.CANCELLED, "call was cancelled", { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs a unary call under a retry policy: attempts share the call's deadline. */
export async function clientRetryUnary<O>(
  retry: ClientRetry,
  timeoutMs: number | undefined,
  options: CallOptions | undefined,
  attempt: (options: CallOptions | undefined) => Promise<O>,
): Promise<O> {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let current = options;
  for (let n = 1; ; n++) {
    try {
      return await attempt(current);
    } catch (error) {
      const delay = clientRetryDelay(retry, n, error);
      const next = delay === undefined ? false : attemptOptions(options, deadline, delay);
      if (delay === undefined || next === false) throw error;
      await backoff(delay, options?.signal);
      current = next;
    }
  }
}

/**
 * A server-streaming call under a retry policy: until the first response message arrives, a
 * retryable failure starts the call again (the request is repeated); from then on, failures are final.
 */
export function clientRetryServerStream<O>(
  retry: ClientRetry,
  timeoutMs: number | undefined,
  options: CallOptions | undefined,
  start: (options: CallOptions | undefined) => ServerStreamingCall<O>,
): ServerStreamingCall<O> {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  let call = start(options);
  let attempt = 1;
  let received = false;
  let closed = false;
  const recv = async (): Promise<O> => {
    for (;;) {
      try {
        const message = await call.recv();
        received = true;
        return message;
      } catch (error) {
        const delay = received || closed ? undefined : clientRetryDelay(retry, attempt, error);
        const next = delay === undefined ? false : attemptOptions(options, deadline, delay);
        if (delay === undefined || next === false) throw error;
        await backoff(delay, options?.signal);
        if (closed) throw error;
        attempt++;
        call = start(next);
      }
    }
  };
  return {
    recv,
    close: () => {
      closed = true;
      call.close();
    },
    get headers() {
      return call.headers;
    },
    get trailers() {
      return call.trailers;
    },
    [Symbol.asyncIterator]: () => ({
      next: () => recv().then(streamStep, streamLastStep),
      return: () => {
        closed = true;
        call.close();
        return Promise.resolve({ value: undefined, done: true as const });
      },
    }),
  };
}
