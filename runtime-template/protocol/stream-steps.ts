import { isEnded } from "./triple-error.js";

/** One `{ value, done: false }` step of a message stream's async iterator. */
export function streamStep<T>(value: T): IteratorResult<T, undefined> {
  return { value, done: false };
}

/** Turns the normal end of a message stream ({@link isEnded}) into its iterator's last step; rethrows other errors. */
export function streamLastStep(error: unknown): IteratorResult<never, undefined> {
  if (isEnded(error)) return { value: undefined, done: true };
  throw error;
}
