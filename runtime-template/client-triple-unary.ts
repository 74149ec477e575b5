import { request as http1Request, type IncomingHttpHeaders as Http1Headers } from "node:http";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import { request as https1Request } from "node:https";
import type { CallOptions } from "./call-options.js";
import type { ClientCallConfig } from "./client-options.js";
import { gzipCompress, gzipDecompress } from "./compression.js";
import { grpcDeadlineTimer } from "./grpc-timeout.js";
import { http2CancelCode, http2ResetStream } from "./http2-codes.js";
import { metadataToHttp2 } from "./metadata.js";
import type { MethodInfo } from "./method-info.js";
import { Code } from "./status-code.js";
import { toTripleError, TripleError } from "./triple-error.js";
import { tripleConcat, tripleErrorFromBody, tripleHeader, tripleTrailerPrefix } from "./triple-unary-protocol.js";
import { protobufDefaultMaxDepth } from "./message-codec.js";

/** What came back from a plain-HTTP exchange. */
interface TripleUnaryResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders | Http1Headers;
  readonly body: Uint8Array;
}

/**
 * Calls a unary method with Triple-unary (a plain POST, bare message body) over HTTP/2 or, with
 * `httpVersion: "1.1"`, over HTTP/1.1 with keep-alive. Sends both timeout and both protocol-version
 * headers so dubbo-go, dubbo-java and dubbo-js servers each find theirs; reads all three error dialects.
 */
export async function callTripleUnary<I extends object, O extends object>(
  config: ClientCallConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
): Promise<O> {
  const json = config.codec === "json";
  let body = json ? new TextEncoder().encode(method.input.toJsonString(request)) : method.input.encode(request);
  const headers: OutgoingHttpHeaders = {};
  metadataToHttp2(config.headers, headers);
  metadataToHttp2(options?.headers, headers);
  headers["content-type"] = json ? "application/json" : "application/proto";
  headers["accept-encoding"] = "gzip";
  headers["triple-protocol-version"] = "0.1.0";
  headers["tri-protocol-version"] = "1.0.0";
  headers["user-agent"] = config.userAgent ?? "tristub-node";
  const timeoutMs = options?.timeoutMs ?? config.timeoutMs;
  if (timeoutMs !== undefined) {
    // 1–10 digits is all the servers accept (a longer deadline is as good as none).
    headers["triple-timeout-ms"] = String(Math.min(9_999_999_999, Math.max(1, Math.ceil(timeoutMs))));
    headers["tri-service-timeout"] = headers["triple-timeout-ms"];
  }
  if (config.group !== undefined && config.group !== "") headers["tri-service-group"] = config.group;
  if (config.version !== undefined && config.version !== "") headers["tri-service-version"] = config.version;
  if (config.sendCompression === "gzip") {
    body = gzipCompress(body);
    headers["content-encoding"] = "gzip";
  }
  const controller = new AbortController();
  const signal = options?.signal;
  let failure: TripleError | undefined;
  const abort = (): void => {
    failure ??= new TripleError(Code.CANCELLED, "call was cancelled", { cause: signal?.reason });
    controller.abort();
  };
  if (signal?.aborted === true) throw new TripleError(Code.CANCELLED, "call was aborted before it started", { cause: signal.reason });
  signal?.addEventListener("abort", abort, { once: true });
  const clearTimer =
    timeoutMs === undefined
      ? undefined
      : grpcDeadlineTimer(timeoutMs, () => {
          failure ??= new TripleError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
          controller.abort();
        });
  const maxBytes = config.maxReceiveMessageBytes ?? 4 * 1024 * 1024;
  let response: TripleUnaryResponse;
  try {
    response =
      config.httpVersion === "1.1"
        ? await tripleSendHttp1(config, method.path, headers, body, controller.signal, maxBytes)
        : await tripleSendHttp2(config, method.path, headers, body, controller.signal, maxBytes);
  } catch (error) {
    if (failure !== undefined) throw failure;
    throw error instanceof TripleError ? error : new TripleError(Code.UNAVAILABLE, (error as Error).message, { cause: error });
  } finally {
    clearTimer?.();
    signal?.removeEventListener("abort", abort);
  }
  const metadata = new Headers();
  const trailers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    const target = name.startsWith(tripleTrailerPrefix) ? trailers : metadata;
    const key = name.startsWith(tripleTrailerPrefix) ? name.slice(tripleTrailerPrefix.length) : name;
    for (const v of Array.isArray(value) ? value : [String(value)]) target.append(key, v);
  }
  try {
    options?.onHeader?.(metadata);
    options?.onTrailer?.(trailers);
  } catch (error) {
    throw toTripleError(error, "response metadata callback failed");
  }
  let payload = response.body;
  if (tripleHeader(response.headers["content-encoding"] as string | undefined) === "gzip") payload = gzipDecompress(payload, maxBytes);
  if (response.status !== 200) {
    // As with gRPC, an error carries the metadata of the whole response: headers and trailers.
    const all = new Headers(metadata);
    trailers.forEach((value, name) => all.append(name, value));
    throw tripleErrorFromBody(response.status, new TextDecoder().decode(payload), all);
  }
  try {
    const maxDepth = config.maxMessageDepth ?? protobufDefaultMaxDepth;
    return json
      ? method.output.fromJsonString(new TextDecoder().decode(payload), { ignoreUnknownFields: true, maxDepth })
      : method.output.decode(payload, { maxDepth });
  } catch (error) {
    throw new TripleError(Code.INTERNAL, `failed to decode ${method.output.typeName}: ${(error as Error).message}`, { cause: error });
  }
}

