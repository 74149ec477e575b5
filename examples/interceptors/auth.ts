// Bearer-token authentication as a pair of interceptors. The server one refuses calls without a known
// token with UNAUTHENTICATED before any handler runs (every call kind, every protocol), and tells the
// handler who called through a request header it sets itself; the client one sends the token.
import { Code, TripleError, type Interceptor } from "../streaming/gen/tristub-runtime.js";

/** The request header the server interceptor sets to the caller's name (any value the client sent is replaced). */
export const authenticatedUserHeader = "x-authenticated-user";

/** Server side: `authorization: Bearer <token>` must name a known token; `users` maps tokens to user names. */
export function bearerAuthServer(users: ReadonlyMap<string, string>): Interceptor {
  return (next) => async (request) => {
    const authorization = request.header.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const user = match === null ? undefined : users.get(match[1] ?? "");
    if (user === undefined) {
      throw new TripleError(Code.UNAUTHENTICATED, match === null ? "missing bearer token" : "unknown bearer token");
    }
    request.header.set(authenticatedUserHeader, user); // the handler reads ctx.requestHeaders
    return next(request);
  };
}

/** Client side: sends `authorization: Bearer <token>` with every call; `token` may be a function (refreshed tokens). */
export function bearerAuthClient(token: string | (() => string)): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${typeof token === "string" ? token : token()}`);
    return next(request);
  };
}
