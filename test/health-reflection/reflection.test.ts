// Server reflection (grpc.reflection.v1 and v1alpha) as the generated `serveReflection` serves it, over
// real sockets, checked without grpcurl: every request kind against the compiled descriptors (files
// with their transitive imports, once per stream; symbols of every kind; extensions), and bad input
// (unknown file, symbol, extension, type; a request with no kind; malformed bytes) → standard codes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { clone, createFileRegistry, equals, fromBinary, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compileProtos } from "../../generator/compile.js";
import { withBundledProtos } from "../../generator/bundled-protos.js";
import { generate } from "../../generator/generate.js";
import { envelope, rawRequest, useE2E } from "../support/e2e.js";

const e2e = useE2E();
const protosDir = join(import.meta.dirname, "protos");
const protoFiles = ["refl/app.proto", "refl/ext_more.proto"];

// The generated modules, loosely typed: they live in a temporary directory made by this test.
type Module = Record<string, any>;
let outDir = "";
let registry: FileRegistry;
let mods: { runtime: Module; reflection: Module; app: Module; v1: Module; v1alpha: Module };

beforeAll(async () => {
  const compiled = await compileProtos({ files: protoFiles, includePaths: [protosDir] });
  // The user's files plus tristub's bundled reflection protos, as generate() sees them.
  registry = withBundledProtos(createFileRegistry(compiled.descriptorSet), compiled.filesToGenerate, { reflection: true }).registry;
  outDir = mkdtempSync(join(tmpdir(), "tristub-reflection-"));
  for (const file of generate({ registry, filesToGenerate: compiled.filesToGenerate, options: { reflection: true } })) {
    mkdirSync(dirname(join(outDir, file.name)), { recursive: true });
    writeFileSync(join(outDir, file.name), file.content);
  }
  const load = async (path: string): Promise<Module> => (await import(pathToFileURL(join(outDir, path)).href)) as Module;
  mods = {
    runtime: await load("tristub-runtime.ts"),
    reflection: await load("tristub-reflection.ts"),
    app: await load("refl/app.ts"),
    v1: await load("grpc/reflection/v1/reflection.ts"),
    v1alpha: await load("grpc/reflection/v1alpha/reflection.ts"),
  };
});

afterAll(() => {
  if (outDir !== "") rmSync(outDir, { recursive: true, force: true });
});

async function start(): Promise<{ baseUrl: string; port: number }> {
  const server = mods.runtime["createTripleServer"]();
  mods.app["registerApp"](server, { get: (request: object) => request });
  mods.reflection["serveReflection"](server);
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  e2e.defer(() => server.close({ graceMs: 1_000 }));
  return { baseUrl: `http://127.0.0.1:${port}`, port };
}

/** The descriptor a reflection client should get for `name`: the compiled one without source info. */
function expected(name: string) {
  const proto = clone(FileDescriptorProtoSchema, registry.getFile(name)!.proto);
  proto.sourceCodeInfo = undefined;
  return proto;
}

function fileNames(response: Module): string[] {
  expect(response["messageResponse"].case).toBe("fileDescriptorResponse");
  return (response["messageResponse"].value.fileDescriptorProto as Uint8Array[]).map((bytes) => {
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    expect(file.sourceCodeInfo).toBeUndefined();
    expect(equals(FileDescriptorProtoSchema, file, expected(file.name)), `${file.name} as compiled`).toBe(true);
    return file.name;
  });
}

