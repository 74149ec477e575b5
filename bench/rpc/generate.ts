// Prepares everything the RPC benchmark runs, offline except for the two installs noted:
//   tristub     node bin/tristub.js generate examples/streaming/greet.proto  -> bench/rpc/.gen/tristub/
//   connect-es  buf generate --template bench/rpc/buf.gen.connect.yaml       -> bench/rpc/.gen/connect/greet_pb.ts
//   dubbo-js    npm ci in bench/dubbo-js (when its node_modules is missing or older than its lock),
//               buf generate --template bench/dubbo-js/buf.gen.yaml         -> bench/dubbo-js/.gen/
//   h2load      apt-get install -y nghttp2-client, when `h2load` is not on PATH
// grpc-js loads greet.proto at run time with @grpc/proto-loader. bench/rpc/.gen/ (gitignored) is
// separate from bench/.gen/, which bench/codec.ts wipes and rewrites.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { benchDir, repoRoot } from "../generate.ts";

export const rpcGenDir = join(benchDir, "rpc", ".gen");
export const dubboDir = join(benchDir, "dubbo-js");
export const greetProto = join(repoRoot, "examples", "streaming", "greet.proto");
const rel = (p: string): string => relative(repoRoot, p);

function run(file: string, args: string[], cwd = repoRoot): string {
  try {
    return execFileSync(file, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    const detail = [e.stdout, e.stderr].filter(Boolean).join("\n");
    throw new Error(`bench: ${basename(file)} ${args.join(" ")} failed:\n${detail || e.message}`);
  }
}

/** `npm ci` in bench/dubbo-js unless its node_modules is current; returns a note for the log. */
export function ensureDubboInstall(): string {
  const marker = join(dubboDir, "node_modules", ".package-lock.json");
  const lock = join(dubboDir, "package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs && existsSync(join(dubboDir, "node_modules", "@apachedubbo", "dubbo-node"))) {
    return "bench/dubbo-js/node_modules is current";
  }
  run("npm", ["ci", "--no-audit", "--no-fund"], dubboDir);
  return "installed bench/dubbo-js with npm ci";
}

/** Installs h2load (Debian nghttp2-client) if missing; returns its version line. */
export function ensureH2load(): string {
  const have = (): boolean => spawnSync("sh", ["-c", "command -v h2load"], { stdio: "ignore" }).status === 0;
  if (!have()) {
    const apt = (args: string[]): number | null =>
      spawnSync("apt-get", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status;
    if (apt(["install", "-y", "nghttp2-client"]) !== 0) {
      apt(["update"]);
      if (apt(["install", "-y", "nghttp2-client"]) !== 0 || !have()) throw new Error("bench: could not install h2load (apt-get install -y nghttp2-client)");
    }
  }
  return run("h2load", ["--version"]).trim();
}

/** Regenerates the three code bases; returns the wall time in ms. */
export function generateRpc(): number {
  const t0 = performance.now();
  rmSync(rpcGenDir, { recursive: true, force: true });
  mkdirSync(rpcGenDir, { recursive: true });
  const cli = process.env["TRISTUB_CLI"] ?? join(repoRoot, "bin", "tristub.js");
  run(process.execPath, [cli, "generate", rel(greetProto), "-I", rel(join(repoRoot, "examples", "streaming")), "--out", rel(join(rpcGenDir, "tristub"))]);
  const buf = join(repoRoot, "node_modules", ".bin", "buf");
  run(buf, ["generate", "examples/streaming", "--path", rel(greetProto), "--template", rel(join(benchDir, "rpc", "buf.gen.connect.yaml"))]);
  rmSync(join(dubboDir, ".gen"), { recursive: true, force: true });
  run(buf, ["generate", "examples/streaming", "--path", rel(greetProto), "--template", rel(join(dubboDir, "buf.gen.yaml"))]);
  return performance.now() - t0;
}
