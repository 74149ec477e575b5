// tristub's client under test for connectrpc's conformance runner (`--mode client`): reads
// ClientCompatRequest messages from stdin until EOF, runs each RPC against the runner's reference
// server with a generated ConformanceService client configured as asked (protocol, codec, compression,
// HTTP version, TLS with the runner's certificates, message receive limit, timeout, headers,
// cancellation), and writes one ClientCompatResponse per RPC to stdout (out of order, each in one
// write). Up to `--parallel` RPCs (default 8) run at once; at EOF it waits for them, then exits.
//
//   connectconformance --mode client --conf conformance/client-config.yaml -- npx tsx conformance/client.ts
import { parseArgs } from "node:util";
import {
  ClientCompatRequest,
  ClientCompatResponse,
  ClientResponseResult,
} from "./gen/connectrpc/conformance/v1/client_compat.js";
import { Codec, Compression, HTTPVersion, Protocol } from "./gen/connectrpc/conformance/v1/config.js";
import { createConformanceServiceClient, type ConformanceServiceClient } from "./gen/connectrpc/conformance/v1/service.js";
import type { ClientOptions } from "./gen/tristub-runtime.js";
import { runRpc } from "./client-rpc.js";
import { logError, readFramed, writeFramed } from "./stdio.js";

/**
 * The wire protocols the generated client speaks, by the runner's enum (the `protocol` client option).
 * The runner only sends what the config declares; a request for any other protocol gets a
 * ClientErrorResult naming it.
 */
export const clientProtocols: ReadonlyMap<number, string> = new Map([
  [Protocol.PROTOCOL_GRPC, "grpc"],
  [Protocol.PROTOCOL_CONNECT, "connect"],
  [Protocol.PROTOCOL_GRPC_WEB, "grpc-web"],
]);

/** Codecs and compressions the client supports, by the runner's enum. */
const clientCodecs: ReadonlyMap<number, "proto" | "json"> = new Map([
  [Codec.CODEC_PROTO, "proto"],
  [Codec.CODEC_JSON, "json"],
]);
const clientCompressions: ReadonlyMap<number, "identity" | "gzip"> = new Map([
  [Compression.COMPRESSION_IDENTITY, "identity"],
  [Compression.COMPRESSION_UNSPECIFIED, "identity"],
  [Compression.COMPRESSION_GZIP, "gzip"],
]);

/** A request this client cannot run (an unsupported protocol, codec…): reported as ClientErrorResult. */
class UnsupportedRequest extends Error {}

/**
 * The generated client's options for one ClientCompatRequest: every transport-level choice of the
 * runner made explicit (protocol, codec, compression, HTTP version, GET for idempotent methods, TLS,
 * receive limit). Throws {@link UnsupportedRequest} for choices the runtime does not have.
 */
export function clientOptionsFor(request: ClientCompatRequest): ClientOptions {
  const protocol = clientProtocols.get(request.protocol);
  if (protocol === undefined) throw new UnsupportedRequest(`protocol ${Protocol$name(request.protocol)} is not supported by tristub's client`);
  const codec = clientCodecs.get(request.codec);
  if (codec === undefined) throw new UnsupportedRequest(`codec ${request.codec} is not supported`);
  const compression = clientCompressions.get(request.compression);
  if (compression === undefined) throw new UnsupportedRequest(`compression ${request.compression} is not supported`);
  const httpVersion = request.httpVersion === HTTPVersion.HTTP_VERSION_1 ? "1.1" : request.httpVersion === HTTPVersion.HTTP_VERSION_2 ? "2" : undefined;
  if (httpVersion === undefined) throw new UnsupportedRequest(`HTTP version ${request.httpVersion} is not supported`);
  const tls = request.serverTlsCert.length > 0;
  const options: Record<string, unknown> = {
    baseUrl: `${tls ? "https" : "http"}://${request.host}:${request.port}`,
    protocol,
    codec,
    httpVersion,
  };
  if (compression === "gzip") options["sendCompression"] = "gzip";
  // Connect unary GET for NO_SIDE_EFFECTS methods.
  if (request.useGetHttpMethod) options["useHttpGet"] = true;
  if (request.messageReceiveLimit > 0) options["maxReceiveMessageBytes"] = request.messageReceiveLimit;
  if (tls) {
    const creds = request.clientTlsCreds;
    options["tls"] = {
      ca: request.serverTlsCert,
      ...(creds !== undefined && creds.cert.length > 0 ? { cert: creds.cert, key: creds.key } : {}),
    };
  }
  return options as ClientOptions;
}

function Protocol$name(value: number): string {
  return Object.entries(Protocol).find(([, v]) => v === value)?.[0] ?? String(value);
}

/** Runs one request and writes its result. */
async function handle(request: ClientCompatRequest): Promise<void> {
  let client: ConformanceServiceClient | undefined;
  let response: ClientCompatResponse;
  try {
    if (request.service !== undefined && request.service !== "connectrpc.conformance.v1.ConformanceService") {
      throw new UnsupportedRequest(`unknown service ${request.service}`);
    }
    client = createConformanceServiceClient(clientOptionsFor(request));
    const result: ClientResponseResult = await runRpc(client, request);
    response = ClientCompatResponse.create({ testName: request.testName, result: { case: "response", value: result } });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    response = ClientCompatResponse.create({ testName: request.testName, result: { case: "error", value: { message } } });
  } finally {
    await client?.close().catch(() => {});
  }
  await writeFramed(ClientCompatResponse, response);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { parallel: { type: "string", default: "8" } } });
  const parallel = Math.max(1, Number(values.parallel));
  const running = new Set<Promise<void>>();
  for await (const request of readFramed(process.stdin, ClientCompatRequest)) {
    const task: Promise<void> = handle(request).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= parallel) await Promise.race(running);
  }
  await Promise.all(running);
}

process.once("SIGTERM", () => process.exit(0));
main().then(
  () => process.exit(0),
  (error: unknown) => {
    logError(`conformance client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
