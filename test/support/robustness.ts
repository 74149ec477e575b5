// Helpers shared by the robustness suites (test/robustness): the status of a raw response, a check
// that a server still answers, a seeded PRNG for the fuzz and soak tests, and TLS material made with
// the openssl CLI at test time.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { GreetServiceClient } from "../../snapshots/services/greet.js";
import type { RawResponse } from "./e2e-wire.js";

/** `grpc-status` of a raw response: from a trailers-only response's headers or from the trailers. */
export function statusOf(response: RawResponse): string | undefined {
  const value = response.headers["grpc-status"] ?? response.trailers?.["grpc-status"];
  return value === undefined ? undefined : String(value);
}

/** `grpc-message` of a raw response (still percent-encoded), wherever it is. */
export function messageOf(response: RawResponse): string {
  return String(response.headers["grpc-message"] ?? response.trailers?.["grpc-message"] ?? "");
}

/** Expects a unary call through `client` to succeed: the server still answers. */
export async function expectAlive(client: GreetServiceClient, name = "still alive"): Promise<void> {
  expect((await client.greet({ name })).greeting).toBe(name);
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A copy of `input` with a few random byte flips, insertions, deletions or truncation. */
  mutate(input: Uint8Array): Uint8Array {
    const out = [...input];
    const edits = 1 + this.int(4);
    for (let e = 0; e < edits; e++) {
      const at = this.int(out.length + 1);
      switch (this.int(5)) {
        case 0:
          if (out.length > 0) out[at % out.length] = this.u32() & 0xff;
          break;
        case 1:
          out.splice(at, 0, ...this.bytes(1 + this.int(8)));
          break;
        case 2:
          out.splice(at, 1 + this.int(8));
          break;
        case 3:
          out.length = at;
          break;
        default:
          if (out.length > 0) out[at % out.length] = [0x00, 0x7f, 0x80, 0xff][this.int(4)] as number;
      }
    }
    return Uint8Array.from(out);
  }
}

/**
 * The seed of a randomized test: `TRISTUB_SEED` when set (to reproduce a failure), else a fresh one.
 * Printed, so that a failing run can be repeated exactly.
 */
export function testSeed(what: string): number {
  const fromEnv = process.env["TRISTUB_SEED"];
  const seed = fromEnv !== undefined && fromEnv !== "" ? Number(fromEnv) >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0;
  process.stdout.write(`${what}: seed ${seed} (reproduce with TRISTUB_SEED=${seed})\n`);
  return seed;
}

/** PEM material for TLS tests: a CA, a server certificate for 127.0.0.1, a client certificate. */
export interface TlsMaterial {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A second, unrelated CA with a client certificate it signed. */
  readonly otherCa: string;
  readonly otherClientCert: string;
  readonly otherClientKey: string;
}

/**
 * Generates throwaway certificates with the `openssl` CLI (installed by .ci/setup.sh): a CA, a server
 * certificate with subjectAltName IP:127.0.0.1 signed by it, a client certificate (CN=tristub-client)
 * signed by it, and a second CA with its own client certificate.
 */
export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), "tristub-tls-"));
  const openssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  };
  const read = (name: string): string => readFileSync(join(dir, name), "utf8");
  const key = (name: string): void => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
  const ca = (name: string, cn: string): void => {
    key(`${name}.key`);
    openssl("req", "-x509", "-new", "-key", `${name}.key`, "-sha256", "-days", "2", "-subj", `/CN=${cn}`, "-out", `${name}.pem`);
  };
  const leaf = (name: string, cn: string, signer: string, ext: string): void => {
    key(`${name}.key`);
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      "x509", "-req", "-in", `${name}.csr`, "-CA", `${signer}.pem`, "-CAkey", `${signer}.key`, "-CAcreateserial",
      "-sha256", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`,
    );
  };
  try {
    ca("ca", "tristub test CA");
    ca("other-ca", "tristub other CA");
    leaf("server", "127.0.0.1", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    leaf("client", "tristub-client", "ca", "extendedKeyUsage=clientAuth\n");
    leaf("other-client", "intruder", "other-ca", "extendedKeyUsage=clientAuth\n");
    return {
      ca: read("ca.pem"),
      serverCert: read("server.pem"),
      serverKey: read("server.key"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
      otherCa: read("other-ca.pem"),
      otherClientCert: read("other-client.pem"),
      otherClientKey: read("other-client.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
