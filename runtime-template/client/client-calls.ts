import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

/** What closing a client needs from one of its calls. */
export interface ClientCallHandle {
  /**
   * Ends the call's stream now: a call still running fails with `reason` (RST_STREAM CANCEL); one whose
   * status already arrived keeps it, only its lingering stream is reset.
   */
  shutdown(reason: TripleError): void;
}

/** Default time `client.close()` lets calls in flight finish before cancelling them: 5 s. */
export const clientDefaultCloseGraceMs = 5_000;

/**
 * The calls of one client whose streams are still open, so that `close()` can wait for them — and
 * only for a bounded time: a bidi call left open, or a response nobody drains, must not make
 * `close()` hang. Calls join when they open a stream and leave when it closes.
 */
export class ClientCalls {
  private readonly open = new Set<ClientCallHandle>();
  private waiters: (() => void)[] = [];

  add(call: ClientCallHandle): void {
    this.open.add(call);
  }

  delete(call: ClientCallHandle): void {
    if (!this.open.delete(call) || this.open.size > 0 || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Number of calls whose streams are open. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Resolves once every open call ended, or after `graceMs`, when the calls still open are shut down
   * with CANCELLED ("client closed") and it resolves at once. The timer does not hold the process.
   */
  drain(graceMs: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const reason = new TripleError(Code.CANCELLED, `client closed: call cancelled after the ${graceMs} ms close grace period`);
        for (const call of [...this.open]) call.shutdown(reason);
        resolve();
      }, graceMs);
      timer.unref?.();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
