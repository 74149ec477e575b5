// Socket states from /proc/net/tcp and /proc/net/tcp6 (Linux): how many of a server's own sockets
// (local port = the server's port) are ESTABLISHED, CLOSE_WAIT… — what `ss` would show, without it.
import { readFileSync } from "node:fs";

const stateNames: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/** Counts, by state name, the sockets whose local port is `port` (the server's side of each connection). */
export function serverSocketStates(port: number): Record<string, number> {
  const counts: Record<string, number> = {};
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || !fields[1]!.endsWith(`:${hexPort}`)) continue;
      const state = stateNames[fields[3]!] ?? fields[3]!;
      counts[state] = (counts[state] ?? 0) + 1;
    }
  }
  return counts;
}

/** Server sockets holding a file descriptor on the server's side, other than the listener. */
export function liveServerSockets(port: number): number {
  const states = serverSocketStates(port);
  return (states["ESTABLISHED"] ?? 0) + (states["CLOSE_WAIT"] ?? 0) + (states["SYN_RECV"] ?? 0);
}
