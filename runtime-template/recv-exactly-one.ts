import { Code } from "./status-code.js";
import { isEnded, TripleError } from "./triple-error.js";

/**
 * Reads the single message of a unary side — a unary request, a unary or client-streaming response —
 * and insists that the stream then ends: none or a second message is a protocol error (INTERNAL).
 * `onExtra` runs before the error for a second message is thrown (a client cancels its call there).
 */
export async function recvExactlyOne<T>(recv: () => Promise<T>, what: string, onExtra?: (error: TripleError) => void): Promise<T> {
  let message: T;
  try {
    message = await recv();
  } catch (error) {
    if (isEnded(error)) throw new TripleError(Code.INTERNAL, `protocol error: missing ${what} message`);
    throw error;
  }
  try {
    await recv();
  } catch (error) {
    if (isEnded(error)) return message;
    throw error;
  }
  const extra = new TripleError(Code.INTERNAL, `protocol error: more than one ${what} message`);
  onExtra?.(extra);
  throw extra;
}
