import type { ServiceTarget } from "./emit/service.js";
import { GenerateError } from "./errors.js";

/** The values `--services` / `services=` accept. */
export const serviceTargets: readonly ServiceTarget[] = ["both", "client", "server", "none"];

/** Validates a services target named on the command line or in a plugin parameter. */
export function parseServiceTarget(value: string): ServiceTarget {
  if ((serviceTargets as readonly string[]).includes(value)) return value as ServiceTarget;
  throw new GenerateError(`invalid services target "${value}" (expected one of ${serviceTargets.join(", ")})`);
}
