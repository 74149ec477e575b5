// Runs the real curl CLI against a test server, the way users call Triple-unary from a shell. Every
// run gets its own temporary directory for the response headers and body (removed afterwards), so
// the status line, headers and the exact body bytes can be asserted separately.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The curl version line, or undefined when curl is not installed (the curl tests then skip). */
export const curlVersion: string | undefined = (() => {
  const result = spawnSync("curl", ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.split("\n")[0] : undefined;
})();

/** Skip reason shown when curl is missing. */
export const curlMissingReason = "curl not installed (.ci/setup.sh installs it): the curl tests are skipped";

/** One finished curl run. */
export interface CurlResult {
  /** curl's exit code (0 = the transfer worked, whatever the HTTP status). */
  readonly exitCode: number | null;
  /** Final HTTP status (after any `100 Continue`); 0 when no response arrived. */
  readonly status: number;
  /** `1.1` or `2`. */
  readonly httpVersion: string;
  /** Final response headers, names lower-cased, repeated names joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The body as UTF-8. */
  readonly text: string;
  /** Request body bytes curl sent. */
  readonly sizeUpload: number;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** What to feed curl's standard input (for `-T -`): `zeroBytes` zeros from `head -c N /dev/zero`. */
export interface CurlInput {
  readonly zeroBytes: number;
}

/**
 * Runs `curl -sS <args>` (args include the URL) and collects the final response. Never rejects on an
 * HTTP error status; rejects only when curl cannot be started or runs longer than `timeoutMs`.
 */
export async function curl(args: readonly string[], options: { input?: CurlInput; timeoutMs?: number } = {}): Promise<CurlResult> {
  const dir = await mkdtemp(join(tmpdir(), "tristub-curl-"));
  const headerFile = join(dir, "headers");
  const bodyFile = join(dir, "body");
  const started = Date.now();
  try {
    const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      // The input comes from a separate process through an OS pipe (no copying through this one),
      // so curl can upload as fast as it wants; `%{size_upload}` tells how much it sent.
      const source = options.input === undefined ? undefined : spawn("head", ["-c", String(options.input.zeroBytes), "/dev/zero"], { stdio: ["ignore", "pipe", "ignore"] });
      const child = spawn("curl", ["-sS", "-D", headerFile, "-o", bodyFile, "-w", "%{http_code} %{http_version} %{size_upload}", ...args], {
        stdio: [source?.stdout ?? "ignore", "pipe", "pipe"],
      });
      source?.stdout.destroy(); // curl holds the pipe now
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
      child.once("error", (error) => {
        clearTimeout(timer);
        source?.kill();
        reject(error);
      });
      child.once("close", (code) => {
        clearTimeout(timer);
        source?.kill(); // head blocks on the full pipe once curl stops reading
        resolve({ exitCode: code, stdout: out, stderr: err });
      });
    });
    const [code = "0", version = "", upload = "0"] = stdout.trim().split(" ");
    const rawHeaders = await readFile(headerFile, "latin1").catch(() => "");
    const body = await readFile(bodyFile).catch(() => Buffer.alloc(0));
    return {
      exitCode,
      status: Number(code),
      httpVersion: version,
      headers: parseLastHeaderBlock(rawHeaders),
      body,
      text: body.toString("utf8"),
      sizeUpload: Number(upload),
      stderr,
      elapsedMs: Date.now() - started,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The headers of the last response in a `-D` dump (interim `100 Continue` blocks come first). */
function parseLastHeaderBlock(raw: string): Record<string, string> {
  const blocks = raw.split(/\r?\n\r?\n/).filter((block) => block.trim() !== "");
  const last = blocks[blocks.length - 1] ?? "";
  const headers: Record<string, string> = {};
  for (const line of last.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}
