/**
 * The canonical RPC status codes shared by gRPC, Triple and Connect, as a const object (erasable
 * TypeScript). `Code.OK` is never an error code; it marks the normal end of a stream.
 */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A status code number, see {@link Code}. */
export type Code = (typeof Code)[keyof typeof Code];

const codeNames: readonly string[] = Object.keys(Code);

/** The upper-case gRPC name of a code (`NOT_FOUND`), or `CODE_<n>` for numbers outside 0..16. */
export function codeName(code: number): string {
  return codeNames[code] ?? `CODE_${code}`;
}

/** Reads a decimal `grpc-status` value; anything else is UNKNOWN, as gRPC clients treat it. */
export function codeFromGrpcStatus(value: string): number {
  if (!/^\d{1,2}$/.test(value)) return Code.UNKNOWN;
  const code = Number(value);
  return code <= 16 ? code : Code.UNKNOWN;
}

/**
 * The code for an HTTP response that carries no `grpc-status` (gRPC's HTTP-to-gRPC mapping: a proxy
 * or a plain HTTP server answered instead of a gRPC server).
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return status >= 100 && status < 200 ? Code.INTERNAL : Code.UNKNOWN;
  }
}

/** The code for an HTTP/2 RST_STREAM error code received before the call completed. */
export function codeFromRstStream(rstCode: number): Code {
  switch (rstCode) {
    case 0x7: // REFUSED_STREAM
      return Code.UNAVAILABLE;
    case 0x8: // CANCEL
      return Code.CANCELLED;
    case 0xb: // ENHANCE_YOUR_CALM
      return Code.RESOURCE_EXHAUSTED;
    case 0xc: // INADEQUATE_SECURITY
      return Code.PERMISSION_DENIED;
    default:
      return Code.INTERNAL;
  }
}
