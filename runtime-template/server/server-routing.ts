import type { IncomingHeaders, OutgoingHeaders } from "../protocol/metadata.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import { grpcPercentEncode, grpcStatusDetailsEncode } from "../protocol/grpc-status.js";
import { serverCallSettingsResolve, serverGrpcEncodingHeaders, type ServerCallSettings, type ServerSettings } from "./server-settings.js";
import type { ServerRoute } from "./server-handlers.js";
import { http2InternalErrorCode, http2ResetStream } from "../transport/http2-stream.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import { tripleErrorBody } from "../protocol/triple-unary.js";

/** Dubbo service isolation: the group and version a service implementation is exported under. */
export interface ServerRegistration {
  readonly group?: string;
  readonly version?: string;
}

/** An implementation registered for a path, with its group and version. */
export interface RegisteredRoute {
  readonly route: ServerRoute;
  readonly group: string;
  readonly version: string;
}

/** Routes by request path; a path may have several implementations, told apart by group/version. */
export type ServerRouteTable = Map<string, RegisteredRoute[]>;


/**
 * Adds routes under their path, and — as dubbo-go does for Java interop — under the path with the
 * method name's first letter lower-cased (`/greet.GreetService/greet`). A method's own path wins over
 * another method's alias. Registering the same path, group and version twice is an error.
 */
export function serverRoutes(table: ServerRouteTable, routes: readonly ServerRoute[], registration: ServerRegistration): void {
  const group = registration.group ?? "";
  const version = registration.version ?? "";
  for (const route of routes) {
    const path = route.method.path;
    const name = route.method.name;
    const alias = `/${route.method.service}/${name.charAt(0).toLowerCase()}${name.slice(1)}`;
    for (const key of alias === path ? [path] : [path, alias]) {
      const list = table.get(key) ?? [];
      const taken = list.findIndex((r) => r.group === group && r.version === version);
      if (taken >= 0) {
        if (key !== path) continue;
        // A method's own path displaces another method's lower-cased alias (`rpc call` next to `rpc Call`).
        if (list[taken]?.route.method.path === path) {
          throw new TripleError(Code.ALREADY_EXISTS, `${path} is already registered for group "${group}" version "${version}"`);
        }
        list.splice(taken, 1);
      }
      list.push({ route, group, version });
      table.set(key, list);
    }
  }
}

/**
 * Validates a gRPC request and finds its route: POST only (405), a gRPC content type (415), a known
 * path (UNIMPLEMENTED), a matching group/version (UNIMPLEMENTED), a supported `grpc-encoding`
 * (UNIMPLEMENTED). On failure the response is sent here and undefined returned.
 */
export function serverRoutesResolve(
  table: ServerRouteTable,
  settings: ServerSettings,
  stream: ServerStreamLike,
  headers: IncomingHeaders,
): [ServerRoute, ServerCallSettings] | undefined {
  const contentType = serverHeader(headers["content-type"]);
  const subtype = serverGrpcSubtype(contentType);
  if (serverHeader(headers[":method"]) !== "POST") {
    serverRespondHttp(stream, 405, { allow: "POST" });
    return undefined;
  }
  if (subtype === undefined) {
    serverRespondHttp(stream, 415, { "accept-post": "application/grpc, application/grpc+proto, application/grpc+json" });
    return undefined;
  }
  const responseType = subtype === "json" ? "application/grpc+json" : contentType.startsWith("application/grpc+proto") ? "application/grpc+proto" : "application/grpc";
  const match = serverRouteLookup(table, settings.versionFallback, serverHeader(headers[":path"]), headers);
  if (typeof match === "string") {
    serverRespondError(stream, responseType, new TripleError(Code.UNIMPLEMENTED, match));
    return undefined;
  }
  const accept = headers["grpc-accept-encoding"];
  let callSettings: ServerCallSettings;
  try {
    const encoding = serverHeader(headers["grpc-encoding"]);
    callSettings = serverCallSettingsResolve(settings, subtype, responseType, serverGrpcEncodingHeaders, encoding, accept === undefined ? undefined : serverHeader(accept));
  } catch (error) {
    serverRespondError(stream, responseType, error as TripleError, { "grpc-accept-encoding": settings.acceptEncoding });
    return undefined;
  }
  return [match.route, callSettings];
}

