// One conformance RPC with a generated ConformanceService client, following the runner's pseudocode
// per stream type (upstream-docs/testing_clients.md): request headers, timeout, delays between request
// messages, cancellation (before close-send, some ms after close-send, after N responses), and the
// result: response headers, every payload, the RPC error (code, message, details as Any), trailers,
// and how many requests were never sent.
import type { ClientCompatRequest, ClientResponseResult } from "./gen/connectrpc/conformance/v1/client_compat.js";
import { StreamType } from "./gen/connectrpc/conformance/v1/config.js";
import {
  BidiStreamRequest,
  ClientStreamRequest,
  IdempotentUnaryRequest,
  ServerStreamRequest,
  UnaryRequest,
  UnimplementedRequest,
  type ConformancePayload,
  type ConformanceServiceClient,
  type Error$,
} from "./gen/connectrpc/conformance/v1/service.js";
import { Code, isEnded, TripleError, type CallOptions } from "./gen/tristub-runtime.js";
import { appendProtoHeaders, delay, headersToProto, unpackAny } from "./stdio.js";

/** What one RPC observed so far; turned into a ClientResponseResult at the end. */
interface Observed {
  headers: Headers | undefined;
  trailers: Headers | undefined;
  payloads: ConformancePayload[];
  error: Error$ | undefined;
  unsent: number;
}

/** An RPC failure as the runner's Error message; anything but a TripleError is UNKNOWN with its text. */
function errorToProto(error: unknown): Error$ {
  if (error instanceof TripleError) {
    return { code: error.code as number as Error$["code"], message: error.rawMessage, details: error.details.map((d) => ({ typeUrl: d.typeUrl, value: d.value })) };
  }
  return { code: Code.UNKNOWN as number as Error$["code"], message: error instanceof Error ? error.message : String(error), details: [] };
}

/** Records an error; without trailers seen, the error's metadata stands for them (as the runner's docs ask). */
function fail(observed: Observed, error: unknown): void {
  observed.error = errorToProto(error);
  if (observed.trailers === undefined && error instanceof TripleError) observed.trailers = error.metadata;
}

/**
 * Runs the RPC `request` describes on `client` and describes its outcome. Throws only when the RPC
 * could not be attempted (unknown method, request messages of the wrong type).
 */
export async function runRpc(client: ConformanceServiceClient, request: ClientCompatRequest): Promise<ClientResponseResult> {
  const observed: Observed = { headers: undefined, trailers: undefined, payloads: [], error: undefined, unsent: 0 };
  const abort = new AbortController();
  const headers = new Headers();
  appendProtoHeaders(headers, request.requestHeaders);
  const options: CallOptions = {
    headers,
    signal: abort.signal,
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
    onHeader: (h) => (observed.headers = h),
    onTrailer: (t) => (observed.trailers = t),
  };
  const cancel = request.cancel?.cancelTiming;
  /** Cancels `ms` after close-send, when the request asks for that. */
  const cancelAfterCloseSend = (): void => {
    if (cancel?.case === "afterCloseSendMs") setTimeout(() => abort.abort(), cancel.value).unref();
  };
  const cancelAfterResponses = cancel?.case === "afterNumResponses" ? cancel.value : undefined;
  const onPayload = (payload: ConformancePayload | undefined): void => {
    observed.payloads.push(payload ?? { data: new Uint8Array(0) });
    if (cancelAfterResponses !== undefined && observed.payloads.length === cancelAfterResponses) abort.abort();
  };
  const messages = request.requestMessages;
  const method = request.method ?? "";

  switch (method) {
    case "Unary":
    case "IdempotentUnary":
    case "Unimplemented": {
      if (messages.length !== 1) throw new Error(`${method} needs exactly one request message, got ${messages.length}`);
      const call =
        method === "Unary"
          ? () => client.unary(unpackAny(messages[0]!, UnaryRequest), options)
          : method === "IdempotentUnary"
            ? () => client.idempotentUnary(unpackAny(messages[0]!, IdempotentUnaryRequest), options)
            : () => client.unimplemented(unpackAny(messages[0]!, UnimplementedRequest), options);
      cancelAfterCloseSend();
      try {
        const response = await call();
        onPayload("payload" in response ? (response.payload as ConformancePayload | undefined) : undefined);
      } catch (error) {
        fail(observed, error);
      }
      break;
    }
    case "ServerStream": {
      if (messages.length !== 1) throw new Error(`ServerStream needs exactly one request message, got ${messages.length}`);
      const stream = client.serverStream(unpackAny(messages[0]!, ServerStreamRequest), options);
      cancelAfterCloseSend();
      try {
        for await (const response of stream) onPayload(response.payload);
      } catch (error) {
        fail(observed, error);
      }
      observed.headers ??= await stream.headers.catch(() => undefined);
      observed.trailers ??= await stream.trailers.catch(() => undefined);
      break;
    }
    case "ClientStream": {
      const requests = messages.map((m) => unpackAny(m, ClientStreamRequest));
      const stream = client.clientStream(options);
      try {
        for (let i = 0; i < requests.length; i++) {
          await delay(request.requestDelayMs);
          try {
            await stream.send(requests[i]!);
          } catch (error) {
            observed.unsent = requests.length - i;
            throw error;
          }
        }
        if (cancel?.case === "beforeCloseSend") abort.abort();
        cancelAfterCloseSend();
        onPayload((await stream.closeAndRecv()).payload);
      } catch (error) {
        fail(observed, error);
      }
      observed.headers ??= await stream.headers.catch(() => undefined);
      observed.trailers ??= await stream.trailers.catch(() => undefined);
      break;
    }
    case "BidiStream": {
      const fullDuplex = request.streamType === StreamType.STREAM_TYPE_FULL_DUPLEX_BIDI_STREAM;
      const requests = messages.map((m) => unpackAny(m, BidiStreamRequest));
      const stream = client.bidiStream(options);
      try {
        for (let i = 0; i < requests.length; i++) {
          await delay(request.requestDelayMs);
          try {
            await stream.send(requests[i]!);
          } catch (error) {
            observed.unsent = requests.length - i;
            throw error;
          }
          if (fullDuplex) {
            let response;
            try {
              response = await stream.recv();
            } catch (error) {
              if (isEnded(error)) continue;
              observed.unsent = requests.length - i - 1;
              throw error;
            }
            onPayload(response.payload);
          }
        }
        if (cancel?.case === "beforeCloseSend") abort.abort();
        stream.closeRequest();
        cancelAfterCloseSend();
        for (;;) {
          let response;
          try {
            response = await stream.recv();
          } catch (error) {
            if (isEnded(error)) break;
            throw error;
          }
          onPayload(response.payload);
        }
      } catch (error) {
        fail(observed, error);
      }
      observed.headers ??= await stream.headers.catch(() => undefined);
      observed.trailers ??= await stream.trailers.catch(() => undefined);
      break;
    }
    default:
      throw new Error(`unknown method ${JSON.stringify(method)}`);
  }
  return {
    responseHeaders: headersToProto(observed.headers),
    payloads: observed.payloads,
    ...(observed.error !== undefined ? { error: observed.error } : {}),
    responseTrailers: headersToProto(observed.trailers),
    numUnsentRequests: observed.unsent,
    feedback: [],
  };
}
