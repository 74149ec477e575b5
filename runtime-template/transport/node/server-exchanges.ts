import type { IncomingMessage, ServerResponse } from "node:http";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import type { TripleUnaryExchange } from "../../server/server-triple-unary.js";
import { tripleRespondHttp2 } from "../../server/server-triple-unary-call.js";
import { Code } from "../../protocol/status-code.js";
import { TripleError } from "../../protocol/triple-error.js";
import { tripleErrorBody } from "../../protocol/triple-unary.js";

/** The query string of a request target, without `?` (empty when there is none). */
function exchangeQuery(target: string): string {
  const mark = target.indexOf("?");
  return mark < 0 ? "" : target.slice(mark + 1);
}

/** How long a connection closed after an early response keeps discarding request bytes (see below). */
const exchangeLingerMs = 2_000;

/** Adapts an HTTP/2 stream that carries a Triple-unary (non-gRPC) request. */
export function http2Exchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): TripleUnaryExchange {
  let requestEnded = false;
  stream.once("end", () => (requestEnded = true));
  return {
    http1: false,
    method: headers[":method"] ?? "",
    path: (headers[":path"] ?? "").split("?")[0] ?? "",
    query: exchangeQuery(headers[":path"] ?? ""),
    headers,
    socket: stream.session?.socket as TripleUnaryExchange["socket"],
    readBody(onChunk, onEnd) {
      stream.on("data", onChunk);
      stream.once("end", onEnd);
    },
    respond(status, responseHeaders, body) {
      tripleRespondHttp2(stream, status, { ...responseHeaders }, body, requestEnded);
    },
    onAbort(listener) {
      // "aborted" is not emitted for every stream that goes away unanswered (a session destroyed under
      // it, for one): a close before the response is sent counts as an abort too.
      let fired = false;
      const abort = (): void => {
        if (fired) return;
        fired = true;
        listener();
      };
      stream.once("aborted", abort);
      stream.once("close", () => {
        if (!stream.headersSent) abort();
      });
    },
  };
}

/**
 * Adapts an HTTP/1.1 request/response pair (Triple-unary over HTTP/1.1). With `expectContinue`
 * (the request carried `Expect: 100-continue`), `100 Continue` is sent only when the body is read,
 * so a request refused on its headers is never uploaded.
 */
export function http1Exchange(request: IncomingMessage, response: ServerResponse, expectContinue = false): TripleUnaryExchange {
  let continued = !expectContinue;
  return {
    http1: true,
    method: request.method ?? "",
    path: (request.url ?? "/").split("?")[0] ?? "/",
    query: exchangeQuery(request.url ?? ""),
    headers: request.headers as IncomingHttpHeaders,
    socket: request.socket,
    readBody(onChunk, onEnd) {
      if (!continued) {
        continued = true;
        response.writeContinue();
      }
      request.on("data", onChunk);
      request.once("end", onEnd);
    },
    respond(status, responseHeaders: OutgoingHttpHeaders, body, close) {
      if (response.headersSent || response.destroyed) return;
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      // Refused before `100 Continue`: the client may or may not send the body now, so the
      // connection cannot be reused (the next bytes could be either).
      const closing = close === true || (!continued && !request.complete);
      const headers: OutgoingHttpHeaders = { ...responseHeaders, "content-length": bytes.length };
      if (closing) {
        headers["connection"] = "close";
        if (!request.complete) http1LingeringClose(request.socket);
      }
      try {
        response.writeHead(status, headers as Record<string, string | string[] | number>);
      } catch {
        // Header values node:http refuses (from metadata): send the status and body without them.
        if (response.headersSent) return;
        const plain: Record<string, string | number> = { "content-type": "application/json", "content-length": bytes.length };
        if (closing) plain["connection"] = "close";
        response.writeHead(status, plain);
      }
      response.end(bytes);
    },
    onAbort(listener) {
      response.once("close", () => {
        if (!response.writableFinished) listener();
      });
    },
  };
}

/**
 * Makes the close that follows a `Connection: close` response a lingering one (as nginx does): the
 * server half-closes after the response and keeps reading and discarding the unwanted request body
 * for a moment, rather than closing a socket with unread bytes — which makes the kernel send a
 * reset that can destroy the response before the client reads it. Memory stays bounded: the bytes
 * are dropped as they arrive, and the socket is destroyed after {@link exchangeLingerMs}.
 */
function http1LingeringClose(socket: Socket): void {
  // node:http ends a `Connection: close` response's socket with destroySoon(): end, then destroy.
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), exchangeLingerMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
}

/**
 * Tells a plaintext connection's protocol from its first bytes: HTTP/2 prior knowledge starts with
 * the preface `PRI * HTTP/2.0`, anything else is HTTP/1 (`POST`, `PUT`… differ from it by the second
 * byte at the latest). Waits until the bytes decide it, however they are split into chunks, then
 * puts them back and calls `decided` with the socket paused; a connection that sends nothing is
 * closed after `idleMs` (0: never).
 */
export function exchangeSniff(socket: Socket, idleMs: number, decided: (http2: boolean) => void): void {
  const preface = "PRI ";
  let seen: Buffer = Buffer.alloc(0);
  const onTimeout = (): void => {
    socket.destroy();
  };
  if (idleMs > 0) socket.setTimeout(idleMs, onTimeout);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const head = seen.subarray(0, preface.length).toString("latin1");
    if (head.length < preface.length && preface.startsWith(head)) return; // undecided yet
    socket.off("data", onData);
    socket.off("timeout", onTimeout);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    decided(head === preface);
  };
  socket.on("data", onData);
}

/**
 * Answers an HTTP/1.1 request node:http could not parse, then closes the connection: a header block
 * over `maxHeaderListBytes` gets 431 with a Triple JSON RESOURCE_EXHAUSTED error (as over HTTP/2),
 * a request that timed out 408 (DEADLINE_EXCEEDED), any other malformed request 400. A socket that can
 * no longer be written to, or whose response has begun (a Connect or gRPC-Web upload still running at
 * `requestTimeout`), is just destroyed: a status written into a started body would corrupt it.
 */
export function exchangeHttp1ClientError(error: Error & { code?: string }, socket: Socket, maxHeaderBytes: number): void {
  // node:http's own handler asks the same: the response it is writing on this socket (a kept-alive
  // connection's earlier responses are done and detached) has not sent its head.
  const writing = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (!socket.writable || writing?.headersSent === true) {
    socket.destroy();
    return;
  }
  const overflow = error.code === "HPE_HEADER_OVERFLOW";
  // node:http's headersTimeout/requestTimeout ran out (a slow or stalled request).
  const timeout = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
  const status = overflow ? "431 Request Header Fields Too Large" : timeout ? "408 Request Timeout" : "400 Bad Request";
  const body = tripleErrorBody(
    overflow
      ? new TripleError(Code.RESOURCE_EXHAUSTED, `request headers exceed the maximum of ${maxHeaderBytes} bytes`)
      : timeout
        ? new TripleError(Code.DEADLINE_EXCEEDED, "request not received in time")
        : new TripleError(Code.INVALID_ARGUMENT, "malformed HTTP/1.1 request"),
  );
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
