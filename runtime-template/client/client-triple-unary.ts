import type { CallOptions } from "./call-options.js";
import type { ClientConfig } from "./client-options.js";
import type { ClientCallHandle } from "./client-calls.js";
import type { PlainHttpResponse } from "./client-transport.js";
import { dubboServiceHeaders } from "./client-wire.js";
import { tripleCollector } from "../protocol/body-collector.js";
import { grpcDeadlineTimer } from "../protocol/grpc-timeout.js";
import { http2CancelCode, http2ResetStream } from "../transport/http2-stream.js";
import { metadataToHttp2, type IncomingHeaders, type OutgoingHeaders } from "../protocol/metadata.js";
import type { MethodInfo } from "../protocol/method-info.js";
import { Code } from "../protocol/status-code.js";
import { toTripleError, TripleError } from "../protocol/triple-error.js";
import { tripleErrorFromBody, tripleHeader, tripleTrailerPrefix } from "../protocol/triple-unary.js";
import { connectGetPath, connectUnaryCheck, connectUnaryHeaders } from "./client-connect-unary.js";

/**
 * Calls a unary method with Triple-unary or Connect unary (a plain POST, bare message body; with
 * Connect and `useHttpGet`, a GET for NO_SIDE_EFFECTS methods) over HTTP/2 or, with
 * `httpVersion: "1.1"`, over HTTP/1.1 with keep-alive. Triple sends both timeout and both
 * protocol-version headers so dubbo-go, dubbo-java and dubbo-js servers each find theirs, and reads
 * all three error dialects; Connect reads Connect errors and checks the response as connect-go does.
 */
export async function callTripleUnary<I extends object, O extends object>(
  config: ClientConfig,
  method: MethodInfo<I, O>,
  request: I,
  options: CallOptions | undefined,
): Promise<O> {
  const json = config.codec === "json";
  let body = json ? new TextEncoder().encode(method.input.toJsonString(request, config.jsonWrite)) : method.input.encode(request);
  const headers: OutgoingHeaders = {};
  metadataToHttp2(config.headers, headers);
  metadataToHttp2(options?.headers, headers);
  headers["content-type"] = json ? "application/json" : "application/proto";
  headers["accept-encoding"] = config.acceptEncoding;
  const isConnect = config.protocol === "connect";
  if (!isConnect) {
    headers["triple-protocol-version"] = "0.1.0";
    headers["tri-protocol-version"] = "1.0.0";
  }
  headers["user-agent"] = config.userAgent;
  const timeoutMs = options?.timeoutMs ?? config.timeoutMs;
  if (isConnect) connectUnaryHeaders(headers, timeoutMs);
  else if (timeoutMs !== undefined) {
    // 1–10 digits is all the servers accept (a longer deadline is as good as none).
    headers["triple-timeout-ms"] = String(Math.min(9_999_999_999, Math.max(1, Math.ceil(timeoutMs))));
    headers["tri-service-timeout"] = headers["triple-timeout-ms"];
  }
  dubboServiceHeaders(config, headers);
  const compression = config.requestCompression;
  if (compression !== undefined) {
    body = compression.compress(body);
    headers["content-encoding"] = compression.name;
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
  const maxBytes = config.maxReceiveMessageBytes;
  let response: PlainHttpResponse;
  // A closing client cancels the exchange after its grace period, as it does gRPC calls.
  const handle: ClientCallHandle = {
    shutdown(reason) {
      failure ??= reason;
      controller.abort();
    },
  };
  config.calls.add(handle);
  let path = config.pathPrefix + method.path;
  // A GET whose request target would exceed maxGetUrlBytes falls back to a POST.
  const getPath = isConnect && config.useHttpGet && method.idempotency === "no_side_effects" ? connectGetPath(path, headers, body, json, config.maxGetUrlBytes) : undefined;
  if (getPath !== undefined) path = getPath;
  const httpMethod = getPath !== undefined ? "GET" : "POST";
  try {
    response =
      config.httpVersion === "1.1"
        ? await config.transport.postHttp1(path, headers, body, controller.signal, maxBytes, httpMethod)
        : await tripleSendHttp2(config, path, headers, body, controller.signal, maxBytes, httpMethod);
  } catch (error) {
    if (failure !== undefined) throw failure;
    throw error instanceof TripleError ? error : new TripleError(Code.UNAVAILABLE, (error as Error).message, { cause: error });
  } finally {
    config.calls.delete(handle);
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
  const encoding = tripleHeader(response.headers["content-encoding"])?.toLowerCase();
  if (encoding !== undefined && encoding !== "identity") {
    const responseCompression = config.transport.compressions.get(encoding);
    if (responseCompression === undefined) throw new TripleError(Code.INTERNAL, `unsupported content-encoding ${encoding}`);
    payload = responseCompression.decompress(payload, maxBytes);
  }
  // As with gRPC, an error carries the metadata of the whole response: headers and trailers.
  const all = (): Headers => {
    const merged = new Headers(metadata);
    trailers.forEach((value, name) => merged.append(name, value));
    return merged;
  };
  if (isConnect) connectUnaryCheck(response, json, payload, all);
  else if (response.status !== 200) throw tripleErrorFromBody(response.status, new TextDecoder().decode(payload), all());
  try {
    const maxDepth = config.maxMessageDepth;
    return json
      ? method.output.fromJsonString(new TextDecoder().decode(payload), config.jsonRead)
      : method.output.decode(payload, { maxDepth });
  } catch (error) {
    throw new TripleError(Code.INTERNAL, `failed to decode ${method.output.typeName}: ${(error as Error).message}`, { cause: error });
  }
}

function tripleSendHttp2(
  config: ClientConfig,
  path: string,
  headers: OutgoingHeaders,
  body: Uint8Array,
  signal: AbortSignal,
  maxBytes: number,
  httpMethod: "POST" | "GET",
): Promise<PlainHttpResponse> {
  return new Promise((resolve, reject) => {
    const stream = config.transport.request({ ...headers, ":method": httpMethod, ":path": path });
    const collect = tripleCollector(maxBytes, reject, () => http2ResetStream(stream, http2CancelCode));
    let responseHeaders: IncomingHeaders = {};
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
    if (httpMethod === "GET") stream.end();
    else stream.end(body);
  });
}

