import { Code } from "./status-code.js";
import { TripleError } from "./triple-error.js";

interface ChannelItem<T> {
  readonly value: T;
  readonly taken: () => void;
  readonly dropped: (reason: unknown) => void;
}

interface ChannelReader<T> {
  readonly resolve: (step: IteratorResult<T, undefined>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Turns pushed messages into an async iterable, with backpressure: `push()` resolves when the reader
 * took the message, so a producer that awaits it never runs more than one message ahead. Interceptors
 * see streams as iterables; this adapts the push-shaped sides (a handler's `send()`, a caller's
 * `send()`) to them. One reader only.
 */
export class MessageChannel<T> implements AsyncIterable<T>, AsyncIterator<T, undefined> {
  private readonly queue: ChannelItem<T>[] = [];
  private waiting: ChannelReader<T> | undefined;
  private ended = false;
  private error: unknown;
  private failed = false;
  /** What `push()` rejects with once the reader stopped reading. */
  private abandoned: unknown;

  /**
   * Adds a message; resolves when the reader took it, rejects if the reader stopped (or the channel
   * was failed or closed).
   */
  push(value: T): Promise<void> {
    if (this.abandoned !== undefined) return Promise.reject(this.abandoned);
    if (this.failed) return Promise.reject(this.error);
    if (this.ended) return Promise.reject(new TripleError(Code.FAILED_PRECONDITION, "stream is closed"));
    return new Promise((resolve, reject) => {
      const waiting = this.waiting;
      if (waiting !== undefined) {
        this.waiting = undefined;
        resolve();
        waiting.resolve({ done: false, value });
      } else {
        this.queue.push({ value, taken: resolve, dropped: reject });
      }
    });
  }

  /** Ends the stream after the messages already pushed (the reader then sees `done`). */
  close(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.wake();
  }

  /** Ends the stream with an error, thrown to the reader after the messages already pushed. */
  fail(error: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.error = error;
    this.wake();
  }

  /** The reader stops: pending and later pushes reject with `reason`. */
  abandon(reason: unknown): void {
    if (this.abandoned !== undefined) return;
    this.abandoned = reason;
    this.ended = true;
    for (const item of this.queue.splice(0)) item.dropped(reason);
    this.wake();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const item = this.queue.shift();
    if (item !== undefined) {
      item.taken();
      return Promise.resolve({ done: false, value: item.value });
    }
    if (this.failed) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.abandon(new TripleError(Code.CANCELLED, "stream is no longer read"));
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return this;
  }

  private wake(): void {
    const waiting = this.waiting;
    if (waiting === undefined || this.queue.length > 0) return;
    this.waiting = undefined;
    if (this.failed) waiting.reject(this.error);
    else waiting.resolve({ done: true, value: undefined });
  }
}
