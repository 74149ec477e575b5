import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { FileScope } from "../model/file-scope.js";
import { methodPropertyName } from "../model/member-names.js";
import { renderTemplate } from "../templates.js";
import { jsDocOf } from "./jsdoc.js";

/** Which halves of the RPC code to generate. */
export type ServiceTarget = "both" | "client" | "server" | "none";

interface KindCode {
  readonly callFn: string;
  readonly serveFn: string;
  clientParams(input: string, options: string): string;
  clientResult(input: string, output: string, rt: (name: string) => string): string;
  handlerParams(input: string, output: string, ctx: string, rt: (name: string) => string): string;
  handlerResult(output: string): string;
  readonly hasRequest: boolean;
  readonly serveArgs: string;
}

const kinds: Record<DescMethod["methodKind"], KindCode> = {
  unary: {
    callFn: "callUnary",
    serveFn: "serveUnary",
    clientParams: (i, o) => `request: ${i}, options?: ${o}`,
    clientResult: (_, o) => `Promise<${o}>`,
    handlerParams: (i, _, c) => `request: ${i}, ctx: ${c}`,
    handlerResult: (o) => `Promise<${o}> | ${o}`,
    hasRequest: true,
    serveArgs: "(request, ctx)",
  },
  server_streaming: {
    callFn: "callServerStream",
    serveFn: "serveServerStream",
    clientParams: (i, o) => `request: ${i}, options?: ${o}`,
    clientResult: (_, o, rt) => `${rt("ServerStreamingCall")}<${o}>`,
    handlerParams: (i, o, c, rt) => `request: ${i}, stream: ${rt("ResponseSink")}<${o}>, ctx: ${c}`,
    handlerResult: () => `Promise<void> | void`,
    hasRequest: true,
    serveArgs: "(request, stream, ctx)",
  },
  client_streaming: {
    callFn: "callClientStream",
    serveFn: "serveClientStream",
    clientParams: (_, o) => `options?: ${o}`,
    clientResult: (i, o, rt) => `${rt("ClientStreamingCall")}<${i}, ${o}>`,
    handlerParams: (i, _, c, rt) => `stream: ${rt("RequestStream")}<${i}>, ctx: ${c}`,
    handlerResult: (o) => `Promise<${o}> | ${o}`,
    hasRequest: false,
    serveArgs: "(stream, ctx)",
  },
  bidi_streaming: {
    callFn: "callBidiStream",
    serveFn: "serveBidiStream",
    clientParams: (_, o) => `options?: ${o}`,
    clientResult: (i, o, rt) => `${rt("BidiStreamingCall")}<${i}, ${o}>`,
    handlerParams: (i, o, c, rt) => `stream: ${rt("ServerBidiStream")}<${i}, ${o}>, ctx: ${c}`,
    handlerResult: () => `Promise<void> | void`,
    hasRequest: false,
    serveArgs: "(stream, ctx)",
  },
};

/**
 * Emits a service: its method table, and per `target` a typed client (`create…Client`) and a handler
 * interface with its `register…` function. Only the runtime pieces the service's method kinds need
 * are referenced, so a unary-only service carries no streaming code.
 */
export function emitService(service: DescService, scope: FileScope, target: ServiceTarget): string {
  const client = target === "both" || target === "client";
  const server = target === "both" || target === "server";
  const rtType = (name: string): string => scope.rt(name, false);
  const methods = service.methods.map((method) => {
    const kind = kinds[method.methodKind];
    const input = scope.ref(method.input, true);
    const output = scope.ref(method.output, true);
    const callOptions = client ? scope.rt("CallOptions", false) : "";
    const ctx = server ? scope.rt("HandlerContext", false) : "";
    return {
      jsdoc: jsDocOf(method, "  "),
      property: methodPropertyName(method),
      protoName: method.name,
      path: `/${service.typeName}/${method.name}`,
      kind: method.methodKind,
      // MethodOptions.IdempotencyLevel: 1 NO_SIDE_EFFECTS, 2 IDEMPOTENT (0: unknown, left out).
      idempotency: method.idempotency === 1 ? "no_side_effects" : method.idempotency === 2 ? "idempotent" : "",
      input,
      output,
      hasRequest: kind.hasRequest,
      clientParams: client ? kind.clientParams(input, callOptions) : "",
      clientResult: client ? kind.clientResult(input, output, rtType) : "",
      clientArgs: kind.hasRequest ? "request, options" : "options",
      callFn: client ? scope.rt(kind.callFn) : "",
      handlerParams: server ? kind.handlerParams(input, output, ctx, rtType) : "",
      handlerResult: server ? kind.handlerResult(output) : "",
      serveFn: server ? scope.rt(kind.serveFn) : "",
      serveParams: kind.serveArgs,
      serveCall: kind.serveArgs.slice(1, -1),
    };
  });
  const rt: Record<string, string> = { MethodInfo: scope.rt("MethodInfo", false) };
  if (client) {
    rt["ClientOptions"] = scope.rt("ClientOptions", false);
    rt["createClientConfig"] = scope.rt("createClientConfig");
    rt["closeClientConfig"] = scope.rt("closeClientConfig");
  }
  if (server) {
    rt["TripleServer"] = scope.rt("TripleServer", false);
    rt["ServerRegistration"] = scope.rt("ServerRegistration", false);
  }
  return renderTemplate("service", {
    jsdoc: jsDocOf(service),
    name: scope.ref(service, true),
    typeName: service.typeName,
    methods,
    client,
    server,
    rt,
    hasMethods: service.methods.length > 0,
    handlerParam: service.methods.length > 0 ? "handler" : "_handler",
  });
}

/** Runtime exports users need besides what generated code references: errors, codes, the server. */
export function serviceApiRoots(target: ServiceTarget): string[] {
  const common = ["TripleError", "Code", "codeName", "isEnded", "encodeBinaryHeader", "decodeBinaryHeader"];
  const client = ["Http2ClientTransport"];
  const server = ["createTripleServer"];
  switch (target) {
    case "both":
      return [...common, ...client, ...server];
    case "client":
      return [...common, ...client];
    case "server":
      return [...common, ...server];
    case "none":
      return [];
  }
}
