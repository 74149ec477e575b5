import { compressionNames, type Compressor } from "../protocol/compression.js";
import type { Interceptor } from "../protocol/interceptor.js";
import type { MetadataInit } from "../protocol/metadata.js";
import { protobufDefaultMaxDepth } from "../protobuf/limits.js";
import type { JsonReadOptions, JsonWriteOptions, TypeRegistry } from "../protobuf/message-type.js";
import { Http2ClientTransport, type Http2TransportOptions } from "../transport/node/http2-client-transport.js";
import { ClientCalls, clientDefaultCloseGraceMs } from "./client-calls.js";
import { clientResolveRetry, type ClientRetry, type RetryPolicy } from "./client-retry.js";
import type { ClientTransport } from "./client-transport.js";

/** Default largest response message, after decompression: 4 MiB, as grpc-go and grpc-java. */
export const clientDefaultMaxReceiveMessageBytes = 4 * 1024 * 1024;

/**
 * Default longest Connect GET request target: 4 KiB, what connect-go's docs call safe with most
 * proxies and CDNs (Apache and nginx take request lines of about 8 KiB, some CDNs and browsers less).
 */
export const clientDefaultMaxGetUrlBytes = 4096;

/** Client settings every call of a client shares, as users give them. */
export interface ClientCallOptions {
  /** Dubbo service group / version, sent as `tri-service-group` / `tri-service-version`. */
  readonly group?: string;
  readonly version?: string;
  /** `proto` (default) or `json`: the message encoding (`application/grpc+json`, `application/json`). */
  readonly codec?: "proto" | "json";
  /**
   * The wire protocol (see the README's table):
   * - `grpc` (default; every gRPC and Dubbo peer serves it for every kind; HTTP/2 only);
   * - `connect`: the Connect protocol (dubbo-js's Triple transport, connect-go/es servers): unary as a
   *   plain POST (or GET, see `useHttpGet`), streams with an end-stream message; HTTP/1.1 or 2;
   * - `grpc-web`: gRPC-Web (binary, `+proto`/`+json`) with the status in a trailer frame; HTTP/1.1 or 2;
   * - `triple`: unary calls as Triple-unary plain POSTs (dubbo-go/java/js, HTTP/1 proxies); streams use gRPC.
   */
  readonly protocol?: ClientProtocol;
  /**
   * With `protocol` `triple`, `connect` or `grpc-web`: `2` (default) or `1.1` (keep-alive connections).
   * Over 1.1, Connect and gRPC-Web carry unary, server- and client-streaming calls (a bidi call fails
   * with UNIMPLEMENTED before sending); `triple` carries unary calls, its streams stay gRPC over HTTP/2.
   */
  readonly httpVersion?: "1.1" | "2";
  /**
   * With `protocol: "connect"`: unary calls of methods marked `idempotency_level = NO_SIDE_EFFECTS` go
   * as HTTP GET with the message in the query (cacheable); default false.
   */
  readonly useHttpGet?: boolean;
  /**
   * With `useHttpGet`: the longest GET request target (path and query, in bytes) a call sends; a call
   * whose message would make it longer goes as a POST instead, as connect-go's client falls back
   * (`WithHTTPGetMaxURLSize`). Default 4096.
   */
  readonly maxGetUrlBytes?: number;
  /**
   * With `protocol: "grpc-web"`: send and read `application/grpc-web-text` (the body as base64, for
   * proxies that only pass text) instead of binary; proto codec only. Default false.
   */
  readonly grpcWebText?: boolean;
  /** Compress request messages with gzip (`grpc-encoding: gzip`). */
  readonly sendCompression?: "gzip";
  /** Largest response message accepted (after decompression); default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Deepest nesting of response messages accepted (binary and JSON); default 100. */
  readonly maxMessageDepth?: number;
  /** Default call timeout when a call sets none. */
  readonly timeoutMs?: number;
  /** Metadata sent with every call. */
  readonly headers?: MetadataInit;
  readonly userAgent?: string;
  /**
   * Resolves `google.protobuf.Any` in JSON payloads; default: the output's own registry
   * (`tristub-registry.ts`, every message the output declares).
   */
  readonly registry?: TypeRegistry;
  /**
   * How long `close()` lets calls in flight finish before cancelling them (CANCELLED); default 5,000 ms.
   * Idle connections close at once.
   */
  readonly closeGraceMs?: number;
  /** Retries of unary calls, and of server-streaming calls before their first message; default none. */
  readonly retry?: RetryPolicy;
  /**
   * Run around every call, whatever its kind and protocol: the first is the outermost (sees the request
   * first and the response last). Each runs once per call; retries happen beneath them. Default none.
   */
  readonly interceptors?: readonly Interceptor[];
}

/** The wire protocols of a client (`protocol` option). */
export type ClientProtocol = "grpc" | "grpc-web" | "connect" | "triple";

/**
 * Options of a generated client: where to connect (`baseUrl`, or a shared `transport`), plus the
 * settings every call uses (Dubbo group/version, codec, compression, limits, default timeout).
 */
export interface ClientOptions extends ClientCallOptions, Partial<Http2TransportOptions> {
  /** A transport shared with other clients; when given, `baseUrl` and connection options are ignored. */
  readonly transport?: ClientTransport;
}

