// A raw HTTP/2 frame writer for attack tests: frames built by hand (RFC 9113 §4, §6) and written on a
// plain net.Socket (or a TLS socket that chose h2 by ALPN), so a test can send what node:http2's
// client never would (a HEADERS block with endless CONTINUATIONs, PINGs without reading the ACKs,
// RST_STREAM right after HEADERS…). Header blocks use HPACK literals without indexing and without
// Huffman coding (RFC 7541 §6.2.2).
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** Frame types (RFC 9113 §6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags. */
export const FrameFlag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

/** The client connection preface (RFC 9113 §3.4). */
export const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** One frame: 9-byte header (24-bit length, type, flags, 31-bit stream id) and payload. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** A SETTINGS frame with `(id, value)` pairs (empty: the initial SETTINGS). */
export function settingsFrame(pairs: readonly (readonly [number, number])[] = []): Buffer {
  const payload = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value >>> 0, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

/** An HPACK integer with an `n`-bit prefix whose high bits are `mask` (RFC 7541 §5.1). */
function hpackInt(value: number, n: number, mask: number): number[] {
  const max = (1 << n) - 1;
  if (value < max) return [mask | value];
  const out = [mask | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  return Buffer.concat([Buffer.from(hpackInt(bytes.length, 7, 0)), bytes]);
}

/** An HPACK header block: each field a literal without indexing, new name. */
export function hpackBlock(headers: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(headers.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

/** The request headers of a gRPC call to `/greet.GreetService/<method>` (plus `extra`). */
export function grpcRequestBlock(method: string, extra: readonly (readonly [string, string])[] = []): Buffer {
  return hpackBlock([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", `/greet.GreetService/${method}`],
    [":authority", "127.0.0.1"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...extra,
  ]);
}

/** HEADERS (END_HEADERS set unless `endHeaders` is false; END_STREAM when `endStream`). */
export function headersFrame(streamId: number, block: Uint8Array, options: { endStream?: boolean; endHeaders?: boolean } = {}): Buffer {
  const flags = (options.endHeaders === false ? 0 : FrameFlag.END_HEADERS) | (options.endStream === true ? FrameFlag.END_STREAM : 0);
  return frame(FrameType.HEADERS, flags, streamId, block);
}

/** RST_STREAM with an error code (default CANCEL, 0x8). */
export function rstStreamFrame(streamId: number, code = 0x8): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** PING with an 8-byte payload derived from `n`. */
export function pingFrame(n: number, ack = false): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(n >>> 0, 4);
  return frame(FrameType.PING, ack ? FrameFlag.ACK : 0, 0, payload);
}

/** WINDOW_UPDATE of `increment` on a stream (0: the connection). */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(increment, 0);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** A raw HTTP/2 connection the test drives frame by frame. */
export interface RawH2 {
  readonly socket: Socket;
  /** Bytes received so far (frames from the server). */
  received(): number;
  /** Frame types received so far, in order (GOAWAY = 7…), parsed from the byte stream. */
  frames(): { type: number; flags: number; streamId: number; payload: Buffer }[];
  /** The error code of the first GOAWAY received, if any. */
  goawayCode(): number | undefined;
  /** Resolves when the server closed the connection (FIN or reset); `ms` bounds the wait (false: still open). */
  closedWithin(ms: number): Promise<boolean>;
  /** Writes bytes; false when the socket is already gone. */
  write(bytes: Uint8Array): boolean;
}

/**
 * Opens a TCP connection to 127.0.0.1:`port`, sends the preface and an empty SETTINGS (unless
 * `preface` is false) and parses what comes back, acknowledging SETTINGS and PINGs unless `ackPings`
 * is false. `read: false` never reads (a peer that lets the server's output pile up): the socket is
 * paused from the start. With `tlsCa` (the CA's PEM) the connection is TLS, ALPN h2, trusting that CA.
 */
export async function rawH2(port: number, options: { preface?: boolean; read?: boolean; ackPings?: boolean; tlsCa?: string } = {}): Promise<RawH2> {
  const socket: Socket =
    options.tlsCa === undefined ? connect(port, "127.0.0.1") : tlsConnect({ port, host: "127.0.0.1", ca: options.tlsCa, ALPNProtocols: ["h2"] });
  socket.on("error", () => undefined);
  let buffer = Buffer.alloc(0);
  let total = 0;
  const parsed: { type: number; flags: number; streamId: number; payload: Buffer }[] = [];
  let closed = false;
  const closeWaiters: (() => void)[] = [];
  socket.once("close", () => {
    closed = true;
    for (const waiter of closeWaiters) waiter();
  });
  if (options.read === false) socket.pause();
  else {
    socket.on("data", (chunk: Buffer) => {
      total += chunk.length;
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 9) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) break;
        const type = buffer[3]!;
        const flags = buffer[4]!;
        if (parsed.length < 10_000) parsed.push({ type, flags, streamId: buffer.readUInt32BE(5) & 0x7fffffff, payload: buffer.subarray(9, 9 + length) });
        // A well-behaved idle peer acknowledges the server's SETTINGS and PINGs (unless told not to).
        if (options.ackPings !== false && !socket.destroyed) {
          if (type === FrameType.PING && (flags & FrameFlag.ACK) === 0) socket.write(frame(FrameType.PING, FrameFlag.ACK, 0, buffer.subarray(9, 17)));
          if (type === FrameType.SETTINGS && (flags & FrameFlag.ACK) === 0) socket.write(frame(FrameType.SETTINGS, FrameFlag.ACK, 0));
        }
        buffer = buffer.subarray(9 + length);
      }
    });
  }
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tlsCa === undefined ? "connect" : "secureConnect", resolve);
    socket.once("error", reject);
  });
  if (options.preface !== false) socket.write(Buffer.concat([h2Preface, settingsFrame()]));
  return {
    socket,
    received: () => total,
    frames: () => parsed,
    goawayCode: () => {
      const goaway = parsed.find((f) => f.type === FrameType.GOAWAY);
      return goaway === undefined ? undefined : goaway.payload.readUInt32BE(4);
    },
    closedWithin: (ms) =>
      closed
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(closed), ms);
            closeWaiters.push(() => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
    write: (bytes) => {
      if (socket.destroyed || !socket.writable) return false;
      socket.write(bytes);
      return true;
    },
  };
}
