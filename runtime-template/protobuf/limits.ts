/**
 * Default deepest nesting of messages a decoder accepts (binary and JSON), bounding recursion on
 * hostile input; 100 as in protobuf-es and protoc's runtimes. Every `maxDepth`/`maxMessageDepth`
 * option defaults to it.
 */
export const protobufDefaultMaxDepth = 100;
