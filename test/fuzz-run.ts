// `npm run fuzz [-- --seed N --count N]`: fuzzing at scale (test/support/fuzz-scale.ts). Default: a
// fresh seed (printed) and 1,000,000 inputs; exits 1 on any crash, hang, unanswered request or
// unhandled rejection, printing how to reproduce it.
import { parseArgs } from "node:util";
import { runFuzz } from "./support/fuzz-scale.js";

const { values } = parseArgs({ options: { seed: { type: "string" }, count: { type: "string", default: "1000000" } } });
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : (Math.random() * 0x1_0000_0000) >>> 0;
const count = Number(values.count);
process.stdout.write(`fuzz: seed ${seed}, ${count} inputs (reproduce with npm run fuzz -- --seed ${seed} --count ${count})\n`);
const summary = await runFuzz(seed, count);
process.stdout.write(
  `fuzz: ${summary.total} inputs in ${(summary.elapsedMs / 1000).toFixed(1)} s ${JSON.stringify(summary.inputs)}; ` +
    `${summary.problems.length} problem(s)\n`,
);
for (const problem of summary.problems) process.stdout.write(`  ${problem}\n`);
process.exitCode = summary.problems.length === 0 ? 0 : 1;
