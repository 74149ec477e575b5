import { compressionNames, negotiateEncoding, type Compressor, type CompressorTable } from "../protocol/compression.js";
import { protobufDefaultMaxDepth } from "../protobuf/limits.js";
import type { JsonReadOptions, JsonWriteOptions, TypeRegistry } from "../protobuf/message-type.js";
import type { Interceptor } from "../protocol/interceptor.js";
import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";
import type { HandlerContext } from "./server-context.js";
import { corsPolicyCreate, type CorsOptions, type CorsPolicy } from "./cors.js";
import { serverLimitsResolve, type ServerLimitOptions, type ServerLimits } from "./server-limits.js";

/** Default largest request message, after decompression: 4 MiB, as grpc-go and grpc-java. */
export const serverDefaultMaxReceiveMessageBytes = 4 * 1024 * 1024;
/** Default largest request header block (HPACK size): 32 KiB. */
export const serverDefaultMaxHeaderListBytes = 32 * 1024;
/** Default concurrent calls per HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
export const serverDefaultMaxConcurrentStreams = 4096;
/** Default smallest response message that is compressed for clients that accept gzip: 1 KiB. */
export const serverDefaultCompressMinBytes = 1024;
/** Default time `close()` lets calls in flight finish before cancelling them: 5 s. */
export const serverDefaultShutdownGraceMs = 5_000;

/** TLS settings of a server; PEM strings or buffers. */
export interface ServerTlsOptions {
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
  /** CA certificates to verify client certificates with (mutual TLS). */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Ask clients for a certificate (mutual TLS). */
  readonly requestCert?: boolean;
  /** With `requestCert`: refuse clients without a valid certificate (default true). */
  readonly rejectUnauthorized?: boolean;
}

/**
 * Server settings; every limit has a default suited to a public endpoint (connection-level limits:
 * {@link ServerLimitOptions}).
 */
export interface ServerOptions extends ServerLimitOptions {
  readonly tls?: ServerTlsOptions;
  /** Largest request message (after decompression); default 4 MiB, larger → RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes?: number;
  /** Deepest nesting of request messages accepted, binary and JSON; default 100, deeper → INVALID_ARGUMENT. */
  readonly maxMessageDepth?: number;
  /** Concurrent calls per connection (HTTP/2 SETTINGS); default 4096. */
  readonly maxConcurrentStreams?: number;
  /** Largest request header block; default 32 KiB. */
  readonly maxHeaderListBytes?: number;
  /** Gzip responses to clients that accept it, for messages of at least this size; default 1024. */
  readonly compressMinBytes?: number;
  /** Disable response compression entirely. */
  readonly disableCompression?: boolean;
  /** Write Triple-unary JSON responses with proto field names (snake_case), as dubbo-go does. */
  readonly jsonUseProtoNames?: boolean;
  /** Group/version not matched exactly: fall back like dubbo-java (version 1.0.0, then any). */
  readonly versionFallback?: boolean;
  /** Sees every unexpected handler error (the client only gets UNKNOWN "internal error"). */
  readonly onError?: (error: unknown, ctx: HandlerContext) => void;
  /**
   * Resolves `google.protobuf.Any` in JSON payloads (every protocol); default: the output's own
   * registry (`tristub-registry.ts`, every message the output declares).
   */
  readonly registry?: TypeRegistry;
  /**
   * Run around every call of every service registered after, whatever the protocol; the first is the
   * outermost (sees the request first and the response last). Default none.
   */
  readonly interceptors?: readonly Interceptor[];
  /**
   * CORS for browser clients (Connect, gRPC-Web, Triple): preflight `OPTIONS` answered, and
   * `Access-Control-Allow-*` / `Access-Control-Expose-Headers` on responses. Off unless given.
   */
  readonly cors?: CorsOptions;
}

/** Server options with every default applied: resolved once, when the server is created. */
export interface ServerSettings {
  readonly maxReceiveMessageBytes: number;
  readonly maxMessageDepth: number;
  readonly maxConcurrentStreams: number;
  readonly maxHeaderListBytes: number;
  /** Connection-level limits (timeouts, connection count, flood bounds), resolved. */
  readonly limits: ServerLimits;
  readonly compressMinBytes: number;
  readonly disableCompression: boolean;
  readonly jsonUseProtoNames: boolean;
  readonly versionFallback: boolean;
  readonly onError: ((error: unknown, ctx: HandlerContext) => void) | undefined;
  /** Compressions the server decodes, and encodes responses with when the client accepts them. */
  readonly compressions: CompressorTable;
  /** The names in `compressions`, comma-separated (for `grpc-accept-encoding` / `accept-encoding`). */
  readonly acceptEncoding: string;
  /** How JSON requests are read: unknown fields ignored, `maxMessageDepth`, the registry (one object, reused). */
  readonly jsonRead: JsonReadOptions;
  /** How JSON responses are written (gRPC `+json`). */
  readonly jsonWrite: JsonWriteOptions;
  /** How Triple-unary JSON responses are written (`jsonUseProtoNames`). */
  readonly tripleJsonWrite: JsonWriteOptions;
  /** The interceptors every registered handler is wrapped in (empty: none, no cost). */
  readonly interceptors: readonly Interceptor[];
  /** The CORS policy (`cors` option, validated at server creation); undefined: no CORS. */
  readonly cors: CorsPolicy | undefined;
}

