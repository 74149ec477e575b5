import type { ExtensionCodec, MessageCodec, TypeRegistry } from "../protobuf/message-type.js";
import { createTypeRegistry } from "./json-codec.js";

/**
 * The registry `google.protobuf.Any` falls back to when no `registry` option is given: the output's own
 * `tristub-registry.ts` puts its registry here when it loads, and `google/protobuf/any.ts` imports that
 * module, so whoever can hold an Any has the registry set. A slot (not an import of the registry) keeps
 * the runtime free of a dependency on generated modules.
 */
const jsonDefaultRegistrySlot: { registry: TypeRegistry | undefined } = { registry: undefined };

/**
 * Sets the registry every JSON codec of this output uses for `google.protobuf.Any` when no `registry`
 * option is given. `tristub-registry.ts` calls it with every message of the output; call it yourself to
 * add types from elsewhere (pass a registry that also consults the old one).
 */
export function setDefaultTypeRegistry(registry: TypeRegistry | undefined): void {
  jsonDefaultRegistrySlot.registry = registry;
}

/**
 * The registry set by {@link setDefaultTypeRegistry} (the output's own, once `tristub-registry.ts` has
 * loaded), or undefined. RPC code uses it to decode JSON payloads holding `Any` values.
 */
export function getDefaultTypeRegistry(): TypeRegistry | undefined {
  return jsonDefaultRegistrySlot.registry;
}

/**
 * A {@link TypeRegistry} whose codecs (messages and extensions) are listed on first use.
 * `tristub-registry.ts` imports every message module and is itself imported by
 * `google/protobuf/any.ts`: in that import cycle the codecs may not be initialised yet while the
 * registry module runs, so it must not touch them until a lookup.
 */
export function createLazyTypeRegistry(codecs: () => readonly (MessageCodec<object> | ExtensionCodec)[]): TypeRegistry {
  let registry: TypeRegistry | undefined;
  const get = (): TypeRegistry => (registry ??= createTypeRegistry(codecs()));
  return {
    getMessage: (typeName) => get().getMessage(typeName),
    getExtension: (typeName) => get().getExtension?.(typeName),
    getExtensionFor: (extendee, number) => get().getExtensionFor?.(extendee, number),
  };
}