for (const version of ["v1", "v1alpha"] as const) {
  describe(`grpc.reflection.${version}.ServerReflection`, () => {
    const open = async () => {
      const { baseUrl } = await start();
      const client = mods[version]["createServerReflectionClient"]({ baseUrl, closeGraceMs: 500 });
      e2e.defer(() => client.close());
      const stream = client.serverReflectionInfo();
      const ask = async (messageRequest: object, host = "") => {
        await stream.send({ host, messageRequest });
        return (await stream.recv()) as Module;
      };
      return { stream, ask };
    };

    test("list_services: every service registered on the server", async () => {
      const { stream, ask } = await open();
      const response = await ask({ case: "listServices", value: "*" }, "example.test");
      expect(response["validHost"]).toBe("example.test");
      expect(response["originalRequest"]).toMatchObject({ host: "example.test", messageRequest: { case: "listServices", value: "*" } });
      expect(response["messageResponse"]).toEqual({
        case: "listServicesResponse",
        value: { service: [{ name: "refl.App" }, { name: "grpc.reflection.v1.ServerReflection" }, { name: "grpc.reflection.v1alpha.ServerReflection" }] },
      });
      stream.closeRequest();
    });

    test("file_by_filename: the file and its transitive imports, each import once per stream", async () => {
      const { stream, ask } = await open();
      expect(fileNames(await ask({ case: "fileByFilename", value: "refl/app.proto" }))).toEqual([
        "refl/app.proto",
        "refl/common.proto",
        "google/protobuf/timestamp.proto",
      ]);
      // Already sent on this stream: the imports are left out, the file asked for is always sent.
      expect(fileNames(await ask({ case: "fileByFilename", value: "refl/app.proto" }))).toEqual(["refl/app.proto"]);
      expect(fileNames(await ask({ case: "fileByFilename", value: "refl/common.proto" }))).toEqual(["refl/common.proto"]);
      expect(fileNames(await ask({ case: "fileByFilename", value: "refl/ext_more.proto" }))).toEqual(["refl/ext_more.proto", "refl/ext.proto"]);
      stream.closeRequest(); // the server answers the end of the requests with the end of the responses (OK)
      expect(mods.runtime["isEnded"](await stream.recv().catch((error: unknown) => error))).toBe(true);
    });

    test("file_containing_symbol: messages, fields, oneofs, enums and values, services, methods, extensions", async () => {
      const { stream, ask } = await open();
      const cases: [string, string][] = [
        ["refl.Thing", "refl/app.proto"],
        ["refl.Thing.name", "refl/app.proto"],
        ["refl.Thing.choice", "refl/app.proto"],
        ["refl.Thing.Kind", "refl/app.proto"],
        ["refl.Thing.KIND_A", "refl/app.proto"],
        ["refl.Color", "refl/app.proto"],
        ["refl.COLOR_RED", "refl/app.proto"],
        ["refl.App", "refl/app.proto"],
        ["refl.App.Get", "refl/app.proto"],
        ["refl.Stamp", "refl/common.proto"],
        ["google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
        ["refl.tag", "refl/ext_more.proto"],
        ["refl.Holder.flag", "refl/ext_more.proto"],
        ["refl.Extendable", "refl/ext.proto"],
        [`grpc.reflection.${version}.ServerReflection`, `grpc/reflection/${version}/reflection.proto`],
      ];
      for (const [symbol, file] of cases) {
        expect(fileNames(await ask({ case: "fileContainingSymbol", value: symbol }))[0], symbol).toBe(file);
      }
      stream.closeRequest();
    });

    test("file_containing_extension and all_extension_numbers_of_type", async () => {
      const { stream, ask } = await open();
      const ext = (containingType: string, extensionNumber: number) => ({ case: "fileContainingExtension", value: { containingType, extensionNumber } });
      expect(fileNames(await ask(ext("refl.Extendable", 100)))).toEqual(["refl/ext_more.proto", "refl/ext.proto"]);
      expect(fileNames(await ask(ext("refl.Extendable", 150)))).toEqual(["refl/ext_more.proto"]);
      const numbers = await ask({ case: "allExtensionNumbersOfType", value: "refl.Extendable" });
      expect(numbers["messageResponse"].case).toBe("allExtensionNumbersResponse");
      expect(numbers["messageResponse"].value.baseTypeName).toBe("refl.Extendable");
      expect([...numbers["messageResponse"].value.extensionNumber].sort((a: number, b: number) => a - b)).toEqual([100, 101, 150]);
      // A message with no extensions: an empty list, not an error.
      expect((await ask({ case: "allExtensionNumbersOfType", value: "refl.Thing" }))["messageResponse"]).toEqual({
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: "refl.Thing", extensionNumber: [] },
      });
      stream.closeRequest();
    });

    test("unknown names are an error_response with NOT_FOUND, and the stream goes on", async () => {
      const { stream, ask } = await open();
      const notFound = { case: "errorResponse", value: { errorCode: 5, errorMessage: expect.any(String) } };
      const bad: object[] = [
        { case: "fileByFilename", value: "nope.proto" },
        { case: "fileByFilename", value: "" },
        { case: "fileContainingSymbol", value: "refl.Nope" },
        { case: "fileContainingSymbol", value: "__proto__" },
        { case: "fileContainingSymbol", value: "constructor" },
        { case: "fileContainingSymbol", value: "x".repeat(100_000) },
        { case: "fileContainingExtension", value: { containingType: "refl.Extendable", extensionNumber: 199 } },
        { case: "fileContainingExtension", value: { containingType: "refl.Nope", extensionNumber: 100 } },
        { case: "allExtensionNumbersOfType", value: "refl.Nope" },
        { case: "allExtensionNumbersOfType", value: "refl.Thing.name" },
      ];
      for (const request of bad) expect((await ask(request))["messageResponse"], JSON.stringify(request).slice(0, 80)).toEqual(notFound);
      expect(fileNames(await ask({ case: "fileContainingSymbol", value: "refl.Thing" }))[0]).toBe("refl/app.proto");
      stream.closeRequest();
    });

    test("a request with no kind ends the stream with INVALID_ARGUMENT", async () => {
      const { stream } = await open();
      await stream.send({ host: "", messageRequest: { case: undefined } });
      await expect(stream.recv()).rejects.toMatchObject({ code: 3 });
    });
  });
}

