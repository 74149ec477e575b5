import { metadataFromHttp2, type IncomingHeaders } from "../protocol/metadata.js";

/**
 * The response headers or trailers of a client call, turned into `Headers` only when something reads
 * them (an error, an onHeader/onTrailer callback, the call's `headers`/`trailers` promise). Most unary
 * calls never look at their metadata, and building `Headers` objects costs more than the rest of
 * receiving a small response.
 */
export class ClientMetadata {
  private raw: IncomingHeaders | undefined;
  private value: Headers | undefined;
  private settled = false;
  private promise: Promise<Headers> | undefined;
  private resolve: ((metadata: Headers) => void) | undefined;

  /** Records the received header block (undefined: none arrived); the first call wins. */
  settle(raw: IncomingHeaders | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.raw = raw;
    this.value = undefined;
    this.resolve?.(this.get());
  }

  /** The metadata: every field but the pseudo-headers, keys lower-case (empty when none arrived). */
  get(): Headers {
    this.value ??= this.raw === undefined ? new Headers() : metadataFromHttp2(this.raw);
    return this.value;
  }

  /** Resolves with the metadata once the header block arrived or the call ended without it. */
  get promised(): Promise<Headers> {
    this.promise ??= this.settled ? Promise.resolve(this.get()) : new Promise((resolve) => (this.resolve = resolve));
    return this.promise;
  }
}
