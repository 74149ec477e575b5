import { grpcDeadlineTimer } from "../protocol/grpc-timeout.js";
import { Code } from "../protocol/status-code.js";
import { toTripleError, TripleError } from "../protocol/triple-error.js";
import type { HandlerContext } from "./server-context.js";

/**
 * A call in flight as its lifecycle sees it, whatever its kind and protocol: the streaming gRPC
 * `ServerCall`, the lean unary `ServerUnaryCall` and a Triple-unary exchange all implement it.
 */
export interface ServerCallControl {
  readonly ctx: HandlerContext;
  /** Whether the status was already sent (or the stream is gone). */
  readonly done: boolean;
  /** Fails pending and future request reads: the handler will get no more messages. */
  abortReceive(error: TripleError): void;
  /** Ends the call with OK, or with the status of `error`. */
  finish(error?: TripleError): void;
}

/**
 * The one owner of every server call's lifecycle: registration of calls in flight, their deadlines,
 * cancellation by the client, handler failures (reported to the server's `onError`) and shutdown.
 * Every protocol's call path goes through it, so a deadline, a cancel or a shutdown ends a call the
 * same way whichever protocol carried it.
 */
export class ServerCallLifecycle {
  private readonly calls = new Set<ServerCallControl>();
  private readonly onError: ((error: unknown, ctx: HandlerContext) => void) | undefined;
  private shutdownReason: TripleError | undefined;

  constructor(onError: ((error: unknown, ctx: HandlerContext) => void) | undefined) {
    this.onError = onError;
  }

  /** Number of calls in flight. */
  get size(): number {
    return this.calls.size;
  }

  /**
   * Registers a call as in flight: shutdown will end it. A call that arrives after shutdown began is
   * ended at once with the shutdown status.
   */
  track(call: ServerCallControl): void {
    if (this.shutdownReason !== undefined) return this.end(call, this.shutdownReason);
    this.calls.add(call);
  }

  /** The call is over: no longer in flight. */
  untrack(call: ServerCallControl): void {
    this.calls.delete(call);
  }

  /**
   * Starts the call's deadline: when it passes, the handler's signal aborts, reads fail and the call
   * ends with DEADLINE_EXCEEDED. Returns the function that clears the timer.
   */
  deadline(call: ServerCallControl, timeoutMs: number): () => void {
    return grpcDeadlineTimer(timeoutMs, () => this.end(call, new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded")));
  }

  /** The client went away or reset the call: the handler's signal aborts and reads fail (no status is sent). */
  cancelled(call: ServerCallControl, message = "client cancelled the call"): void {
    if (call.done) return;
    const error = new TripleError(Code.CANCELLED, message);
    call.ctx.abort(error);
    call.abortReceive(error);
  }

  /**
   * Ends a call whose handler threw or rejected. Errors that are not a TripleError go to `onError`
   * and reach the client as UNKNOWN "internal error", without their message.
   */
  fail(call: ServerCallControl, error: unknown): void {
    if (call.done) return;
    if (!(error instanceof TripleError)) this.report(error, call.ctx);
    call.finish(toTripleError(error, "internal error"));
  }

  /** Hands an unexpected error to the server's `onError` hook (which must not take the server down). */
  report(error: unknown, ctx: HandlerContext): void {
    try {
      this.onError?.(error, ctx);
    } catch {
      // A failing error hook must not take the server down.
    }
  }

  /**
   * Ends every call in flight, and every call that still arrives, with `reason` (UNAVAILABLE at
   * shutdown: a reset would read as CANCELLED, the client's own doing).
   */
  shutdown(reason: TripleError): void {
    this.shutdownReason = reason;
    for (const call of [...this.calls]) this.end(call, reason);
  }

  private end(call: ServerCallControl, error: TripleError): void {
    if (call.done) return;
    call.ctx.abort(error);
    call.abortReceive(error);
    call.finish(error);
  }
}
