// A dubbo-js 3.0.0-alpha GreetService client, one call per requested check:
//
//   node client.js --target 127.0.0.1:PORT [--protocol grpc|triple] [--http 2|1.1]
//     [--format binary|json] [--compression gzip|none] [--group G] [--version V]
//     [--checks unary,bidi,client,server,metadata,error,deadline,cancel]
//
//   --protocol grpc   createGrpcTransport: the gRPC protocol (application/grpc+proto|json); needs --http 2.
//   --protocol triple createDubboTransport: dubbo-js's "Triple" protocol, which is the Connect protocol
//                     with TRI-* headers: unary = application/proto|json with TRI-Protocol-Version,
//                     TRI-Service-Timeout, TRI-Service-Group/Version (works over --http 1.1 or 2);
//                     streaming = application/connect+proto|json (Connect streaming envelopes).
//   --protocol grpc-web createGrpcWebTransport: gRPC-Web (application/grpc-web+proto|json), HTTP/1.1 or 2.
//   --group/--version are sent only by the Triple transport (dubbo-js's gRPC transport ignores the
//                     service options of createPromiseClient).
//
// Prints one JSON line per check: {"check","ok",…}. `ok` says whether the outcome was the expected
// one; the line also carries what was received, so the test asserts the details. Exit code 0 when
// every check is ok, 1 otherwise, 2 on bad arguments.
import { parseArgs } from "node:util";
import { Code, createPromiseClient, decodeBinaryHeader, DubboError, encodeBinaryHeader } from "@apachedubbo/dubbo";
import { compressionGzip, createDubboTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@apachedubbo/dubbo-node";
import { GreetService } from "./gen/greet_dubbo.js";
import { GreetResponse } from "./gen/greet_pb.js";

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    protocol: { type: "string", default: "grpc" },
    http: { type: "string", default: "2" },
    format: { type: "string", default: "binary" },
    compression: { type: "string", default: "none" },
    group: { type: "string" },
    version: { type: "string" },
    checks: { type: "string", default: "unary,bidi,client,server" },
  },
});
if (values.target === undefined || !["grpc", "triple", "grpc-web"].includes(values.protocol) || !["2", "1.1"].includes(values.http)) {
  process.stderr.write("usage: node client.js --target HOST:PORT [--protocol grpc|triple] [--http 2|1.1] …\n");
  process.exit(2);
}

const baseUrl = `http://${values.target}`;
const sessionManager = values.http === "2" ? new Http2SessionManager(baseUrl) : undefined;
const transportOptions = {
  baseUrl,
  httpVersion: values.http,
  useBinaryFormat: values.format !== "json",
  ...(sessionManager !== undefined ? { sessionManager } : {}),
  ...(values.compression === "gzip" ? { sendCompression: compressionGzip, compressMinBytes: 0 } : {}),
};
const transport =
  values.protocol === "grpc"
    ? createGrpcTransport(transportOptions)
    : values.protocol === "grpc-web"
      ? createGrpcWebTransport(transportOptions)
      : createDubboTransport(transportOptions);
const serviceOptions = {
  ...(values.group !== undefined ? { serviceGroup: values.group } : {}),
  ...(values.version !== undefined ? { serviceVersion: values.version } : {}),
};
const client = createPromiseClient(GreetService, transport, serviceOptions);

