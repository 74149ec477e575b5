import { EventEmitter } from "node:events";
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { request as http1Request } from "node:http";
import { request as https1Request } from "node:https";
import type { OutgoingHeaders } from "../../protocol/metadata.js";
import type { ClientStreamLike } from "../http2-stream.js";

/** The END_STREAM flag, passed with a response that has no body (`content-length: 0`). */
const http1FlagEndStream = 0x1;
/** RST_STREAM CANCEL: what a stream closed by us reports as its `rstCode`. */
const http1CancelCode = 0x8;

/**
 * One streaming HTTP/1.1 request shaped like a node:http2 client stream (Connect and gRPC-Web streams
 * over HTTP/1.1), so that `ClientCall` drives both HTTP versions the same way: `write`/`end` stream the
 * request body (chunked), `response` carries the status as `:status`, then `data`, `end` and `close`;
 * `close(code)` aborts the exchange (the socket is destroyed, never reused). A socket failure is an
 * `error` (ECONNRESET and the like), as on HTTP/2.
 */
export class Http1ClientStream extends EventEmitter implements ClientStreamLike {
  private readonly req: ClientRequest;
  private res: IncomingMessage | undefined;
  private paused = false;
  private done = false;
  private ended = false;
  private resetCode: number | undefined;
  /** HTTP/1.1 has no session: a socket failure arrives as an `error` instead. */
  readonly session = undefined;

  constructor(baseUrl: string, headers: OutgoingHeaders, agent: Agent, socketPath: string | undefined) {
    super();
    const base = new URL(baseUrl);
    const plain: Record<string, string | number | string[]> = {};
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && name.charCodeAt(0) !== 58 /* ':' */) plain[name] = value;
    }
    const options: RequestOptions = { method: String(headers[":method"] ?? "POST"), headers: plain, agent };
    if (socketPath !== undefined) options.socketPath = socketPath;
    const send = base.protocol === "https:" ? https1Request : http1Request;
    const req = send(new URL(String(headers[":path"] ?? "/"), base), options, (res) => this.onResponse(res));
    this.req = req;
    req.on("error", (error) => this.fail(error));
    req.on("drain", () => this.emit("drain"));
  }

  get closed(): boolean {
    return this.done;
  }

  get destroyed(): boolean {
    return this.done || this.req.destroyed;
  }

  get rstCode(): number | undefined {
    return this.resetCode;
  }

  get writableEnded(): boolean {
    return this.ended;
  }

  write(chunk: Uint8Array): boolean {
    if (this.destroyed) return true;
    return this.req.write(chunk);
  }

  end(chunk?: Uint8Array | string): this {
    if (this.ended) return this;
    this.ended = true;
    if (!this.destroyed) {
      if (chunk === undefined) this.req.end();
      else this.req.end(chunk);
    }
    return this;
  }

  /** Aborts the exchange (any code: HTTP/1.1 can only drop the connection). */
  close(code: number = http1CancelCode): void {
    if (this.done) return;
    this.resetCode = code;
    this.req.destroy();
    this.res?.destroy();
    this.finish();
  }

  pause(): this {
    this.paused = true;
    this.res?.pause();
    return this;
  }

  resume(): this {
    this.paused = false;
    this.res?.resume();
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  private onResponse(res: IncomingMessage): void {
    this.res = res;
    if (this.paused) res.pause();
    const headers: Record<string, string | string[] | undefined> = { ...res.headers, ":status": String(res.statusCode ?? 0) };
    this.emit("response", headers, res.headers["content-length"] === "0" ? http1FlagEndStream : 0);
    res.on("data", (chunk: Uint8Array) => this.emit("data", chunk));
    res.on("end", () => {
      if (this.done) return;
      if (Object.keys(res.trailers).length > 0) this.emit("trailers", res.trailers);
      this.emit("end");
      // The request side may still be open (the server answered early): the socket cannot be reused.
      if (!this.ended) this.req.destroy();
      this.finish();
    });
    res.on("error", (error) => this.fail(error));
    res.on("aborted", () => this.fail(Object.assign(new Error("response aborted"), { code: "ECONNRESET" })));
  }

  private fail(error: Error): void {
    if (this.done) return;
    this.emit("error", error);
    this.req.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.emit("close");
  }
}