/**
 * Finds the implementation for a path and the request's `tri-service-group`/`tri-service-version`:
 * an exact match, or with `versionFallback` version 1.0.0 then any implementation (dubbo-java).
 * Returns the reason as a string when nothing matches.
 */
export function serverRouteLookup(
  table: ServerRouteTable,
  versionFallback: boolean,
  path: string,
  headers: IncomingHeaders,
): RegisteredRoute | string {
  const candidates = table.get(path);
  if (candidates === undefined) return `unknown method ${path}`;
  const group = serverHeader(headers["tri-service-group"]);
  const version = serverHeader(headers["tri-service-version"]);
  const match =
    candidates.find((r) => r.group === group && r.version === version) ??
    (versionFallback
      ? candidates.find((r) => r.group === group && r.version === "1.0.0") ?? candidates[0]
      : undefined);
  return match ?? `no implementation found for service group ${group} and service version ${version}`;
}

/**
 * Whether a content type is gRPC's (`application/grpc` or `application/grpc+<codec>`, any codec):
 * such requests get gRPC's answers, a codec the server lacks a plain 415 a gRPC client can read.
 */
export function serverIsGrpcContentType(contentType: string): boolean {
  const base = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return base === "application/grpc" || base.startsWith("application/grpc+");
}

/** `proto` or `json` for a gRPC content type (parameters ignored), undefined for anything else. */
export function serverGrpcSubtype(contentType: string): "proto" | "json" | undefined {
  if (contentType === "application/grpc" || contentType === "application/grpc+proto") return "proto";
  const base = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (base === "application/grpc" || base === "application/grpc+proto") return "proto";
  if (base === "application/grpc+json") return "json";
  return undefined;
}

/**
 * Enforces the server's `maxHeaderListBytes` on a request, which node:http2 only advertises in its
 * SETTINGS: a header list whose HPACK size (name + value + 32 per field, RFC 7541 §4.1) exceeds
 * `maxBytes` is answered with RESOURCE_EXHAUSTED — trailers-only for gRPC, HTTP 431 with a Triple
 * JSON error otherwise. Returns whether the request was refused.
 */
export function serverRefuseHeaders(stream: ServerStreamLike, headers: IncomingHeaders, maxBytes: number): boolean {
  // Once the client acknowledged our SETTINGS, nghttp2 enforces the limit itself.
  if (stream.session !== undefined && !stream.session.pendingSettingsAck) return false;
  let size = 0;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) size += name.length + v.length + 32;
    else size += name.length + String(value).length + 32;
  }
  if (size <= maxBytes) return false;
  const error = new TripleError(Code.RESOURCE_EXHAUSTED, `request headers of ${size} bytes exceed the maximum of ${maxBytes} bytes`);
  const subtype = serverGrpcSubtype(String(headers["content-type"] ?? ""));
  if (subtype !== undefined) {
    serverRespondError(stream, subtype === "json" ? "application/grpc+json" : "application/grpc", error);
  } else {
    serverRespond(stream, { ":status": 431, "content-type": "application/json" }, tripleErrorBody(error));
  }
  return true;
}

/**
 * Sends a whole response (headers, then `body` if given), unless the stream can no longer take one:
 * reset by the client or its session gone, where node:http2 would throw out of the event handler.
 * Headers node:http2 refuses reset the stream (INTERNAL_ERROR) instead.
 */
export function serverRespond(stream: ServerStreamLike, headers: OutgoingHeaders, body?: string | Uint8Array): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  try {
    if (body === undefined) {
      stream.respond(headers, { endStream: true });
    } else {
      stream.respond(headers);
      stream.end(body);
    }
  } catch {
    http2ResetStream(stream, http2InternalErrorCode);
  }
}

/** Answers with a trailers-only gRPC error response. */
export function serverRespondError(
  stream: ServerStreamLike,
  contentType: string,
  error: TripleError,
  extra: OutgoingHeaders = {},
): void {
  serverRespond(stream, {
    ...extra,
    ":status": 200,
    "content-type": contentType,
    "grpc-status": String(error.code),
    "grpc-message": grpcPercentEncode(error.rawMessage),
    "grpc-status-details-bin": grpcStatusDetailsEncode(error.code, error.rawMessage, error.details),
  });
}

/** Answers a request that is not gRPC at all with a plain HTTP status. */
export function serverRespondHttp(stream: ServerStreamLike, status: number, extra: OutgoingHeaders = {}): void {
  serverRespond(stream, { ...extra, ":status": status });
}

function serverHeader(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}