/** An async iterable fed by push(): lets a bidi call interleave requests with responses. */
function pushable() {
  const items = [];
  let wake;
  let ended = false;
  return {
    push(item) {
      items.push(item);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length > 0) {
          yield items.shift();
          continue;
        }
        if (ended) return;
        await new Promise((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}

const headersObject = (headers) => (headers === undefined ? null : Object.fromEntries(headers.entries()));
const errorObject = (error) => {
  const e = DubboError.from(error);
  return {
    code: e.code,
    codeName: Code[e.code],
    message: e.rawMessage,
    details: e.details.map((d) => ({ type: d.type, greeting: GreetResponse.fromBinary(d.value).greeting })),
    metadata: Object.fromEntries(e.metadata.entries()),
  };
};

const checks = {
  async unary() {
    const response = await client.greet({ name: "triple" });
    return { ok: response.greeting === "triple", greetings: [response.greeting] };
  },
  async bidi() {
    const requests = pushable();
    const responses = client.greetStream(requests)[Symbol.asyncIterator]();
    const greetings = [];
    for (const name of ["a", "b", "c"]) {
      requests.push({ name });
      const next = await responses.next();
      if (next.done) break;
      greetings.push(next.value.greeting);
    }
    requests.end();
    const last = await responses.next();
    return { ok: last.done === true && greetings.join() === "a,b,c", greetings, interleaved: true };
  },
  async client() {
    async function* requests() {
      for (let i = 0; i < 5; i++) yield { name: "triple" };
    }
    const response = await client.greetClientStream(requests());
    return { ok: response.greeting === "triple,triple,triple,triple,triple", greetings: [response.greeting] };
  },
  async server() {
    const greetings = [];
    for await (const response of client.greetServerStream({ name: "triple" })) greetings.push(response.greeting);
    return { ok: greetings.length === 5 && greetings.every((g) => g === "triple"), greetings };
  },
  async metadata() {
    const bin = Uint8Array.of(0, 1, 2, 250, 255);
    let header;
    let trailer;
    const response = await client.greet(
      { name: "m" },
      { headers: { "x-echo": "echo value", "x-echo-bin": encodeBinaryHeader(bin) }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    const echoedBin = header?.get("x-echo-bin");
    const ok =
      response.greeting === "m" &&
      header?.get("x-echo-header") === "echo value" &&
      trailer?.get("x-echo-trailer") === "echo value" &&
      echoedBin != null &&
      Buffer.from(decodeBinaryHeader(echoedBin)).equals(Buffer.from(bin));
    return { ok, header: headersObject(header), trailer: headersObject(trailer) };
  },
  async error() {
    try {
      await client.greet({ name: "error" });
      return { ok: false, reason: "the call succeeded" };
    } catch (error) {
      const e = errorObject(error);
      return { ok: e.code === Code.InvalidArgument, error: e };
    }
  },
  async deadline() {
    const started = Date.now();
    try {
      await client.greet({ name: "slow" }, { timeoutMs: 300 });
      return { ok: false, reason: "the call succeeded" };
    } catch (error) {
      const e = errorObject(error);
      return { ok: e.code === Code.DeadlineExceeded, elapsedMs: Date.now() - started, error: e };
    }
  },
  async cancel() {
    const controller = new AbortController();
    const greetings = [];
    try {
      for await (const response of client.greetServerStream({ name: "forever" }, { signal: controller.signal })) {
        greetings.push(response.greeting);
        if (greetings.length === 2) controller.abort();
      }
      return { ok: false, reason: "the stream ended normally", greetings };
    } catch (error) {
      const e = errorObject(error);
      // Messages already buffered when abort() ran may still be delivered before the error.
      return { ok: e.code === Code.Canceled, greetings, error: e };
    }
  },
};

let failed = false;
for (const name of values.checks.split(",")) {
  const check = checks[name];
  let line;
  if (check === undefined) line = { check: name, ok: false, reason: "unknown check" };
  else {
    try {
      line = { check: name, ...(await check()) };
    } catch (error) {
      line = { check: name, ok: false, error: errorObject(error) };
    }
  }
  if (!line.ok) failed = true;
  process.stdout.write(JSON.stringify(line) + "\n");
}
// Let the finished streams close first: Http2SessionManager re-arms its (15 min, ref'd) idle timer
// when a stream closes, so an abort() before the last "close" event leaves that timer running.
await new Promise((resolve) => setTimeout(resolve, 20));
sessionManager?.abort();
process.exitCode = failed ? 1 : 0;
// Whatever dubbo-js still holds (see above), do not outlive the checks by more than a second.
setTimeout(() => process.exit(), 1000).unref();