/** Applies the defaults to server options; `compressions` comes from the transport. */
export function serverResolveSettings(options: ServerOptions, compressions: CompressorTable): ServerSettings {
  const maxMessageDepth = options.maxMessageDepth ?? protobufDefaultMaxDepth;
  const registry = options.registry === undefined ? {} : { registry: options.registry };
  return {
    maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? serverDefaultMaxReceiveMessageBytes,
    maxMessageDepth,
    maxConcurrentStreams: options.maxConcurrentStreams ?? serverDefaultMaxConcurrentStreams,
    maxHeaderListBytes: options.maxHeaderListBytes ?? serverDefaultMaxHeaderListBytes,
    limits: serverLimitsResolve(options),
    compressMinBytes: options.compressMinBytes ?? serverDefaultCompressMinBytes,
    disableCompression: options.disableCompression === true,
    jsonUseProtoNames: options.jsonUseProtoNames === true,
    versionFallback: options.versionFallback === true,
    onError: options.onError,
    compressions,
    acceptEncoding: compressionNames(compressions),
    jsonRead: { ignoreUnknownFields: true, maxDepth: maxMessageDepth, ...registry },
    jsonWrite: registry,
    tripleJsonWrite: { useProtoFieldName: options.jsonUseProtoNames === true, ...registry },
    interceptors: options.interceptors ?? [],
    cors: options.cors === undefined ? undefined : corsPolicyCreate(options.cors),
  };
}

/** Per-call settings the server derives from the request. */
export interface ServerCallSettings {
  readonly maxReceiveMessageBytes: number;
  /** Deepest nesting of request messages accepted (binary and JSON). */
  readonly maxMessageDepth: number;
  /** Request messages are proto3 JSON (`application/grpc+json`): how to read them; undefined for binary. */
  readonly jsonRead: JsonReadOptions | undefined;
  /** Response messages are proto3 JSON: how to write them; undefined for binary. */
  readonly jsonWrite: JsonWriteOptions | undefined;
  /** The response `content-type` (echoes the request's gRPC subtype). */
  readonly contentType: string;
  /** The compression of request messages (`grpc-encoding`), if any. */
  readonly requestCompression: Compressor | undefined;
  /** The compression of response messages: the client accepts it and the server allows it. */
  readonly responseCompression: Compressor | undefined;
  readonly compressMinBytes: number;
  /** `grpc-accept-encoding` of the responses. */
  readonly acceptEncoding: string;
}

/**
 * The header names a protocol carries message compression in: gRPC and gRPC-Web use `grpc-encoding` /
 * `grpc-accept-encoding`, Connect streaming `connect-content-encoding` / `connect-accept-encoding`.
 * Requests and responses use the same pair.
 */
export interface ServerEncodingHeaders {
  /** The compression of the messages (request: how to read them; response: how they are written). */
  readonly content: string;
  /** The compressions the sender can read (a comma-separated list). */
  readonly accept: string;
}

/** gRPC's (and gRPC-Web's) encoding headers. */
export const serverGrpcEncodingHeaders: ServerEncodingHeaders = { content: "grpc-encoding", accept: "grpc-accept-encoding" };

/**
 * The settings of one enveloped call (gRPC, gRPC-Web, Connect streaming), the one place they are
 * derived from a request: `codec` picks the JSON options, `contentType` is the response's, `encoding`
 * the request's message compression as read from its `names.content` header ("" or `identity`: none),
 * `accept` what the client reads (undefined: responses stay uncompressed). An encoding the server
 * lacks throws UNIMPLEMENTED, which the caller answers in its protocol's shape.
 */
export function serverCallSettingsResolve(
  settings: ServerSettings,
  codec: "proto" | "json",
  contentType: string,
  names: ServerEncodingHeaders,
  encoding: string,
  accept: string | undefined,
): ServerCallSettings {
  const requestCompression = encoding === "" || encoding === "identity" ? undefined : settings.compressions.get(encoding);
  if (requestCompression === undefined && encoding !== "" && encoding !== "identity") {
    throw new TripleError(Code.UNIMPLEMENTED, `unsupported ${names.content} ${encoding}: supported encodings are ${settings.acceptEncoding}`);
  }
  return {
    maxReceiveMessageBytes: settings.maxReceiveMessageBytes,
    maxMessageDepth: settings.maxMessageDepth,
    jsonRead: codec === "json" ? settings.jsonRead : undefined,
    jsonWrite: codec === "json" ? settings.jsonWrite : undefined,
    contentType,
    requestCompression,
    responseCompression: settings.disableCompression || accept === undefined ? undefined : negotiateEncoding(accept, settings.compressions),
    compressMinBytes: settings.compressMinBytes,
    acceptEncoding: settings.acceptEncoding,
  };
}
