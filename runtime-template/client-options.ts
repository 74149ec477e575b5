import type { ClientCallConfig } from "./client-call.js";
import { Http2ClientTransport, type Http2TransportOptions } from "./http2-client-transport.js";

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
