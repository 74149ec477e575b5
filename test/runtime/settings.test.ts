// Options are resolved once, in one place per side, with named defaults: what every call then reads.
import { describe, expect, it } from "vitest";
import { createClientConfig } from "../../runtime-template/client/client-options.js";
import type { ClientTransport } from "../../runtime-template/client/client-transport.js";
import { createTypeRegistry } from "../../runtime-template/json/json-codec.js";
import { protobufDefaultMaxDepth } from "../../runtime-template/protobuf/limits.js";
import { serverDefaultCompressMinBytes, serverDefaultMaxReceiveMessageBytes, serverResolveSettings } from "../../runtime-template/server/server-settings.js";
import { nodeCompressions, nodeGzip } from "../../runtime-template/transport/node/gzip.js";

const transport: ClientTransport = {
  baseUrl: "http://127.0.0.1:1",
  pathPrefix: "",
  compressions: nodeCompressions,
  request: () => {
    throw new Error("not used");
  },
  postHttp1: () => Promise.reject(new Error("not used")),
  requestHttp1: () => {
    throw new Error("not used");
  },
  close: () => Promise.resolve(),
};

describe("server settings", () => {
  it("apply the named defaults", () => {
    const s = serverResolveSettings({}, nodeCompressions);
    expect(s.maxReceiveMessageBytes).toBe(serverDefaultMaxReceiveMessageBytes);
    expect(s.maxMessageDepth).toBe(protobufDefaultMaxDepth);
    expect(s.compressMinBytes).toBe(serverDefaultCompressMinBytes);
    expect(s.acceptEncoding).toBe("gzip");
    expect(s.jsonRead).toEqual({ ignoreUnknownFields: true, maxDepth: protobufDefaultMaxDepth });
    expect(s.tripleJsonWrite).toEqual({ useProtoFieldName: false });
  });

  it("carry a registry option into every JSON read and write", () => {
    const registry = createTypeRegistry([]);
    const s = serverResolveSettings({ registry, maxMessageDepth: 7, jsonUseProtoNames: true }, nodeCompressions);
    expect(s.jsonRead).toEqual({ ignoreUnknownFields: true, maxDepth: 7, registry });
    expect(s.jsonWrite.registry).toBe(registry);
    expect(s.tripleJsonWrite).toEqual({ useProtoFieldName: true, registry });
  });
});

describe("client config", () => {
  it("resolves defaults, compression and JSON options once", () => {
    const binary = createClientConfig({ transport });
    expect(binary.jsonRead).toBeUndefined();
    expect(binary.requestCompression).toBeUndefined();
    expect(binary.maxMessageDepth).toBe(protobufDefaultMaxDepth);
    const registry = createTypeRegistry([]);
    const json = createClientConfig({ transport, codec: "json", sendCompression: "gzip", registry, maxMessageDepth: 9 });
    expect(json.requestCompression).toBe(nodeGzip);
    expect(json.jsonRead).toEqual({ ignoreUnknownFields: true, maxDepth: 9, registry });
    expect(json.jsonWrite).toEqual({ registry });
    expect(json.ownsTransport).toBe(false);
  });
});
