import type { DescField, DescMessage, DescMethod, DescOneof, DescService } from "@bufbuild/protobuf";
import { protoCamelCase, safeObjectProperty } from "@bufbuild/protobuf/reflect";

/**
 * Property names of message members, oneof cases, RPC methods and JSON keys that never collide.
 *
 * The starting point is protobuf-es v2's `localName` (lowerCamelCase of the proto name; `constructor`,
 * `toString`, `toJSON` and `valueOf` get a `$` suffix), so that every proto without clashes keeps
 * protobuf-es's shapes. Where two names still meet — `foo_bar` and `fooBar`, `constructor` and
 * `constructor_`, `CamelCase` / `CamelCase_` / `CamelCase__`, RPCs `Call` and `call` — the member with
 * the lowest field number (for RPCs: declared first) keeps the plain name and the others get `$1`,
 * `$2`, … in that order. A proto identifier cannot contain `$`, so a suffixed name never meets a plain
 * one, and adding a field with a higher number never renames an existing property.
 */

const cache = new WeakMap<object, ReadonlyMap<object, string>>();

/** Property names set by {@link fixPropertyName}. */
const fixedNames = new WeakMap<object, string>();

/**
 * Gives a synthetic field a fixed property name: an extension's stand-in field, whose value the
 * field emitters read and write as `message.value` of a holder (see emit/extension.ts).
 */
export function fixPropertyName(field: DescField, name: string): void {
  fixedNames.set(field, name);
}

/**
 * Names the client object of every service defines itself (see templates/service.hbs). An RPC whose
 * name would take one of them gets a `$` suffix instead (`rpc Close` → `close$`), in the client, the
 * handler interface and the method table alike: the client's own `close()` never moves.
 */
export const clientOwnMembers: ReadonlySet<string> = new Set(["close"]);

/** Takes `wanted`, or `wanted$1`, `wanted$2`, … when taken, and records the result as used. */
function allocate(used: Set<string>, wanted: string, plain: string): string {
  let name = wanted;
  for (let i = 1; used.has(name); i++) name = `${plain}$${i}`;
  used.add(name);
  return name;
}

/** Lowest field number of a message member (the number itself for a field). */
function lowestNumber(member: DescField | DescOneof): number {
  return member.kind === "field" ? member.number : Math.min(...member.fields.map((f) => f.number));
}

function messageNames(message: DescMessage): ReadonlyMap<object, string> {
  let names = cache.get(message);
  if (names !== undefined) return names;
  const out = new Map<object, string>();
  const used = new Set<string>();
  const members = [...message.members].sort((a, b) => lowestNumber(a) - lowestNumber(b));
  for (const member of members) {
    const plain = protoCamelCase(member.name);
    out.set(member, allocate(used, safeObjectProperty(plain), plain));
    if (member.kind === "oneof") {
      // Oneof cases are string literals in `{ case, value }`: unique within their oneof is enough.
      const cases = new Set<string>();
      for (const field of [...member.fields].sort((a, b) => a.number - b.number)) {
        const plainCase = protoCamelCase(field.name);
        out.set(field, allocate(cases, plainCase, plainCase));
      }
    }
  }
  names = out;
  cache.set(message, names);
  return names;
}

/**
 * The property of a message member in the generated interface: a field outside a oneof or a oneof
 * itself. For a field inside a oneof, this is its `case` string.
 */
export function propertyName(member: DescField | DescOneof): string {
  const name = fixedNames.get(member) ?? messageNames(member.parent).get(member);
  if (name === undefined) throw new Error(`no property name for ${member.parent.typeName}.${member.name}`);
  return name;
}

/**
 * The JSON key of a field: its JSON name, unless another field of the message has the same JSON name
 * or has it as its proto name (possible in proto2, e.g. `foo_bar` next to `fooBar`); then the field is
 * written under its proto name, which is unique, so no two fields share a key and no value is lost.
 * protoc refuses such clashes in proto3.
 */
export function jsonKey(field: DescField): string {
  const clash = field.parent.fields.some((other) => other !== field && (other.jsonName === field.jsonName || other.name === field.jsonName));
  return clash ? field.name : field.jsonName;
}

/**
 * The property of an RPC in the client, the handler interface and the method table: protobuf-es's
 * method `localName` (first letter lower-cased, `$` for reserved object properties), `$` appended when
 * it is one of the client's own members, and `$1`, `$2`, … for RPCs whose names still meet one
 * declared earlier (`Call` and `call` → `call`, `call$1`).
 */
export function methodPropertyName(method: DescMethod): string {
  const name = serviceNames(method.parent).get(method);
  if (name === undefined) throw new Error(`no property name for ${method.parent.typeName}.${method.name}`);
  return name;
}

function serviceNames(service: DescService): ReadonlyMap<object, string> {
  let names = cache.get(service);
  if (names !== undefined) return names;
  const out = new Map<object, string>();
  const used = new Set<string>(clientOwnMembers);
  for (const method of service.methods) {
    const plain = method.name.length > 0 ? method.name[0]!.toLowerCase() + method.name.slice(1) : method.name;
    let wanted = safeObjectProperty(plain);
    if (clientOwnMembers.has(wanted)) wanted = `${wanted}$`;
    out.set(method, allocate(used, wanted, plain));
  }
  names = out;
  cache.set(service, names);
  return names;
}
