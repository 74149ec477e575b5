// The public API of the runtime: what users import from `tristub-runtime.js`. Everything else in the
// runtime tree is internal, reachable only between runtime modules and from the generated files.
// The generator re-exports from here exactly the names the output's selected runtime declares.
export { Code, codeName } from "./protocol/status-code.js";
export { TripleError, isEnded, type ErrorDetail, type TripleErrorOptions } from "./protocol/triple-error.js";
export { encodeBinaryHeader, decodeBinaryHeader, type MetadataInit } from "./protocol/metadata.js";
export { type MethodInfo, type MethodKind } from "./protocol/method-info.js";
export {
  type Interceptor,
  type InterceptorNext,
  type InterceptedUnaryRequest,
  type InterceptedStreamRequest,
  type InterceptedUnaryResponse,
  type InterceptedStreamResponse,
} from "./protocol/interceptor.js";
export { ProtobufError } from "./protobuf/protobuf-error.js";
export {
  type MessageCodec,
  type BinaryDecodeOptions,
  type JsonReadOptions,
  type JsonWriteOptions,
  type JsonValue,
  type JsonObject,
  type TypeRegistry,
} from "./protobuf/message-type.js";
export {
  type Extension,
  getExtension,
  setExtension,
  hasExtension,
  clearExtension,
  getOption,
  hasOption,
} from "./protobuf/extension.js";
export { createTypeRegistry } from "./json/json-codec.js";
export { getDefaultTypeRegistry, setDefaultTypeRegistry } from "./json/json-registry.js";
export { type ServerOptions, type ServerTlsOptions } from "./server/server-settings.js";
export { type CorsOptions } from "./server/cors.js";
export { HandlerContext, type PeerInfo } from "./server/server-context.js";
export { type RequestStream, type ResponseSink, type ServerBidiStream } from "./server/server-handlers.js";
export { type ServerRegistration } from "./server/server-routing.js";
export { createTripleServer, TripleServer, type ListenOptions } from "./transport/node/triple-server.js";
export { ServerHealth, type HealthStatus, type HealthOptions } from "./server/health.js";
export { type ClientOptions, type ClientCallOptions, type ClientProtocol } from "./client/client-options.js";
export { type RetryPolicy } from "./client/client-retry.js";
export { type ClientTransport } from "./client/client-transport.js";
export { type CallOptions, type SendOptions } from "./client/call-options.js";
export { type ResponseStream, type ServerStreamingCall, type ClientStreamingCall, type BidiStreamingCall } from "./client/call-shapes.js";
export { Http2ClientTransport, type Http2TransportOptions, type ClientTlsOptions } from "./transport/node/http2-client-transport.js";
