import { constants as http2Constants } from "node:http2";
import type { Socket } from "node:net";

/**
 * Refuses a connection the server has no room for, in the peer's own protocol where it can tell:
 * HTTP/2 (the preface's first bytes) gets SETTINGS and GOAWAY ENHANCE_YOUR_CALM, HTTP/1.x a 503 with
 * a Triple JSON `unavailable` body; then the socket is ended, and destroyed `graceMs` later.
 */
export function nodeRefuseConnection(socket: Socket, tls: boolean, graceMs: number): void {
  socket.on("error", () => undefined);
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  if (tls) {
    socket.destroy(); // nothing can be said before a TLS handshake
    return;
  }
  socket.once("data", (chunk: Buffer) => {
    socket.pause();
    if (chunk.subarray(0, 3).toString("latin1") === "PRI") {
      const debug = Buffer.from("too many connections");
      const goaway = Buffer.alloc(9 + 8 + debug.length);
      goaway.writeUIntBE(8 + debug.length, 0, 3);
      goaway[3] = 0x7; // GOAWAY, stream 0, last stream id 0
      goaway.writeUInt32BE(http2Constants.NGHTTP2_ENHANCE_YOUR_CALM, 13);
      debug.copy(goaway, 17);
      socket.end(Buffer.concat([Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]), goaway]));
    } else {
      const body = '{"code":"unavailable","message":"too many connections"}';
      socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    }
  });
}
