import type { IncomingMessage, ServerResponse } from "node:http";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { TripleUnaryExchange } from "./server-triple-unary.js";

/** Adapts an HTTP/2 stream that carries a Triple-unary (non-gRPC) request. */
export function http2Exchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): TripleUnaryExchange {
  return {
    http1: false,
    method: headers[":method"] ?? "",
    path: headers[":path"] ?? "",
    headers,
    socket: stream.session?.socket as TripleUnaryExchange["socket"],
    readBody(onChunk, onEnd) {
      stream.on("data", onChunk);
      stream.once("end", onEnd);
    },
    respond(status, responseHeaders, body) {
      if (stream.destroyed || stream.headersSent) return;
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      stream.respond({ ...responseHeaders, ":status": status, "content-length": bytes.length });
      stream.end(bytes);
    },
    onAbort(listener) {
      stream.once("aborted", listener);
    },
  };
}

/** Adapts an HTTP/1.1 request/response pair (Triple-unary over HTTP/1.1). */
export function http1Exchange(request: IncomingMessage, response: ServerResponse): TripleUnaryExchange {
  return {
    http1: true,
    method: request.method ?? "",
    path: (request.url ?? "/").split("?")[0] ?? "/",
    headers: request.headers as IncomingHttpHeaders,
    socket: request.socket,
    readBody(onChunk, onEnd) {
      request.on("data", onChunk);
      request.once("end", onEnd);
    },
    respond(status, responseHeaders: OutgoingHttpHeaders, body, close) {
      if (response.headersSent || response.destroyed) return;
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      const headers: OutgoingHttpHeaders = { ...responseHeaders, "content-length": bytes.length };
      if (close === true) headers["connection"] = "close";
      response.writeHead(status, headers as Record<string, string | string[] | number>);
      response.end(bytes);
    },
    onAbort(listener) {
      response.once("close", () => {
        if (!response.writableFinished) listener();
      });
    },
  };
}
