// tristub's server under test for connectrpc's conformance runner (`--mode server`): reads one
// ServerCompatRequest from stdin, starts a tristub server with ConformanceService on 127.0.0.1:0 as
// asked (TLS with the runner's certificate, client certificates, message receive limit), writes a
// ServerCompatResponse, and serves until SIGTERM. h2c and HTTP/1.1 share the plaintext port; with TLS,
// ALPN picks the version.
//
//   connectconformance --mode server --conf conformance/server-config.yaml -- npx tsx conformance/server.ts
import { registerConformanceService } from "./gen/connectrpc/conformance/v1/service.js";
import { ServerCompatRequest, ServerCompatResponse } from "./gen/connectrpc/conformance/v1/server_compat.js";
import { createTripleServer, type ServerOptions } from "./gen/tristub-runtime.js";
import { conformanceHandler } from "./service.js";
import { logError, readFramed, writeFramed } from "./stdio.js";

/** Server options for what the runner asked: TLS (and client certificates) and the message size limit. */
export function serverOptionsFor(request: ServerCompatRequest): ServerOptions {
  const options: { -readonly [K in keyof ServerOptions]: ServerOptions[K] } = {
    // A failing handler is part of the tests: keep stderr quiet.
    onError: () => {},
  };
  if (request.messageReceiveLimit > 0) options.maxReceiveMessageBytes = request.messageReceiveLimit;
  if (request.useTls) {
    const creds = request.serverCreds;
    if (creds === undefined) throw new Error("use_tls without server_creds");
    const mutual = request.clientTlsCert.length > 0;
    options.tls = {
      cert: creds.cert,
      key: creds.key,
      ...(mutual ? { ca: request.clientTlsCert, requestCert: true, rejectUnauthorized: true } : {}),
    };
  }
  return options;
}

async function main(): Promise<void> {
  let request: ServerCompatRequest | undefined;
  for await (const message of readFramed(process.stdin, ServerCompatRequest)) {
    request = message;
    break;
  }
  if (request === undefined) throw new Error("no ServerCompatRequest on stdin");
  const server = createTripleServer(serverOptionsFor(request));
  registerConformanceService(server, conformanceHandler);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  await writeFramed(
    ServerCompatResponse,
    ServerCompatResponse.create({ host: "127.0.0.1", port, pemCert: request.useTls ? (request.serverCreds?.cert ?? new Uint8Array(0)) : new Uint8Array(0) }),
  );
  const stop = (): void => {
    const forced = setTimeout(() => process.exit(0), 2_000);
    forced.unref();
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  logError(`conformance server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
