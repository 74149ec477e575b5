// Runs the interceptor examples together: a server with logging, metrics and bearer-token auth, a
// client with logging and the token; one call of each kind, then one without a token.
//   npm run -s example:interceptors
import { createGreetServiceClient, registerGreetService } from "../streaming/gen/greet.js";
import { createTripleServer, TripleError } from "../streaming/gen/tristub-runtime.js";
import { authenticatedUserHeader, bearerAuthClient, bearerAuthServer } from "./auth.js";
import { logging } from "./logging.js";
import { createCallMetrics } from "./metrics.js";

/** Runs the demo against a server on a free port; returns what it printed, line by line. */
export async function runInterceptorsDemo(print: (line: string) => void = console.log): Promise<void> {
  const metrics = createCallMetrics();
  const server = createTripleServer({
    // First outermost: every call is logged and counted, refused ones included.
    interceptors: [logging((line) => print(`server ${line}`)), metrics.interceptor, bearerAuthServer(new Map([["s3cret", "alice"]]))],
  });
  registerGreetService(server, {
    greet: (request, ctx) => ({ greeting: `hello ${request.name}, said ${ctx.requestHeaders.get(authenticatedUserHeader)}` }),
    async greetServerStream(request, stream) {
      for (let i = 0; i < 3; i++) await stream.send({ greeting: `${request.name} ${i}` });
    },
    async greetClientStream(stream) {
      const names: string[] = [];
      for await (const request of stream) names.push(request.name);
      return { greeting: names.join(",") };
    },
    async greetStream(stream) {
      for await (const request of stream) await stream.send({ greeting: request.name });
    },
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${port}`;
  const client = createGreetServiceClient({ baseUrl, interceptors: [logging((line) => print(`client ${line}`)), bearerAuthClient("s3cret")] });
  const anonymous = createGreetServiceClient({ baseUrl });
  try {
    print(`reply: ${(await client.greet({ name: "triple" })).greeting}`);
    for await (const reply of client.greetServerStream({ name: "stream" })) print(`reply: ${reply.greeting}`);
    const upload = client.greetClientStream();
    for (const name of ["a", "b", "c"]) await upload.send({ name });
    print(`reply: ${(await upload.closeAndRecv()).greeting}`);
    const chat = client.greetStream();
    await chat.send({ name: "ping" });
    print(`reply: ${(await chat.recv()).greeting}`);
    chat.closeRequest();
    for await (const reply of chat) print(`reply: ${reply.greeting}`);
    try {
      await anonymous.greet({ name: "nobody" });
    } catch (error) {
      print(`without a token: ${error instanceof TripleError ? `${error.code} ${error.rawMessage}` : String(error)}`);
    }
    print(`metrics: ${JSON.stringify(metrics.snapshot())}`);
  } finally {
    await client.close();
    await anonymous.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runInterceptorsDemo();
