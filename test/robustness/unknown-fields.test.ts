// Unknown fields are appended to `$unknown` in amortized O(1) (the buffer grows geometrically): a
// message of a million unknown fields decodes in linear time. Appending in place must never change
// bytes that an earlier `$unknown` view — kept by the caller, or shared with another message — covers.
import { describe, expect, it } from "vitest";
import { GreetRequest } from "../../snapshots/services/greet.js";
import { protobufUnknownBytes } from "../../snapshots/services/tristub/protobuf/message-codec.js";
import { BinaryReader } from "../../snapshots/services/tristub/protobuf/wire-reader.js";

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array(0)).toString("hex");

describe("unknown fields", () => {
  it("decode a million unknown fields in linear time and round-trip them", () => {
    const bytes = new Uint8Array(2_000_000);
    for (let i = 0; i < bytes.length; i += 2) {
      bytes[i] = 0x10 + ((i >> 1) % 2) * 8; // field 2 or 3, varint
      bytes[i + 1] = (i >> 1) & 0x7f;
    }
    const started = performance.now();
    const message = GreetRequest.decode(bytes);
    expect(performance.now() - started).toBeLessThan(3_000); // quadratic copying took minutes
    expect(message.$unknown?.length).toBe(bytes.length);
    expect(hex(GreetRequest.encode(message))).toBe(hex(bytes));
  });

  it("never rewrite bytes an earlier or shared $unknown view covers", () => {
    const first = GreetRequest.decode(Uint8Array.from([0x10, 0x01, 0x18, 0x02]));
    const kept = first.$unknown!;
    const keptHex = hex(kept);
    const twin = { ...first }; // shares the $unknown view
    // Merge more unknown fields into each: `read` with a target appends to its $unknown.
    const more = (message: typeof first, bytes: number[]): void => {
      const reader = new BinaryReader(Uint8Array.from(bytes));
      GreetRequest.read(reader, reader.end, 0, message, 0);
    };
    more(first, [0x20, 0x03]);
    more(twin, [0x28, 0x04, 0x28, 0x05]);
    more(first, [0x30, 0x06]);
    expect(hex(kept)).toBe(keptHex);
    expect(hex(first.$unknown)).toBe("1001180220033006");
    expect(hex(twin.$unknown)).toBe("1001180228042805");
    // A $unknown the caller built (never written into), and a multi-byte tag.
    const callers = Uint8Array.from([0x08, 0x07, 0xaa]).subarray(0, 2);
    const own = { name: "", $unknown: callers };
    protobufUnknownBytes(own, (300 << 3) | 2, Uint8Array.from([0x01, 0xff])); // payload: length 1, 0xff
    expect(hex(own.$unknown)).toBe("0807e21201ff");
    expect(hex(new Uint8Array(callers.buffer))).toBe("0807aa");
  });
});
