import type { IncomingMessage, ServerResponse } from "node:http";
import type { IncomingHttpHeaders } from "node:http2";
import type { OutgoingHeaders } from "../../protocol/metadata.js";
import type { ServerStreamLike, StreamListener } from "../http2-stream.js";

/**
 * An HTTP/1.1 request/response pair shaped as the server side of an HTTP/2 stream, so that Connect
 * streaming and gRPC-Web calls over HTTP/1.1 run on the very `ServerCall` that serves them over HTTP/2:
 * `respond` writes the status line and headers, `write`/`end` the chunked body, `data`/`end` come from
 * the request body, `close` fires when the response is done or the connection went away, `aborted`
 * when the client left first. HTTP/1.1 has no trailers these protocols use, so `sendTrailers` is never
 * called; `close(code)` (a reset) destroys the connection when the response is incomplete.
 */
export function http1ServerStream(request: IncomingMessage, response: ServerResponse): ServerStreamLike {
  let closed = false;
  let aborted = false;
  response.once("close", () => {
    closed = true;
    if (!response.writableFinished) aborted = true;
  });
  const requestEvents = new Set(["data", "end"]);
  /** Maps a stream event to its node:http source: request body events, or the response's. */
  const source = (event: string): IncomingMessage | ServerResponse => (requestEvents.has(event) ? request : response);
  /** `aborted`: the response closed before it finished (the client went away). */
  const wrapped = new Map<StreamListener, StreamListener>();
  const adapt = (event: string, listener: StreamListener): [string, StreamListener] => {
    if (event !== "aborted") return [event, listener];
    let mapped = wrapped.get(listener);
    if (mapped === undefined) {
      mapped = () => {
        if (!response.writableFinished) listener();
      };
      wrapped.set(listener, mapped);
    }
    return ["close", mapped];
  };
  const stream: ServerStreamLike = {
    get closed() {
      return closed;
    },
    get destroyed() {
      return response.destroyed;
    },
    rstCode: undefined,
    get headersSent() {
      return response.headersSent;
    },
    get aborted() {
      return aborted;
    },
    session: { socket: request.socket, pendingSettingsAck: false },
    on(event, listener) {
      const [name, fn] = adapt(event, listener);
      source(name).on(name, fn);
      return stream;
    },
    once(event, listener) {
      const [name, fn] = adapt(event, listener);
      source(name).once(name, fn);
      return stream;
    },
    off(event, listener) {
      const [name, fn] = adapt(event, listener);
      source(name).off(name, fn);
      return stream;
    },
    write(chunk) {
      return response.write(chunk);
    },
    end(chunk) {
      if (chunk === undefined) response.end();
      else response.end(chunk);
      return stream;
    },
    close() {
      // The response is ended: the request body still coming is drained and the connection not reused.
      if (response.writableEnded) {
        if (!request.complete) response.shouldKeepAlive = false;
        request.resume();
        return;
      }
      response.destroy();
    },
    pause() {
      return request.pause();
    },
    resume() {
      return request.resume();
    },
    isPaused() {
      return request.isPaused();
    },
    respond(headers: OutgoingHeaders, options?: { endStream?: boolean }) {
      const out: Record<string, string | number | string[]> = {};
      let status = 200;
      for (const name of Object.keys(headers)) {
        const value = headers[name];
        if (value === undefined) continue;
        if (name === ":status") status = Number(value);
        else if (name.charCodeAt(0) !== 58) out[name] = value;
      }
      if (options?.endStream === true) {
        out["content-length"] = 0;
        response.writeHead(status, out);
        response.end();
        return;
      }
      response.writeHead(status, out);
      // Headers go out at once (a handler's early headers, a stream that sends later).
      response.flushHeaders();
    },
    sendTrailers() {
      // Not used by the protocols served over HTTP/1.1 (their status travels in the body).
    },
  };
  return stream;
}

/** The request headers of an HTTP/1.1 request with HTTP/2's pseudo-headers added (`:method`, `:path`). */
export function http1PseudoHeaders(request: IncomingMessage): IncomingHttpHeaders {
  return { ...request.headers, ":method": request.method ?? "", ":path": request.url ?? "/" } as IncomingHttpHeaders;
}
