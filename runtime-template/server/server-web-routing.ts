import { connectParseContentType, connectTimeoutParse } from "../protocol/connect/connect-protocol.js";
import { grpcTimeoutParse } from "../protocol/grpc-timeout.js";
import { grpcWebContentType, grpcWebParseContentType } from "../protocol/grpc-web/grpcweb-protocol.js";
import type { IncomingHeaders } from "../protocol/metadata.js";
import { Code } from "../protocol/status-code.js";
import { toTripleError, TripleError } from "../protocol/triple-error.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import type { ServerRoute } from "./server-handlers.js";
import { serverRespond, serverRouteLookup, type ServerRouteTable } from "./server-routing.js";
import { serverCallSettingsResolve, type ServerCallSettings, type ServerSettings } from "./server-settings.js";
import { serverConnectWire, serverGrpcWebWire, type ServerWire } from "./server-wire.js";

/** The protocols served on `ServerCall` with the status in the body (see `server-wire.ts`). */
export type ServerBodyProtocol = "connect" | "grpc-web";

/**
 * Which body-status protocol a request speaks by its content type: `connect` for
 * `application/connect+proto|json` (Connect streaming), `grpc-web` for `application/grpc-web…`;
 * undefined for anything else (gRPC, Connect/Triple unary, unknown).
 */
export function serverBodyProtocol(contentType: string | string[] | undefined): ServerBodyProtocol | undefined {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower.startsWith("application/connect+")) return "connect";
  if (lower.startsWith("application/grpc-web")) return "grpc-web";
  return undefined;
}

/** A resolved body-status call: the route, its settings, its wire strategy and its timeout. */
export interface ServerWebTarget {
  readonly route: ServerRoute;
  readonly settings: ServerCallSettings;
  readonly wire: ServerWire;
  readonly timeoutMs: number | undefined;
}

/**
 * Validates a Connect-streaming or gRPC-Web request and finds its route, as connect-go does: not POST
 * → 405; an unknown codec → 415 (empty body); then, with a 200 response whose body ends in the
 * protocol's status frame: an unknown path or group/version (UNIMPLEMENTED), a unary method called
 * with a Connect streaming content type (415, Connect unary is `application/proto`), bidi over
 * HTTP/1.1 (505, it needs full duplex), an unknown message encoding (UNIMPLEMENTED), a bad timeout
 * (INVALID_ARGUMENT). On failure the response is sent here and undefined returned.
 */
export function serverWebResolve(
  table: ServerRouteTable,
  settings: ServerSettings,
  stream: ServerStreamLike,
  headers: IncomingHeaders,
  protocol: ServerBodyProtocol,
  http1: boolean,
): ServerWebTarget | undefined {
  const rawType = String(headers["content-type"] ?? "");
  const method = String(headers[":method"] ?? "");
  if (method !== "POST") {
    serverRespond(stream, { ":status": 405, allow: "POST" });
    return undefined;
  }
  let codec: "proto" | "json";
  let wire: ServerWire;
  let contentType: string;
  if (protocol === "connect") {
    const parsed = connectParseContentType(rawType);
    if (parsed === undefined || !parsed.stream) return serverUnsupportedType(stream);
    codec = parsed.codec;
    wire = serverConnectWire(headers["tri-protocol-version"] !== undefined);
    contentType = `application/connect+${codec}`;
  } else {
    const parsed = grpcWebParseContentType(rawType);
    if (parsed === undefined) return serverUnsupportedType(stream);
    codec = parsed.codec;
    wire = serverGrpcWebWire(parsed.text);
    contentType = grpcWebContentType(parsed.text, codec);
  }
  const names = wire.encodingHeaders;
  const path = String(headers[":path"] ?? "").split("?")[0] ?? "";
  const match = serverRouteLookup(table, settings.versionFallback, path, headers);
  if (typeof match === "string") return serverWebRefuse(stream, wire, contentType, settings, new TripleError(Code.UNIMPLEMENTED, match));
  const route = match.route;
  if (protocol === "connect" && route.method.kind === "unary") {
    serverRespond(stream, { ":status": 415, "accept-post": "application/json, application/proto" });
    return undefined;
  }
  if (http1 && route.method.kind === "bidi_streaming") {
    return serverWebRefuse(stream, wire, contentType, settings, new TripleError(Code.UNIMPLEMENTED, `${route.method.path} is a bidi stream: it needs HTTP/2`), 505);
  }
  let callSettings: ServerCallSettings;
  let timeoutMs: number | undefined;
  try {
    const accept = headers[names.accept];
    const acceptText = Array.isArray(accept) ? accept.join(",") : accept;
    callSettings = serverCallSettingsResolve(settings, codec, contentType, names, String(headers[names.content] ?? "").toLowerCase(), acceptText);
    timeoutMs =
      protocol === "connect"
        ? connectTimeoutParse(headers["connect-timeout-ms"])
        : grpcTimeoutParse(headers["grpc-timeout"] as string | undefined);
  } catch (error) {
    return serverWebRefuse(stream, wire, contentType, settings, toTripleError(error));
  }
  return { route, wire, timeoutMs, settings: callSettings };
}

/** Answers with 200 and the status frame alone (or `status` and no body, for HTTP-level refusals). */
function serverWebRefuse(stream: ServerStreamLike, wire: ServerWire, contentType: string, settings: ServerSettings, error: TripleError, status = 200): undefined {
  if (status !== 200) serverRespond(stream, { ":status": status, "content-type": contentType });
  else serverRespond(stream, { ":status": 200, "content-type": contentType, [wire.encodingHeaders.accept]: settings.acceptEncoding }, wire.endFrame(undefined, error));
  return undefined;
}

/** 415 with an empty body and the types that would do, as connect-go answers an unknown codec. */
function serverUnsupportedType(stream: ServerStreamLike): undefined {
  serverRespond(stream, {
    ":status": 415,
    "accept-post": "application/connect+proto, application/connect+json, application/grpc-web+proto, application/grpc-web+json, application/grpc-web-text",
  });
  return undefined;
}