function tripleSendHttp2(
  config: ClientCallConfig,
  path: string,
  headers: OutgoingHttpHeaders,
  body: Uint8Array,
  signal: AbortSignal,
  maxBytes: number,
): Promise<TripleUnaryResponse> {
  return new Promise((resolve, reject) => {
    const stream = config.transport.request({ ...headers, ":method": "POST", ":path": path });
    const collect = tripleCollector(maxBytes, reject, () => http2ResetStream(stream, http2CancelCode));
    let responseHeaders: IncomingHttpHeaders = {};
    let status = 0;
    stream.on("response", (h) => {
      responseHeaders = h;
      status = Number(h[":status"]);
    });
    stream.on("data", collect.push);
    stream.on("error", reject);
    stream.on("close", () => {
      if (status === 0) reject(new TripleError(Code.UNAVAILABLE, `stream closed without a response (code ${stream.rstCode ?? 0})`));
      else resolve({ status, headers: responseHeaders, body: collect.bytes() });
    });
    signal.addEventListener("abort", () => http2ResetStream(stream, http2CancelCode), { once: true });
    stream.end(body);
  });
}

function tripleSendHttp1(
  config: ClientCallConfig,
  path: string,
  headers: OutgoingHttpHeaders,
  body: Uint8Array,
  signal: AbortSignal,
  maxBytes: number,
): Promise<TripleUnaryResponse> {
  return new Promise((resolve, reject) => {
    const base = new URL(config.transport.baseUrl);
    const send = base.protocol === "https:" ? https1Request : http1Request;
    const req = send(
      new URL(path, base),
      {
        method: "POST",
        headers: { ...headers, "content-length": body.length } as Record<string, string | number>,
        agent: config.transport.http1Agent(),
        signal,
      },
      (res) => {
        const collect = tripleCollector(maxBytes, reject, () => res.destroy());
        res.on("data", collect.push);
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: collect.bytes() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Accumulates a response body, failing with RESOURCE_EXHAUSTED beyond `maxBytes`. */
function tripleCollector(maxBytes: number, reject: (e: unknown) => void, stop: () => void) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    push: (chunk: Uint8Array): void => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new TripleError(Code.RESOURCE_EXHAUSTED, `response body exceeds the maximum of ${maxBytes} bytes`));
        stop();
        return;
      }
      chunks.push(chunk);
    },
    bytes: (): Uint8Array => tripleConcat(chunks, size),
  };
}
