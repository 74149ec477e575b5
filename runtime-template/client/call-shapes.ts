import type { SendOptions } from "./call-options.js";

/** The response side of a streaming call: `recv()` or `for await`, plus headers and trailers. */
export interface ResponseStream<O> extends AsyncIterable<O> {
  /** The next message; rejects with an error for which {@link isEnded} is true at the normal end. */
  recv(): Promise<O>;
  /** Response headers (empty if the call failed before any arrived). */
  readonly headers: Promise<Headers>;
  /** Response trailers, once the call has ended. */
  readonly trailers: Promise<Headers>;
}

/** A server-streaming call: one request sent, a stream of responses. */
export interface ServerStreamingCall<O> extends ResponseStream<O> {
  /** Stops receiving; cancels the call (RST_STREAM CANCEL) if the server has not finished. */
  close(): void;
}

/** A client-streaming call: a stream of requests, one response. */
export interface ClientStreamingCall<I, O> {
  /** Sends a request message; resolves when HTTP/2 flow control lets more be sent. */
  send(message: I, options?: SendOptions): Promise<void>;
  /** Ends the request stream and waits for the single response. */
  closeAndRecv(): Promise<O>;
  /** Cancels the call. */
  cancel(): void;
  readonly headers: Promise<Headers>;
  readonly trailers: Promise<Headers>;
}

/** A bidirectional call: requests and responses interleave. */
export interface BidiStreamingCall<I, O> extends ResponseStream<O> {
  /** Sends a request message; resolves when HTTP/2 flow control lets more be sent. */
  send(message: I, options?: SendOptions): Promise<void>;
  /** Ends the request stream (half-close); responses can still be received. */
  closeRequest(): void;
  /** Stops receiving; cancels the call if it has not ended yet. */
  closeResponse(): void;
}
