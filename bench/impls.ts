// Adapters that give the four implementations of bench.Order one interface for bench/codec.ts.
// They load the code bench/generate.ts wrote to bench/.gen/ (TypeScript through tsx, like a user's
// build would compile it) and build each implementation's native message from the same sample data.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  create,
  createFileRegistry,
  type DescMessage,
  fromBinary,
  fromJsonString as esFromJsonString,
  toBinary,
  toJsonString as esToJsonString,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { type OrderData, orderData } from "./data.ts";
import { genDir, repoRoot } from "./generate.ts";

/** One implementation's operations on its own native message type. */
export interface Impl {
  /** Short key: tristub, protobuf-es, protobufjs, ts-proto. */
  readonly key: string;
  /** Package and version, for the report. */
  readonly label: string;
  /** The sample order in this implementation's native representation. */
  readonly message: unknown;
  encode(message: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  /** Message -> proto3 JSON text, the way a user of this library would do it. */
  toJsonText(message: unknown): string;
  /** proto3 JSON text -> message. */
  fromJsonText(text: string): unknown;
  /** How toJsonText/fromJsonText are done, for the report. */
  readonly jsonHow: string;
}

export interface TristubOrderCodec {
  encode(message: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  toJson(message: unknown): unknown;
  fromJson(json: unknown): unknown;
  toJsonString(message: unknown): string;
  fromJsonString(text: string): unknown;
}

export function packageVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

const load = async (path: string): Promise<Record<string, unknown>> =>
  (await import(pathToFileURL(join(genDir, path)).href)) as Record<string, unknown>;

/** The oneof flattened into optional fields, as ts-proto and protobufjs represent it. */
function flatOneof(data: OrderData): Record<string, unknown> {
  const { payment, ...rest } = data;
  const flat: Record<string, unknown> = { ...rest };
  if (payment.case !== undefined) flat[payment.case] = payment.value;
  return flat;
}

export interface Loaded {
  readonly impls: Impl[];
  /** tristub's Order codec, for the plain-JSON baseline (toJson/fromJson). */
  readonly tristubOrder: TristubOrderCodec;
}

export async function loadImpls(): Promise<Loaded> {
  const tristubVersion = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;

  // (a) tristub.
  const tristubOrder = (await load("tristub/bench.ts"))["Order"] as TristubOrderCodec;
  const tristub: Impl = {
    key: "tristub",
    label: `tristub ${tristubVersion} (working tree)`,
    message: orderData(),
    encode: (m) => tristubOrder.encode(m),
    decode: (b) => tristubOrder.decode(b),
    toJsonText: (m) => tristubOrder.toJsonString(m),
    fromJsonText: (t) => tristubOrder.fromJsonString(t),
    jsonHow: "`Order.toJsonString` / `Order.fromJsonString`",
  };

  // (b) @bufbuild/protobuf v2, schema from the descriptor set.
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(join(genDir, "bench.binpb"))));
  const schema = registry.getMessage("bench.Order");
  if (schema === undefined) throw new Error("bench: bench.Order missing from bench/.gen/bench.binpb");
  const esSchema = schema as DescMessage;
  const es: Impl = {
    key: "protobuf-es",
    label: `@bufbuild/protobuf ${packageVersion("@bufbuild/protobuf")}`,
    // create() takes the same shape as tristub's messages: bigint int64, { case, value } oneofs.
    message: create(esSchema, orderData() as never),
    encode: (m) => toBinary(esSchema, m as never),
    decode: (b) => fromBinary(esSchema, b),
    toJsonText: (m) => esToJsonString(esSchema, m as never),
    fromJsonText: (t) => esFromJsonString(esSchema, t),
    jsonHow: "`toJsonString(schema, m)` / `fromJsonString(schema, s)`",
  };

  // (c) protobufjs static module; int64 fields hold Long objects.
  const pbjsOrder = ((await load("protobufjs/bench.js"))["bench"] as Record<string, unknown>)["Order"] as {
    fromObject(o: unknown): unknown;
    toObject(m: unknown, options: unknown): unknown;
    encode(m: unknown): { finish(): Uint8Array };
    decode(b: Uint8Array): unknown;
  };
  const pbjsToObjectOptions = { longs: String, enums: String, bytes: String, json: true };
  const pbjs: Impl = {
    key: "protobufjs",
    label: `protobufjs ${packageVersion("protobufjs")} static (pbjs ${packageVersion("protobufjs-cli")})`,
    message: pbjsOrder.fromObject(flatOneof(orderData())),
    encode: (m) => pbjsOrder.encode(m).finish(),
    decode: (b) => pbjsOrder.decode(b),
    toJsonText: (m) => JSON.stringify(pbjsOrder.toObject(m, pbjsToObjectOptions)),
    fromJsonText: (t) => pbjsOrder.fromObject(JSON.parse(t)),
    jsonHow: "`JSON.stringify(Order.toObject(m, {longs: String, enums: String, bytes: String, json: true}))` / `Order.fromObject(JSON.parse(s))`",
  };

  // (d) ts-proto (forceLong=bigint, so int64 is bigint as in tristub and protobuf-es).
  const tsprotoOrder = (await load("ts-proto/bench.ts"))["Order"] as {
    fromPartial(o: unknown): unknown;
    encode(m: unknown): { finish(): Uint8Array };
    decode(b: Uint8Array): unknown;
    toJSON(m: unknown): unknown;
    fromJSON(o: unknown): unknown;
  };
  const tsproto: Impl = {
    key: "ts-proto",
    label: `ts-proto ${packageVersion("ts-proto")} (forceLong=bigint)`,
    message: tsprotoOrder.fromPartial(flatOneof(orderData())),
    encode: (m) => tsprotoOrder.encode(m).finish(),
    decode: (b) => tsprotoOrder.decode(b),
    toJsonText: (m) => JSON.stringify(tsprotoOrder.toJSON(m)),
    fromJsonText: (t) => tsprotoOrder.fromJSON(JSON.parse(t)),
    jsonHow: "`JSON.stringify(Order.toJSON(m))` / `Order.fromJSON(JSON.parse(s))`",
  };

  return { impls: [tristub, es, pbjs, tsproto], tristubOrder };
}
