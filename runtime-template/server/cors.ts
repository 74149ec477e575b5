// CORS for browser clients of Connect, gRPC-Web and Triple: which request headers a browser may send,
// which response headers its code may read, and the answers to preflight and actual requests, as a
// pure computation from an options object (no node:*; the server applies the result).

/** Request headers browser RPC clients send (besides CORS-safelisted ones), any protocol of the family. */
export const corsAllowedHeaders: readonly string[] = [
  "content-type",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-content-encoding",
  "connect-accept-encoding",
  "content-encoding",
  "accept-encoding",
  "grpc-timeout",
  "grpc-message-type",
  "grpc-encoding",
  "grpc-accept-encoding",
  "x-grpc-web",
  "x-user-agent",
  "tri-service-group",
  "tri-service-version",
  "tri-service-timeout",
  "triple-timeout-ms",
  "tri-protocol-version",
  "triple-protocol-version",
];

/** Response headers browser RPC clients must read: gRPC-Web status in headers, encodings. */
export const corsExposedHeaders: readonly string[] = [
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "grpc-encoding",
  "grpc-accept-encoding",
  "connect-content-encoding",
  "connect-accept-encoding",
  "content-encoding",
];

/** The server's `cors` option (off unless given). */
export interface CorsOptions {
  /** Origins allowed to call (`https://app.example.com`, exact match), `"*"` for any, or a predicate. */
  readonly allowedOrigins: readonly string[] | "*" | ((origin: string) => boolean);
  /** Let browsers send cookies/HTTP auth (`Access-Control-Allow-Credentials: true`); default false. */
  readonly allowCredentials?: boolean;
  /** How long browsers may cache a preflight answer, in seconds; default 7200 (Chromium's cap). */
  readonly maxAgeSeconds?: number;
  /** Request headers allowed on top of {@link corsAllowedHeaders}: your metadata keys (`x-user-id`…). */
  readonly allowedHeaders?: readonly string[];
  /** Response headers exposed on top of {@link corsExposedHeaders}: your response metadata keys. */
  readonly exposedHeaders?: readonly string[];
  /** Allow every request header a preflight asks for (reflected), instead of the lists; default false. */
  readonly allowAnyRequestHeader?: boolean;
}

/** A computed CORS answer: the HTTP status for a preflight, and the headers to add. */
export interface CorsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** Methods the protocols use: POST for every call, GET for Connect unary GET. */
const corsAllowedMethods = ["GET", "POST"];

/** An HTTP token (header name), as RFC 9110 defines it. */
const corsToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validated {@link CorsOptions}, ready to answer requests. */
export interface CorsPolicy {
  /**
   * The answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`), or
   * undefined when the request is not one (route it normally). A disallowed origin or method gets 403
   * without CORS headers, so the browser blocks the call with a clear console message.
   */
  preflight(method: string, headers: { readonly [name: string]: string | string[] | undefined }): CorsAnswer | undefined;
  /**
   * Headers to add to an actual response for a request from `origin` (undefined: the request had no
   * `Origin`). Whenever the answer depends on the origin, every response carries `Vary: Origin` —
   * requests without one and refused origins included — so that a shared cache never serves a
   * response made for one origin (or for none) to another. With `"*"` and no credentials nothing
   * depends on it: every response gets `Access-Control-Allow-Origin: *`, as the Fetch standard advises
   * for a static value ("CORS protocol and HTTP caches").
   */
  responseHeaders(origin: string | undefined, extraExposed?: readonly string[]): Record<string, string>;
}

function corsHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Checks `options` and returns the policy; throws TypeError on an invalid option (at server start). */
export function corsPolicyCreate(options: CorsOptions): CorsPolicy {
  const origins = options.allowedOrigins;
  if (Array.isArray(origins)) {
    for (const origin of origins) {
      if (typeof origin !== "string" || !/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i.test(origin)) {
        throw new TypeError(`cors.allowedOrigins: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path)`);
      }
    }
  } else if (origins !== "*" && typeof origins !== "function") {
    throw new TypeError('cors.allowedOrigins must be a list of origins, "*" or a function');
  }
  const maxAge = options.maxAgeSeconds ?? 7200;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new TypeError(`cors.maxAgeSeconds must be a non-negative integer, got ${maxAge}`);
  for (const name of [...(options.allowedHeaders ?? []), ...(options.exposedHeaders ?? [])]) {
    if (!corsToken.test(name)) throw new TypeError(`cors: ${JSON.stringify(name)} is not a header name`);
  }
  const credentials = options.allowCredentials === true;
  const allowedList = [...corsAllowedHeaders, ...(options.allowedHeaders ?? []).map((h) => h.toLowerCase())];
  const exposed = [...corsExposedHeaders, ...(options.exposedHeaders ?? []).map((h) => h.toLowerCase())];
  const originList = Array.isArray(origins) ? new Set(origins.map((o) => o.toLowerCase())) : undefined;
  const isAllowed = (origin: string): boolean =>
    origins === "*" ? true : originList !== undefined ? originList.has(origin.toLowerCase()) : (origins as (origin: string) => boolean)(origin);
  // "*" is only valid without credentials; otherwise the origin is echoed and caches must vary on it.
  const allowOrigin = (origin: string): Record<string, string> => {
    const out: Record<string, string> = {};
    if (origins === "*" && !credentials) out["access-control-allow-origin"] = "*";
    else {
      out["access-control-allow-origin"] = origin;
      out["vary"] = "Origin";
    }
    if (credentials) out["access-control-allow-credentials"] = "true";
    return out;
  };

  return {
    preflight(method, headers) {
      const origin = corsHeader(headers["origin"]);
      const requestMethod = corsHeader(headers["access-control-request-method"]);
      if (method.toUpperCase() !== "OPTIONS" || origin === undefined || requestMethod === undefined) return undefined;
      const vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
      if (!isAllowed(origin) || !corsAllowedMethods.includes(requestMethod.toUpperCase())) return { status: 403, headers: { vary } };
      const requested = (corsHeader(headers["access-control-request-headers"]) ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h.length > 0);
      if (requested.some((h) => !corsToken.test(h))) return { status: 403, headers: { vary } };
      const allowHeaders = options.allowAnyRequestHeader === true ? [...new Set([...allowedList, ...requested])] : allowedList;
      return {
        status: 204,
        headers: {
          ...allowOrigin(origin),
          vary,
          "access-control-allow-methods": corsAllowedMethods.join(", "),
          "access-control-allow-headers": allowHeaders.join(", "),
          "access-control-max-age": String(maxAge),
        },
      };
    },
    responseHeaders(origin, extraExposed = []) {
      const anyOrigin = origins === "*" && !credentials;
      if (!anyOrigin && (origin === undefined || !isAllowed(origin))) return { vary: "Origin" };
      const extra = extraExposed.map((h) => h.toLowerCase()).filter((h) => corsToken.test(h) && !exposed.includes(h));
      return { ...allowOrigin(origin ?? "*"), "access-control-expose-headers": [...exposed, ...extra].join(", ") };
    },
  };
}
