/**
 * Encodes a timeout in milliseconds as a `grpc-timeout` value: at most 8 digits and a unit, choosing
 * the finest unit that fits (as grpc-go and dubbo-go do), so short deadlines keep their precision.
 */
export function grpcTimeoutEncode(ms: number): string {
  if (!(ms > 0)) return "0n";
  const units: readonly [number, string][] = [
    [1e-6, "n"],
    [1e-3, "u"],
    [1, "m"],
    [1e3, "S"],
    [60e3, "M"],
    [3600e3, "H"],
  ];
  for (const [size, unit] of units) {
    const value = Math.ceil(ms / size);
    if (value < 1e8) return `${value}${unit}`;
  }
  return "99999999H";
}

/**
 * Parses a `grpc-timeout` header into milliseconds. Returns undefined when absent; throws on a
 * malformed value (more than 8 digits, unknown unit), which the server answers with INVALID_ARGUMENT.
 */
export function grpcTimeoutParse(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) throw new RangeError(`invalid grpc-timeout: ${JSON.stringify(value.slice(0, 32))}`);
  const amount = Number(match[1]);
  switch (match[2]) {
    case "H":
      return amount * 3600e3;
    case "M":
      return amount * 60e3;
    case "S":
      return amount * 1e3;
    case "m":
      return amount;
    case "u":
      return amount / 1e3;
    default:
      return amount / 1e6;
  }
}

/** The longest delay `setTimeout` honours (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
const grpcTimerMaxMs = 0x7fffffff;

/**
 * Runs `fire` after `ms` milliseconds, like `setTimeout`, but also for delays beyond its range: a
 * deadline of `99999999H` must not fire after 1 ms. Returns the function that cancels the timer.
 */
export function grpcDeadlineTimer(ms: number, fire: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (left: number): void => {
    timer = left <= grpcTimerMaxMs ? setTimeout(fire, Math.max(0, left)) : setTimeout(() => arm(left - grpcTimerMaxMs), grpcTimerMaxMs);
  };
  arm(ms);
  return () => clearTimeout(timer);
}
