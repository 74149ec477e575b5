import type { MessageCodec } from "../protobuf/message-type.js";

/** The four RPC kinds. */
export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

/** What the runtime knows of one RPC method: where it lives on the wire and how to code its messages. */
export interface MethodInfo<I extends object, O extends object> {
  /** Fully-qualified service name, e.g. `greet.GreetService`. */
  readonly service: string;
  /** Method name as declared in the proto, e.g. `Greet`. */
  readonly name: string;
  /** Request path: `/greet.GreetService/Greet`. */
  readonly path: string;
  readonly kind: MethodKind;
  readonly input: MessageCodec<I>;
  readonly output: MessageCodec<O>;
  /**
   * The method's `idempotency_level` option when declared: `no_side_effects` methods may be called
   * with Connect unary GET (cacheable); `idempotent` ones are safe to retry. Absent: unknown.
   */
  readonly idempotency?: "no_side_effects" | "idempotent";
}
