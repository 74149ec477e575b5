// CORS policy (runtime-template/server/cors.ts): header lists (a superset of connect-es's), preflight answers,
// actual-response headers, credentials, and option validation.
import { cors as esCors } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { corsAllowedHeaders, corsExposedHeaders, corsPolicyCreate } from "../../runtime-template/server/cors.js";

const app = "https://app.example.com";
const preflight = (requestHeaders = "content-type, connect-protocol-version", origin = app, method = "POST") => ({
  origin,
  "access-control-request-method": method,
  "access-control-request-headers": requestHeaders,
});

describe("CORS header lists", () => {
  it("allow every request header and expose every response header connect-es lists for browsers", () => {
    for (const header of esCors.allowedHeaders) expect(corsAllowedHeaders, header).toContain(header.toLowerCase());
    for (const header of esCors.exposedHeaders) expect(corsExposedHeaders, header).toContain(header.toLowerCase());
  });

  it("cover the Triple headers too", () => {
    for (const header of ["tri-service-group", "tri-service-version", "tri-service-timeout", "triple-timeout-ms"]) expect(corsAllowedHeaders).toContain(header);
  });
});

describe("CORS preflight", () => {
  it("answers an allowed origin with 204, its origin echoed, methods, headers and max age", () => {
    const answer = corsPolicyCreate({ allowedOrigins: [app] }).preflight("OPTIONS", preflight());
    expect(answer?.status).toBe(204);
    expect(answer?.headers["access-control-allow-origin"]).toBe(app);
    expect(answer?.headers["access-control-allow-methods"]).toBe("GET, POST");
    expect(answer?.headers["access-control-allow-headers"]?.split(", ")).toEqual(expect.arrayContaining(["content-type", "connect-protocol-version", "grpc-timeout", "x-grpc-web"]));
    expect(answer?.headers["access-control-max-age"]).toBe("7200");
    expect(answer?.headers["vary"]).toContain("Origin");
    expect(answer?.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("is undefined for requests that are not preflights (route them normally)", () => {
    const policy = corsPolicyCreate({ allowedOrigins: "*" });
    expect(policy.preflight("POST", preflight())).toBeUndefined();
    expect(policy.preflight("OPTIONS", { origin: app })).toBeUndefined();
    expect(policy.preflight("OPTIONS", { "access-control-request-method": "POST" })).toBeUndefined();
  });

  it("refuses other origins and methods with 403 and no Allow-Origin", () => {
    const policy = corsPolicyCreate({ allowedOrigins: [app] });
    for (const answer of [
      policy.preflight("OPTIONS", preflight(undefined, "https://evil.example.com")),
      policy.preflight("OPTIONS", preflight(undefined, "https://app.example.com.evil.com")),
      policy.preflight("OPTIONS", preflight(undefined, "null")),
      policy.preflight("OPTIONS", preflight(undefined, app, "DELETE")),
      policy.preflight("OPTIONS", preflight("content-type, bad header", app)),
    ]) {
      expect(answer?.status).toBe(403);
      expect(answer?.headers["access-control-allow-origin"]).toBeUndefined();
    }
    expect(policy.preflight("options", preflight(undefined, "HTTPS://APP.EXAMPLE.COM", "get"))?.status).toBe(204);
  });

  it("uses * without credentials, echoes the origin with credentials", () => {
    expect(corsPolicyCreate({ allowedOrigins: "*" }).preflight("OPTIONS", preflight())?.headers["access-control-allow-origin"]).toBe("*");
    const withCredentials = corsPolicyCreate({ allowedOrigins: "*", allowCredentials: true }).preflight("OPTIONS", preflight());
    expect(withCredentials?.headers["access-control-allow-origin"]).toBe(app);
    expect(withCredentials?.headers["access-control-allow-credentials"]).toBe("true");
  });

  it("adds configured headers, or reflects the requested ones with allowAnyRequestHeader; honours a predicate and maxAgeSeconds", () => {
    const extra = corsPolicyCreate({ allowedOrigins: (o) => o.endsWith(".example.com"), allowedHeaders: ["X-User-Id"], maxAgeSeconds: 60 }).preflight("OPTIONS", preflight("x-user-id"));
    expect(extra?.headers["access-control-allow-headers"]).toContain("x-user-id");
    expect(extra?.headers["access-control-max-age"]).toBe("60");
    const reflect = corsPolicyCreate({ allowedOrigins: [app], allowAnyRequestHeader: true }).preflight("OPTIONS", preflight("x-tenant, X-Trace"));
    expect(reflect?.headers["access-control-allow-headers"]?.split(", ")).toEqual(expect.arrayContaining(["x-tenant", "x-trace", "content-type"]));
    const notReflected = corsPolicyCreate({ allowedOrigins: [app] }).preflight("OPTIONS", preflight("x-tenant"));
    expect(notReflected?.headers["access-control-allow-headers"]).not.toContain("x-tenant");
  });
});

describe("CORS on actual responses", () => {
  it("allows the origin and exposes the protocol headers plus configured and per-response ones", () => {
    const policy = corsPolicyCreate({ allowedOrigins: [app], exposedHeaders: ["X-Request-Id"] });
    const headers = policy.responseHeaders(app, ["trailer-x-count", "grpc-status", "bad name"]);
    expect(headers["access-control-allow-origin"]).toBe(app);
    expect(headers["vary"]).toBe("Origin");
    const exposed = headers["access-control-expose-headers"]?.split(", ") ?? [];
    expect(exposed).toEqual(expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "trailer-x-count"]));
    expect(exposed.filter((h) => h === "grpc-status")).toHaveLength(1);
    expect(exposed).not.toContain("bad name");
  });

  it("allows nothing without an Origin or for a disallowed one, but still varies on Origin (caches)", () => {
    for (const policy of [corsPolicyCreate({ allowedOrigins: [app] }), corsPolicyCreate({ allowedOrigins: () => true }), corsPolicyCreate({ allowedOrigins: "*", allowCredentials: true })]) {
      expect(policy.responseHeaders(undefined)).toEqual({ vary: "Origin" });
    }
    expect(corsPolicyCreate({ allowedOrigins: [app] }).responseHeaders("https://evil.example.com")).toEqual({ vary: "Origin" });
  });

  it('with "*" and no credentials, answers every response alike: Allow-Origin *, no Vary', () => {
    const policy = corsPolicyCreate({ allowedOrigins: "*" });
    for (const origin of [app, undefined]) {
      const headers = policy.responseHeaders(origin, ["x-head"]);
      expect(headers["access-control-allow-origin"]).toBe("*");
      expect(headers["access-control-expose-headers"]).toContain("x-head");
      expect(headers["vary"]).toBeUndefined();
    }
  });
});

describe("CORS options", () => {
  it("refuses invalid options at creation", () => {
    for (const options of [
      { allowedOrigins: ["app.example.com"] },
      { allowedOrigins: ["https://app.example.com/"] },
      { allowedOrigins: ["https://app.example.com/path"] },
      { allowedOrigins: "all" },
      { allowedOrigins: [app], maxAgeSeconds: -1 },
      { allowedOrigins: [app], maxAgeSeconds: 1.5 },
      { allowedOrigins: [app], allowedHeaders: ["bad header"] },
      { allowedOrigins: [app], exposedHeaders: ["x\r\ny"] },
    ]) {
      expect(() => corsPolicyCreate(options as never), JSON.stringify(options)).toThrow(TypeError);
    }
  });
});
