// The tristub ConformanceService handler: what connectrpc's conformance runner asks of a server under
// test (upstream-docs/testing_servers.md of ../shared/tools/connect-conformance). Each request carries a
// response definition (headers, trailers, payloads or an error, delays); the handler echoes what it
// observed (request headers, timeout, every request as Any) in the first payload, or in the error's
// details when no payload was sent.
import {
  BidiStreamRequest,
  ClientStreamRequest,
  ConformancePayload_RequestInfo,
  IdempotentUnaryRequest,
  type ConformancePayload_ConnectGetInfo,
  ServerStreamRequest,
  UnaryRequest,
  type ConformancePayload,
  type ConformanceServiceHandler,
  type Error$,
  type StreamResponseDefinition,
  type UnaryResponseDefinition,
} from "./gen/connectrpc/conformance/v1/service.js";
import type { Any } from "./gen/google/protobuf/any.js";
import { Code, TripleError, type HandlerContext } from "./gen/tristub-runtime.js";
import { appendProtoHeaders, delay, headersToProto, packAny } from "./stdio.js";

/**
 * The query parameters of a GET request (Connect unary GET), for `connect_get_info`; undefined for
 * POST. HandlerContext has no public request-line API yet, so this reads its raw HTTP/2 headers
 * (`:method`, `:path`); replace with that API once the runtime serves Connect GET.
 */
function connectGetInfo(ctx: HandlerContext): ConformancePayload_ConnectGetInfo | undefined {
  const raw = (ctx as unknown as { rawHeaders?: Record<string, string | string[] | undefined> }).rawHeaders;
  if (raw?.[":method"] !== "GET") return undefined;
  const path = String(raw[":path"] ?? "");
  const query = path.includes("?") ? path.slice(path.indexOf("?") + 1) : "";
  const params = new Map<string, string[]>();
  new URLSearchParams(query).forEach((value, name) => params.set(name, [...(params.get(name) ?? []), value]));
  return { queryParams: [...params].map(([name, value]) => ({ name, value })) };
}

/** What the handler saw of the call: headers, timeout, the requests (as Any), GET query parameters. */
function requestInfo(ctx: HandlerContext, requests: Any[]): ConformancePayload_RequestInfo {
  const timeoutMs = ctx.timeoutMs;
  return ConformancePayload_RequestInfo.create({
    requestHeaders: headersToProto(ctx.requestHeaders),
    timeoutMs: timeoutMs === undefined ? undefined : BigInt(Math.round(timeoutMs)),
    requests,
    connectGetInfo: connectGetInfo(ctx),
  });
}

/** The error a response definition asks for, with `info` (when given) appended to its details. */
function definedError(error: Error$, info: ConformancePayload_RequestInfo | undefined): TripleError {
  const details = error.details.map((detail) => ({ typeUrl: detail.typeUrl, value: detail.value }));
  if (info !== undefined) details.push(packAny(ConformancePayload_RequestInfo, info));
  return new TripleError(error.code as number as Code, error.message ?? "", { details });
}

/** Sets a definition's response headers and trailers on the call. */
function applyMetadata(ctx: HandlerContext, definition: UnaryResponseDefinition | StreamResponseDefinition | undefined): void {
  if (definition === undefined) return;
  appendProtoHeaders(ctx.responseHeaders, definition.responseHeaders);
  appendProtoHeaders(ctx.responseTrailers, definition.responseTrailers);
}

/** Unary and client-stream responses: a payload echoing the requests, or the defined error. */
async function unaryResponse(ctx: HandlerContext, definition: UnaryResponseDefinition | undefined, requests: Any[]): Promise<{ payload: ConformancePayload }> {
  applyMetadata(ctx, definition);
  const info = requestInfo(ctx, requests);
  if (definition?.response.case === "error") throw definedError(definition.response.value, info);
  await delay(definition?.responseDelayMs ?? 0, ctx.signal);
  const data = definition?.response.case === "responseData" ? definition.response.value : new Uint8Array(0);
  return { payload: { data, requestInfo: info } };
}

/** Every ConformanceService method but `Unimplemented`, which answers UNIMPLEMENTED as a missing method would. */
export const conformanceHandler: ConformanceServiceHandler = {
  unary: (request, ctx) => unaryResponse(ctx, request.responseDefinition, [packAny(UnaryRequest, request)]),

  idempotentUnary: (request, ctx) => unaryResponse(ctx, request.responseDefinition, [packAny(IdempotentUnaryRequest, request)]),

  unimplemented() {
    throw new TripleError(Code.UNIMPLEMENTED, "connectrpc.conformance.v1.ConformanceService.Unimplemented is not implemented");
  },

  async clientStream(stream, ctx) {
    let definition: UnaryResponseDefinition | undefined;
    let first = true;
    const requests: Any[] = [];
    for await (const request of stream) {
      if (first) definition = request.responseDefinition;
      first = false;
      requests.push(packAny(ClientStreamRequest, request));
    }
    return unaryResponse(ctx, definition, requests);
  },

  async serverStream(request, stream, ctx) {
    const definition = request.responseDefinition;
    applyMetadata(ctx, definition);
    const requests = [packAny(ServerStreamRequest, request)];
    let info: ConformancePayload_RequestInfo | undefined = requestInfo(ctx, requests);
    for (const data of definition?.responseData ?? []) {
      await delay(definition?.responseDelayMs ?? 0, ctx.signal);
      await stream.send({ payload: { data, requestInfo: info } });
      info = undefined;
    }
    if (definition?.error !== undefined) {
      throw definedError(definition.error, definition.responseData.length === 0 ? requestInfo(ctx, requests) : undefined);
    }
  },

  async bidiStream(stream, ctx) {
    let definition: StreamResponseDefinition | undefined;
    let fullDuplex = false;
    let first = true;
    let sent = 0;
    let requests: Any[] = [];
    for await (const request of stream) {
      if (first) {
        definition = request.responseDefinition;
        fullDuplex = request.fullDuplex;
        applyMetadata(ctx, definition);
        first = false;
      }
      requests.push(packAny(BidiStreamRequest, request));
      if (!fullDuplex) continue;
      // Full duplex: one response per request, echoing the requests since the last response.
      if (definition === undefined || sent >= definition.responseData.length) break;
      await delay(definition.responseDelayMs, ctx.signal);
      await stream.send({ payload: { data: definition.responseData[sent] ?? new Uint8Array(0), requestInfo: requestInfo(ctx, requests) } });
      sent++;
      requests = [];
    }
    // Half duplex (nothing sent yet), or full duplex with more responses than requests.
    const info = requestInfo(ctx, requests);
    const responseData = definition?.responseData ?? [];
    for (; sent < responseData.length; sent++) {
      await delay(definition?.responseDelayMs ?? 0, ctx.signal);
      await stream.send({ payload: { data: responseData[sent] ?? new Uint8Array(0), requestInfo: sent === 0 ? info : undefined } });
    }
    if (definition?.error !== undefined) throw definedError(definition.error, responseData.length === 0 ? info : undefined);
  },
};
