// A small time-boxed micro-benchmark harness for bench/codec.ts.
//
// Every case gets its own loop function (compiled with new Function), so the call site of the
// measured operation only ever sees that one closure and V8's type feedback stays monomorphic, as in
// benchmark.js. Results are kept in a small ring of slots so the optimising compiler cannot drop an
// operation whose result is unused (an allocation-only decode could otherwise be escape-analysed
// away). Cases are warmed up first, then measured in interleaved rounds (case 1..n, case 1..n, ...),
// so slow drifts of the machine (GC pressure, frequency, the other core's load) spread over all
// cases instead of skewing whichever ran last; the reported figure is the median ops/s of the rounds.

export interface Case {
  /** Row group, e.g. "binary" or "json". */
  readonly group: string;
  /** Implementation, e.g. "tristub". */
  readonly impl: string;
  /** Operation, e.g. "encode". */
  readonly op: string;
  /** One operation; its result is kept alive by the loop. */
  readonly fn: () => unknown;
}

export interface Options {
  /** Timed rounds per case (the median is reported). */
  readonly runs: number;
  /** Duration of one timed round, ms. */
  readonly timeMs: number;
  /** Warm-up duration per case before the first round, ms. */
  readonly warmupMs: number;
  /**
   * "wall": elapsed real time (performance.now()). "cpu": CPU time of the whole process
   * (process.cpuUsage(), user + system, all threads, so concurrent GC work counts too), which
   * ignores time the process spent descheduled when other processes compete for the cores.
   */
  readonly clock: "wall" | "cpu";
  /** Called after each round, for progress output. */
  readonly onRound?: (round: number, runs: number) => void;
}

export interface Result {
  readonly case: Case;
  /** ops/s of each timed round, in round order. */
  readonly samples: number[];
  /** Median of `samples`. */
  readonly median: number;
  /** (max - min) / median of `samples`, a rough noise indicator. */
  readonly spread: number;
}

type Loop = (fn: () => unknown, n: number, sink: unknown[]) => void;

function makeLoop(): Loop {
  // A fresh function per case with its own type feedback; the unique comment keeps V8's
  // compilation cache from handing back a function compiled for another case.
  return new Function(
    "fn",
    "n",
    "sink",
    `/* ${Math.random()} */ for (let i = 0; i < n; i++) sink[i & 7] = fn();`,
  ) as Loop;
}

interface State {
  readonly c: Case;
  readonly loop: Loop;
  readonly sink: unknown[];
  /** Iterations per batch: roughly 2 ms of work, so the clock is read rarely. */
  batch: number;
  readonly samples: number[];
}

const wallClock = (): number => performance.now();
const cpuClock = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `fn` in batches for about `ms` milliseconds of `clock`; returns [ops, elapsed ms]. */
function timed(s: State, ms: number, clock: () => number): [number, number] {
  let ops = 0;
  const t0 = clock();
  let elapsed = 0;
  do {
    s.loop(s.c.fn, s.batch, s.sink);
    ops += s.batch;
    elapsed = clock() - t0;
  } while (elapsed < ms);
  return [ops, elapsed];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function runCases(cases: readonly Case[], options: Options): Result[] {
  const clock = options.clock === "cpu" ? cpuClock : wallClock;
  const states: State[] = cases.map((c) => ({ c, loop: makeLoop(), sink: new Array(8).fill(undefined), batch: 1, samples: [] }));
  // Warm-up: grows the batch until one batch takes ~2 ms, then runs for warmupMs.
  for (const s of states) {
    for (;;) {
      const t0 = performance.now();
      s.loop(s.c.fn, s.batch, s.sink);
      const dt = performance.now() - t0;
      if (dt >= 2 || s.batch >= 1 << 24) break;
      s.batch *= 2;
    }
    const [ops, elapsed] = timed(s, options.warmupMs, clock);
    s.batch = Math.max(1, Math.round((ops / elapsed) * 2));
  }
  for (let round = 0; round < options.runs; round++) {
    for (const s of states) {
      const [ops, elapsed] = timed(s, options.timeMs, clock);
      s.samples.push((ops / elapsed) * 1000);
    }
    options.onRound?.(round + 1, options.runs);
  }
  return states.map((s) => {
    const m = median(s.samples);
    return { case: s.c, samples: s.samples, median: m, spread: (Math.max(...s.samples) - Math.min(...s.samples)) / m };
  });
}