/** Client options with every default applied, resolved once per client: what its calls read. */
export interface ClientConfig {
  readonly transport: ClientTransport;
  /** The path of `baseUrl` (`/some/prefix`, no trailing slash; "" for none): put before every method path. */
  readonly pathPrefix: string;
  /** Whether the client owns (and must close) its transport. */
  readonly ownsTransport: boolean;
  readonly group: string;
  readonly version: string;
  readonly codec: "proto" | "json";
  readonly protocol: ClientProtocol;
  readonly httpVersion: "1.1" | "2";
  /** Streams go over HTTP/1.1 (Connect or gRPC-Web with `httpVersion: "1.1"`). */
  readonly streamHttp1: boolean;
  readonly useHttpGet: boolean;
  /** With `useHttpGet`: longer GET request targets are sent as POSTs. */
  readonly maxGetUrlBytes: number;
  /** gRPC-Web bodies as base64 text (`application/grpc-web-text+proto`). */
  readonly grpcWebText: boolean;
  /** The compression of request messages, if any. */
  readonly requestCompression: Compressor | undefined;
  /** The encodings the client accepts in responses (`grpc-accept-encoding`, `accept-encoding`). */
  readonly acceptEncoding: string;
  readonly maxReceiveMessageBytes: number;
  readonly maxMessageDepth: number;
  readonly timeoutMs: number | undefined;
  readonly headers: MetadataInit | undefined;
  readonly userAgent: string;
  /** With `codec: "json"`: how responses are read (unknown fields ignored, depth, registry); else undefined. */
  readonly jsonRead: JsonReadOptions | undefined;
  /** With `codec: "json"`: how requests are written; else undefined. */
  readonly jsonWrite: JsonWriteOptions | undefined;
  /** The client's calls whose streams are open (what `close()` waits for). */
  readonly calls: ClientCalls;
  readonly closeGraceMs: number;
  /** The retry policy, resolved; undefined: no retries. */
  readonly retry: ClientRetry | undefined;
  /** The interceptors, undefined when there are none (calls then take the plain path). */
  readonly interceptors: readonly Interceptor[] | undefined;
}

/** Resolves client options into the configuration its calls share (the one place defaults live). */
export function createClientConfig(options: ClientOptions): ClientConfig {
  let transport = options.transport;
  const ownsTransport = transport === undefined;
  if (transport === undefined) {
    if (options.baseUrl === undefined) throw new TypeError("client options need a baseUrl or a transport");
    transport = new Http2ClientTransport({ ...options, baseUrl: options.baseUrl });
  }
  const json = options.codec === "json";
  const maxDepth = options.maxMessageDepth ?? protobufDefaultMaxDepth;
  const registry = options.registry === undefined ? {} : { registry: options.registry };
  const protocol = options.protocol ?? "grpc";
  if (protocol !== "grpc" && protocol !== "grpc-web" && protocol !== "connect" && protocol !== "triple") {
    throw new TypeError(`unknown client protocol ${JSON.stringify(protocol)}: use grpc, grpc-web, connect or triple`);
  }
  const httpVersion = options.httpVersion ?? "2";
  const grpcWebText = options.grpcWebText === true;
  const maxGetUrlBytes = options.maxGetUrlBytes ?? clientDefaultMaxGetUrlBytes;
  if (!(maxGetUrlBytes > 0)) throw new TypeError(`maxGetUrlBytes must be a positive number of bytes, got ${String(maxGetUrlBytes)}`);
  if (grpcWebText && (protocol !== "grpc-web" || options.codec === "json")) {
    throw new TypeError("grpcWebText needs protocol grpc-web and the proto codec");
  }
  return {
    transport,
    pathPrefix: transport.pathPrefix,
    ownsTransport,
    group: options.group ?? "",
    version: options.version ?? "",
    codec: options.codec ?? "proto",
    protocol,
    httpVersion,
    streamHttp1: httpVersion === "1.1" && (protocol === "connect" || protocol === "grpc-web"),
    useHttpGet: options.useHttpGet === true,
    maxGetUrlBytes,
    grpcWebText,
    requestCompression: options.sendCompression === undefined ? undefined : transport.compressions.get(options.sendCompression),
    acceptEncoding: compressionNames(transport.compressions),
    maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? clientDefaultMaxReceiveMessageBytes,
    maxMessageDepth: maxDepth,
    timeoutMs: options.timeoutMs,
    headers: options.headers,
    userAgent: options.userAgent ?? "tristub-node",
    jsonRead: json ? { ignoreUnknownFields: true, maxDepth, ...registry } : undefined,
    jsonWrite: json ? registry : undefined,
    calls: new ClientCalls(),
    closeGraceMs: options.closeGraceMs ?? clientDefaultCloseGraceMs,
    retry: clientResolveRetry(options.retry),
    interceptors: options.interceptors !== undefined && options.interceptors.length > 0 ? options.interceptors : undefined,
  };
}

/**
 * Closes a client: its own transport stops taking calls and closes idle connections at once; calls in
 * flight get `closeGraceMs` to finish, then are cancelled; resolves when the connections are closed (a
 * shared transport stays open for its other users). Always settles.
 */
export async function closeClientConfig(config: ClientConfig): Promise<void> {
  const closed = config.ownsTransport ? config.transport.close() : undefined;
  await config.calls.drain(config.closeGraceMs);
  await closed;
}
