import { negotiateEncoding } from "../protocol/compression.js";
import { connectHeaderAcceptEncoding, connectHeaderContentEncoding, connectParseContentType, connectTimeoutParse } from "../protocol/connect/connect-protocol.js";
import { grpcTimeoutParse } from "../protocol/grpc-timeout.js";
import { grpcWebContentType, grpcWebParseContentType } from "../protocol/grpc-web/grpcweb-protocol.js";
import type { IncomingHeaders } from "../protocol/metadata.js";
import { Code } from "../protocol/status-code.js";
import { toTripleError, TripleError } from "../protocol/triple-error.js";
import type { ServerStreamLike } from "../transport/http2-stream.js";
import type { ServerRoute } from "./server-handlers.js";
import { serverRespond, serverRouteLookup, type ServerRouteTable } from "./server-routing.js";
import type { ServerCallSettings, ServerSettings } from "./server-settings.js";
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
  const encodingHeader = protocol === "connect" ? connectHeaderContentEncoding : "grpc-encoding";
  const acceptHeader = protocol === "connect" ? connectHeaderAcceptEncoding : "grpc-accept-encoding";
  const base: ServerCallSettings = {
    maxReceiveMessageBytes: settings.maxReceiveMessageBytes,
    maxMessageDepth: settings.maxMessageDepth,
    jsonRead: codec === "json" ? settings.jsonRead : undefined,
    jsonWrite: codec === "json" ? settings.jsonWrite : undefined,
    contentType,
    requestCompression: undefined,
    responseCompression: undefined,
    compressMinBytes: settings.compressMinBytes,
    acceptEncoding: settings.acceptEncoding,
  };
  /** Answers with 200 and the status frame alone (or `status` and no body, for HTTP-level refusals). */
  const refuse = (error: TripleError, status = 200): undefined => {
    if (status !== 200) serverRespond(stream, { ":status": status, "content-type": contentType });
    else serverRespond(stream, { ":status": 200, "content-type": contentType, [acceptHeader]: settings.acceptEncoding }, wire.endFrame(undefined, error));
    return undefined;
  };
  const path = String(headers[":path"] ?? "").split("?")[0] ?? "";
  const match = serverRouteLookup(table, settings.versionFallback, path, headers);
  if (typeof match === "string") return refuse(new TripleError(Code.UNIMPLEMENTED, match));
  const route = match.route;
  if (protocol === "connect" && route.method.kind === "unary") {
    serverRespond(stream, { ":status": 415, "accept-post": "application/json, application/proto" });
    return undefined;
  }
  if (http1 && route.method.kind === "bidi_streaming") {
    return refuse(new TripleError(Code.UNIMPLEMENTED, `${route.method.path} is a bidi stream: it needs HTTP/2`), 505);
  }
  const encoding = String(headers[encodingHeader] ?? "").toLowerCase();
  const requestCompression = encoding === "" || encoding === "identity" ? undefined : settings.compressions.get(encoding);
  if (encoding !== "" && encoding !== "identity" && requestCompression === undefined) {
    return refuse(new TripleError(Code.UNIMPLEMENTED, `unsupported ${encodingHeader} ${encoding}: supported encodings are ${settings.acceptEncoding}`));
  }
  let timeoutMs: number | undefined;
  try {
    timeoutMs =
      protocol === "connect"
        ? connectTimeoutParse(headers["connect-timeout-ms"])
        : grpcTimeoutParse(headers["grpc-timeout"] as string | undefined);
  } catch (error) {
    return refuse(toTripleError(error));
  }
  const accept = headers[acceptHeader];
  const acceptText = Array.isArray(accept) ? accept.join(",") : accept;
  return {
    route,
    wire,
    timeoutMs,
    settings: {
      ...base,
      requestCompression,
      responseCompression: settings.disableCompression || acceptText === undefined ? undefined : negotiateEncoding(acceptText, settings.compressions),
    },
  };
}

/** 415 with an empty body and the types that would do, as connect-go answers an unknown codec. */
function serverUnsupportedType(stream: ServerStreamLike): undefined {
  serverRespond(stream, {
    ":status": 415,
    "accept-post": "application/connect+proto, application/connect+json, application/grpc-web+proto, application/grpc-web+json, application/grpc-web-text",
  });
  return undefined;
}
