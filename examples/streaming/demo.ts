// `npm run demo`: generates the GreetService stubs with the tristub CLI, starts the server on a free
// port, runs the client against it and prints the client's output (the seed's §3 output).
import { execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
execFileSync(process.execPath, [join(root, "bin", "tristub.js"), "generate", "greet.proto", "--out", "gen"], {
  cwd: here,
  stdio: "inherit",
});
const server = spawn(tsx, [join(here, "server.ts"), "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise<string>((resolve, reject) => {
  server.once("exit", (code) => reject(new Error(`server exited with code ${code}`)));
  createInterface({ input: server.stdout }).once("line", (line) => resolve(line.slice(line.lastIndexOf(":") + 1)));
});
const client = spawn(tsx, [join(here, "client.ts"), "--target", `127.0.0.1:${port}`], { stdio: "inherit" });
const code = await new Promise<number>((resolve) => client.once("exit", (c) => resolve(c ?? 1)));
server.kill("SIGTERM");
process.exitCode = code;