test("malformed request bytes: INVALID_ARGUMENT on either version, never a crash; the server goes on", async () => {
  const { port, baseUrl } = await start();
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  e2e.defer(() => new Promise<void>((resolve) => session.close(() => resolve())));
  const bodies = [
    Uint8Array.of(0x1a, 0x7f, 0x61), // file_by_filename, length past the end
    Uint8Array.of(0x2a, 0x02, 0x08), // file_containing_extension holding a truncated varint
    Uint8Array.of(0x0f), // wire type 7
    Uint8Array.of(0x22, 0x02, 0xc3, 0x28), // file_containing_symbol that is not UTF-8
  ];
  for (const version of ["v1", "v1alpha"]) {
    for (const body of bodies) {
      const path = `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`;
      const response = await rawRequest(session, { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" }, envelope(body));
      const trailers = response.trailers ?? response.headers;
      expect(Number(trailers["grpc-status"]), `${version} ${Buffer.from(body).toString("hex")}`).toBe(3);
    }
  }
  const client = mods.v1["createServerReflectionClient"]({ baseUrl, closeGraceMs: 500 });
  e2e.defer(() => client.close());
  const stream = client.serverReflectionInfo();
  await stream.send({ host: "", messageRequest: { case: "listServices", value: "" } });
  expect((await stream.recv())["messageResponse"].case).toBe("listServicesResponse");
  stream.closeRequest();
});

test("seeded random requests (well-formed and not): every answer is a valid response or a standard code", async () => {
  const { port, baseUrl } = await start();
  let seed = 0x5eed;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const words = ["refl", "Thing", "App", "Get", "", ".", "..", "__proto__", "google.protobuf.Timestamp", "refl/app.proto", "é", "\u0000"];
  const text = (): string => Array.from({ length: random(4) }, () => words[random(words.length)]).join(random(2) === 0 ? "." : "/");
  const kinds = ["fileByFilename", "fileContainingSymbol", "allExtensionNumbersOfType", "listServices", "fileContainingExtension"];
  const client = mods.v1alpha["createServerReflectionClient"]({ baseUrl, closeGraceMs: 500 });
  e2e.defer(() => client.close());
  const stream = client.serverReflectionInfo();
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const kind = kinds[random(kinds.length)]!;
    const value = kind === "fileContainingExtension" ? { containingType: text(), extensionNumber: random(2) === 0 ? random(300) : -random(1 << 30) } : text();
    await stream.send({ host: text(), messageRequest: { case: kind, value } });
    const answer = (await stream.recv())["messageResponse"];
    seen.add(answer.case);
    if (answer.case === "errorResponse") expect(answer.value.errorCode).toBe(5);
    else expect(["fileDescriptorResponse", "allExtensionNumbersResponse", "listServicesResponse"]).toContain(answer.case);
  }
  stream.closeRequest();
  expect(seen).toContain("errorResponse");
  expect(seen).toContain("listServicesResponse");

  // Random bytes as the request message: OK (it decoded and was answered) or INVALID_ARGUMENT, nothing else.
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  e2e.defer(() => new Promise<void>((resolve) => session.close(() => resolve())));
  const codes = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const body = Uint8Array.from({ length: 1 + random(24) }, () => random(256));
    const path = `/grpc.reflection.${random(2) === 0 ? "v1" : "v1alpha"}.ServerReflection/ServerReflectionInfo`;
    const response = await rawRequest(session, { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" }, envelope(body));
    const code = Number((response.trailers ?? response.headers)["grpc-status"]);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  expect([...codes.keys()].every((code) => code === 0 || code === 3), JSON.stringify([...codes])).toBe(true);
  expect(codes.get(3)).toBeGreaterThan(0);
});
