// Routing: Dubbo group/version isolation (tri-service-group / tri-service-version), versionFallback,
// and UNIMPLEMENTED as a trailers-only response for unknown methods and services.
import { describe, expect, it } from "vitest";
import { GreetRequest, GreetResponse, type GreetServiceHandler } from "../../snapshots/services/greet.js";
import { Code, TripleError } from "../../snapshots/services/tristub-runtime.js";
import { envelope, expectCode, grpcHeaders, rawRequest, unframe, useE2E } from "../support/e2e.js";

const e2e = useE2E();

/** A handler whose every reply names `label`. */
function labelled(label: string): Partial<GreetServiceHandler> {
  return {
    greet: () => ({ greeting: label }),
    async greetServerStream(_, stream) {
      await stream.send({ greeting: label });
    },
    async greetStream(stream) {
      for await (const _ of stream) await stream.send({ greeting: label });
    },
    async greetClientStream(stream) {
      for await (const _ of stream);
      return { greeting: label };
    },
  };
}

const versions = {
  handler: labelled("v1"),
  registration: { version: "1.0.0" },
  extra: [
    { handler: labelled("v2"), registration: { version: "2.0.0" } },
    { handler: labelled("g1-v2"), registration: { group: "g1", version: "2.0.0" } },
  ],
};

describe("group and version", () => {
  it("routes each call to the implementation of its group and version", async () => {
    const target = await e2e.start(versions);
    expect((await e2e.client(target, { version: "1.0.0" }).greet({ name: "" })).greeting).toBe("v1");
    expect((await e2e.client(target, { version: "2.0.0" }).greet({ name: "" })).greeting).toBe("v2");
    const g1 = e2e.client(target, { group: "g1", version: "2.0.0" });
    expect((await g1.greet({ name: "" })).greeting).toBe("g1-v2");
    for await (const reply of g1.greetServerStream({ name: "" })) expect(reply.greeting).toBe("g1-v2");
    const bidi = g1.greetStream();
    await bidi.send({ name: "" });
    expect((await bidi.recv()).greeting).toBe("g1-v2");
    bidi.closeRequest();
    const upload = e2e.client(target, { version: "2.0.0" }).greetClientStream();
    await upload.send({ name: "" });
    expect((await upload.closeAndRecv()).greeting).toBe("v2");
  });

  it("answers a wrong or absent version, or a wrong group, with UNIMPLEMENTED", async () => {
    const target = await e2e.start(versions);
    for (const options of [{ version: "3.0.0" }, {}, { group: "g2", version: "1.0.0" }, { group: "g1", version: "1.0.0" }]) {
      const client = e2e.client(target, options);
      const error = await expectCode(client.greet({ name: "" }), Code.UNIMPLEMENTED);
      expect(error.rawMessage).toContain("no implementation");
      await expectCode(client.greetServerStream({ name: "" }).recv(), Code.UNIMPLEMENTED);
    }
  });

  it("versionFallback picks version 1.0.0 of the group, then any implementation", async () => {
    const target = await e2e.start({ ...versions, options: { versionFallback: true } });
    expect((await e2e.client(target).greet({ name: "" })).greeting).toBe("v1");
    expect((await e2e.client(target, { version: "9.9.9" }).greet({ name: "" })).greeting).toBe("v1");
    expect((await e2e.client(target, { version: "2.0.0" }).greet({ name: "" })).greeting).toBe("v2");
    expect((await e2e.client(target, { group: "g1", version: "2.0.0" }).greet({ name: "" })).greeting).toBe("g1-v2");
  });

  it("a service registered without group/version serves clients that send none", async () => {
    const target = await e2e.start({ handler: labelled("plain") });
    expect((await e2e.client(target).greet({ name: "" })).greeting).toBe("plain");
    await expectCode(e2e.client(target, { version: "1.0.0" }).greet({ name: "" }), Code.UNIMPLEMENTED);
  });

  it("refuses to register the same group and version twice", async () => {
    let thrown: unknown;
    try {
      await e2e.start({ handler: labelled("a"), registration: { version: "1.0.0" }, extra: [{ handler: labelled("b"), registration: { version: "1.0.0" } }] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TripleError);
    expect((thrown as TripleError).code).toBe(Code.ALREADY_EXISTS);
  });
});

describe("unknown methods and services", () => {
  const request = envelope(GreetRequest.encode({ name: "x" }));

  it("answers an unknown method with a single HEADERS frame: grpc-status 12, no body, no trailers", async () => {
    const target = await e2e.start();
    const response = await rawRequest(e2e.connect(target), grpcHeaders("NoSuchMethod"), request);
    expect(response.headers[":status"]).toBe(200);
    expect(String(response.headers["content-type"])).toMatch(/^application\/grpc/);
    expect(response.headers["grpc-status"]).toBe(String(Code.UNIMPLEMENTED));
    expect(String(response.headers["grpc-message"])).toContain("NoSuchMethod");
    expect(response.trailers).toBeUndefined();
    expect(response.body.length).toBe(0);
    expect(response.rstCode).toBe(0);
  });

  it("the generated client maps it to UNIMPLEMENTED for every kind", async () => {
    const target = await e2e.start({ empty: true });
    const client = e2e.client(target);
    let trailers: Headers | undefined;
    const error = await expectCode(client.greet({ name: "" }, { onTrailer: (t) => (trailers = t) }), Code.UNIMPLEMENTED);
    expect(error.rawMessage).toContain("/greet.GreetService/Greet");
    expect(trailers?.get("grpc-status")).toBe(String(Code.UNIMPLEMENTED));
    await expectCode(client.greetServerStream({ name: "" }).recv(), Code.UNIMPLEMENTED);
    const upload = client.greetClientStream();
    await expectCode(upload.closeAndRecv(), Code.UNIMPLEMENTED);
    const bidi = client.greetStream();
    await expectCode(bidi.recv(), Code.UNIMPLEMENTED);
    await expectCode(bidi.send({ name: "late" }), Code.UNIMPLEMENTED);
  });

  it("serves the method under its lower-camel alias too (dubbo-java interop)", async () => {
    const target = await e2e.start();
    const response = await rawRequest(e2e.connect(target), grpcHeaders("greet"), request);
    expect(response.trailers?.["grpc-status"]).toBe("0");
    expect(GreetResponse.decode(unframe(response.body)[0]!.data).greeting).toBe("x");
  });
});
