import { Code } from "../protocol/status-code.js";
import { TripleError } from "../protocol/triple-error.js";

/**
 * A serving status of `grpc.health.v1` (`HealthCheckResponse.ServingStatus`) by name. `SERVICE_UNKNOWN`
 * is what Watch reports for a service nobody set; it cannot be set.
 */
export type HealthStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

/** Options of the health service (`serveHealth(server, options)` in the generated `tristub-health.ts`). */
export interface HealthOptions {
  /** Most services `List` reports; with more set it fails with RESOURCE_EXHAUSTED, as grpc-go does. Default 100. */
  readonly maxListedServices?: number;
}

const healthStatusNumbers: Readonly<Record<HealthStatus, number>> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
const healthDefaultMaxListedServices = 100;

interface HealthWatcher {
  /** The status to report next (the latest one: a slow watcher skips intermediate changes, as in grpc-go). */
  latest: number;
  wake: (() => void) | undefined;
}

/**
 * The serving status of a server and of each of its services, as `grpc.health.v1.Health` reports it:
 * Check, List and Watch (a stream of every change). `""` is the whole server, SERVING from the start.
 * When the server begins to shut down every status becomes NOT_SERVING (later changes are ignored),
 * watchers are told, and their streams end with UNAVAILABLE. The generated `tristub-health.ts` binds
 * it to the generated `grpc.health.v1` service; `check`, `list` and `watch` are its handlers' logic.
 */
export class ServerHealth {
  private readonly statuses = new Map<string, number>([["", healthStatusNumbers.SERVING]]);
  private readonly watchers = new Map<string, Set<HealthWatcher>>();
  private readonly maxListed: number;
  private closed = false;

  constructor(options: HealthOptions = {}) {
    this.maxListed = options.maxListedServices ?? healthDefaultMaxListedServices;
  }

  /** Sets the status of `service` (`""`: the whole server) and tells its watchers; ignored once shutdown began. */
  setStatus(service: string, status: Exclude<HealthStatus, "SERVICE_UNKNOWN">): void {
    const value = healthStatusNumbers[status];
    if (value === undefined || (status as string) === "SERVICE_UNKNOWN") throw new TypeError(`health: cannot set status ${String(status)}`);
    if (this.closed) return;
    this.statuses.set(service, value);
    this.notify(service, value);
  }

  /** Forgets `service`: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN; ignored once shutdown began. */
  clearStatus(service: string): void {
    if (this.closed || !this.statuses.delete(service)) return;
    this.notify(service, healthStatusNumbers.SERVICE_UNKNOWN);
  }

  /** The status set for `service`, or undefined when none is. */
  getStatus(service: string): HealthStatus | undefined {
    const value = this.statuses.get(service);
    return value === undefined ? undefined : (Object.keys(healthStatusNumbers) as HealthStatus[])[value];
  }

  /**
   * Every service becomes NOT_SERVING and stays so; open Watch streams report it and end (UNAVAILABLE).
   * The server calls this as its `close()` begins.
   */
  shutdown(): void {
    if (this.closed) return;
    for (const service of this.statuses.keys()) {
      this.statuses.set(service, healthStatusNumbers.NOT_SERVING);
      this.notify(service, healthStatusNumbers.NOT_SERVING);
    }
    this.closed = true;
    for (const set of this.watchers.values()) for (const watcher of set) watcher.wake?.();
  }

  /** Check's answer: the status number of `service`; NOT_FOUND when none is set (as grpc-go). */
  check(service: string): number {
    const value = this.statuses.get(service);
    if (value === undefined) throw new TripleError(Code.NOT_FOUND, "unknown service");
    return value;
  }

  /** List's answer: every service and its status number; RESOURCE_EXHAUSTED past `maxListedServices`. */
  list(): Array<[service: string, status: number]> {
    if (this.statuses.size > this.maxListed) {
      throw new TripleError(Code.RESOURCE_EXHAUSTED, `server health list exceeds maximum capacity: ${this.maxListed}`);
    }
    return [...this.statuses];
  }

  /**
   * Watch's logic: sends the current status of `service` (SERVICE_UNKNOWN if none is set), then each
   * change, until `signal` aborts (CANCELLED) or shutdown (after NOT_SERVING went out: UNAVAILABLE).
   * A watcher that sends slowly gets the latest status, never a backlog.
   */
  async watch(service: string, send: (status: number) => Promise<void>, signal: AbortSignal): Promise<void> {
    const watcher: HealthWatcher = { latest: this.statuses.get(service) ?? healthStatusNumbers.SERVICE_UNKNOWN, wake: undefined };
    let set = this.watchers.get(service);
    if (set === undefined) this.watchers.set(service, (set = new Set()));
    set.add(watcher);
    const onAbort = (): void => watcher.wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      let sent = -1;
      for (;;) {
        if (signal.aborted) throw new TripleError(Code.CANCELLED, "health watch ended");
        if (watcher.latest !== sent) {
          sent = watcher.latest;
          await send(sent);
          continue;
        }
        if (this.closed) throw new TripleError(Code.UNAVAILABLE, "server is shutting down");
        await new Promise<void>((resolve) => (watcher.wake = resolve));
        watcher.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(service) === set) this.watchers.delete(service);
    }
  }

  /** How many Watch streams are open (tests check that ended ones leave nothing behind). */
  get watcherCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  private notify(service: string, value: number): void {
    for (const watcher of this.watchers.get(service) ?? []) {
      watcher.latest = value;
      watcher.wake?.();
    }
  }
}
