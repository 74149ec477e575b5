/**
 * The one error class the generator throws for problems in the user's input (bad proto, missing file,
 * unsupported construct). The CLI prints its message and exits 1; anything else is a bug in tristub.
 */
export class GenerateError extends Error {
  override readonly name = "GenerateError";
}
