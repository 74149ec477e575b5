import type { IncomingMessage, ServerResponse } from "node:http";
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { CorsPolicy } from "../../server/cors.js";
import type { ServerDispatcher } from "../../server/server-dispatch.js";
import { serverBodyProtocol } from "../../server/server-web-routing.js";
import { http1PseudoHeaders, http1ServerStream } from "./http1-stream.js";
import { http1Exchange, http2Exchange } from "./server-exchanges.js";

// Which protocol of the family a request speaks, decided on its headers, and CORS around all of them:
// gRPC (`application/grpc…`, HTTP/2 only) → `serveStream`; Connect streaming (`application/connect+…`)
// and gRPC-Web (`application/grpc-web…`) → `serveBody`, over HTTP/2 or HTTP/1.1; everything else
// (Connect/Triple unary POST and Connect GET, and what is refused) → `serveExchange`.

/** Response headers a browser never needs to be allowed to read (CORS-safelisted or protocol framing). */
const corsNotExposed = new Set(["content-type", "content-length", "date", "vary", "allow", "accept-post"]);

/** The names of `headers` a browser client should be able to read (metadata, trailers as headers). */
function corsExtraExposed(headers: Record<string, unknown> | undefined): string[] {
  if (headers === undefined) return [];
  return Object.keys(headers).filter((name) => name.charCodeAt(0) !== 58 && !corsNotExposed.has(name.toLowerCase()) && !name.toLowerCase().startsWith("access-control-"));
}

/**
 * The CORS headers for a response that already has `vary` (a handler's) or not: CORS's `Vary: Origin`
 * is added to the response's own list, never replacing it (a cache needs both).
 */
function corsHeadersFor(cors: CorsPolicy, origin: string | undefined, exposed: string[], vary: unknown): Record<string, string> {
  const headers = cors.responseHeaders(origin, exposed);
  const own = headers["vary"];
  if (own !== undefined && vary !== undefined && vary !== "") headers["vary"] = `${String(vary)}, ${own}`;
  return headers;
}

/** Serves one HTTP/2 request (after the header-size check). */
export function nodeServeHttp2(dispatcher: ServerDispatcher, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const cors = dispatcher.settings.cors;
  if (cors !== undefined && nodeCorsHttp2(cors, stream, headers)) return;
  if (dispatcher.isGrpc(headers)) return dispatcher.serveStream(stream, headers);
  const body = serverBodyProtocol(headers["content-type"]);
  if (body !== undefined) return dispatcher.serveBody(stream, headers, body, false);
  if (!dispatcher.serveUnaryPost(stream, headers)) dispatcher.serveExchange(http2Exchange(stream, headers));
}

/** Serves one HTTP/1.1 request; `expectContinue`: it carried `Expect: 100-continue`. */
export function nodeServeHttp1(dispatcher: ServerDispatcher, request: IncomingMessage, response: ServerResponse, expectContinue = false): void {
  const cors = dispatcher.settings.cors;
  if (cors !== undefined && nodeCorsHttp1(cors, request, response)) return;
  const body = serverBodyProtocol(request.headers["content-type"]);
  if (body !== undefined) {
    if (expectContinue && request.method === "POST") response.writeContinue();
    return dispatcher.serveBody(http1ServerStream(request, response), http1PseudoHeaders(request), body, true);
  }
  dispatcher.serveExchange(http1Exchange(request, response, expectContinue));
}

/**
 * CORS on an HTTP/2 request: answers a preflight (returns true), or makes the response carry the CORS
 * headers, exposing every header it sends besides the standard ones. Requests without an `Origin` go
 * through it too: their responses still say `Vary: Origin` when the answer depends on it.
 */
function nodeCorsHttp2(cors: CorsPolicy, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
  const preflight = cors.preflight(headers[":method"] ?? "", headers);
  if (preflight !== undefined) {
    if (!stream.destroyed && !stream.closed) stream.respond({ ...preflight.headers, ":status": preflight.status }, { endStream: true });
    return true;
  }
  const origin = headers.origin;
  const respond = stream.respond;
  stream.respond = function corsRespond(this: ServerHttp2Stream, out?: OutgoingHttpHeaders, options?: Parameters<ServerHttp2Stream["respond"]>[1]) {
    return respond.call(this, { ...out, ...corsHeadersFor(cors, origin, corsExtraExposed(out), out?.["vary"]) }, options);
  };
  return false;
}

/** CORS on an HTTP/1.1 request (see {@link nodeCorsHttp2}). */
function nodeCorsHttp1(cors: CorsPolicy, request: IncomingMessage, response: ServerResponse): boolean {
  const preflight = cors.preflight(request.method ?? "", request.headers);
  if (preflight !== undefined) {
    response.writeHead(preflight.status, { ...preflight.headers, "content-length": 0 });
    response.end();
    // A preflight has no body; anything sent anyway is drained so the connection stays usable.
    request.resume();
    return true;
  }
  const origin = request.headers.origin;
  const writeHead = response.writeHead;
  response.writeHead = function corsWriteHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    const last = rest[rest.length - 1];
    const given = last !== null && typeof last === "object" && !Array.isArray(last) ? (last as Record<string, unknown>) : undefined;
    const names = [...corsExtraExposed(given), ...corsExtraExposed(Object.fromEntries(this.getHeaderNames().map((n) => [n, 1])))];
    const vary = (given === undefined ? undefined : (given["vary"] ?? given["Vary"])) ?? this.getHeader("vary");
    const headers = corsHeadersFor(cors, origin, names, vary);
    // writeHead's own headers win over setHeader's: a handler's `vary` there gets the merged value.
    const merged = headers["vary"];
    if (given !== undefined && merged !== undefined) {
      delete given["Vary"];
      given["vary"] = merged;
    }
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as ServerResponse["writeHead"];
  return false;
}
