import { Http2ClientTransport, type Http2TransportOptions } from "./http2-client-transport.js";
import type { MetadataInit } from "./metadata.js";

/** Client settings every call of a client shares. */
export interface ClientCallConfig {
  readonly transport: Http2ClientTransport;
  /** Dubbo service group / version, sent as `tri-service-group` / `tri-service-version`. */
  readonly group?: string;
  readonly version?: string;
  /** `proto` (default) or `json`: the message encoding (`application/grpc+json`, `application/json`). */
  readonly codec?: "proto" | "json";
  /**
   * `grpc` (default; every peer serves it for every kind) or `triple`: unary calls as Triple-unary
   * plain POSTs, which HTTP/1 proxies and dubbo's HTTP mode also accept. Streaming calls always use gRPC.
   */
  readonly protocol?: "grpc" | "triple";
  /** With `protocol: "triple"`: `2` (default) or `1.1` (keep-alive connections). */
  readonly httpVersion?: "1.1" | "2";
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
}

/**
 * Options of a generated client: where to connect (`baseUrl`, or a shared `transport`), plus the
 * settings every call uses (Dubbo group/version, codec, compression, limits, default timeout).
 */
export interface ClientOptions extends Omit<ClientCallConfig, "transport">, Partial<Http2TransportOptions> {
  /** A transport shared with other clients; when given, `baseUrl` and connection options are ignored. */
  readonly transport?: Http2ClientTransport;
}

/** Client settings plus whether the client owns (and must close) its transport. */
export interface ClientConfig extends ClientCallConfig {
  readonly ownsTransport: boolean;
}

/** Resolves client options into the configuration its calls share. */
export function createClientConfig(options: ClientOptions): ClientConfig {
  if (options.transport !== undefined) return { ...options, transport: options.transport, ownsTransport: false };
  if (options.baseUrl === undefined) throw new TypeError("client options need a baseUrl or a transport");
  const transport = new Http2ClientTransport({ ...options, baseUrl: options.baseUrl });
  return { ...options, transport, ownsTransport: true };
}

/** Closes the client's own transport (a shared transport stays open for its other users). */
export function closeClientConfig(config: ClientConfig): Promise<void> {
  return config.ownsTransport ? config.transport.close() : Promise.resolve();
}
