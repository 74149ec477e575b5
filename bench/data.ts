// The benchmark's sample message (bench.Order in bench/proto/bench.proto), deterministic and shaped
// like a real order record. It is written in tristub's message shape (int64 as bigint, oneof as
// { case, value }, maps as plain objects), which is also what @bufbuild/protobuf's create() takes;
// bench/impls.ts converts it for ts-proto and protobufjs.

export interface AddressData {
  street: string;
  city: string;
  countryCode: string;
  postalCode: number;
  latitude: number;
  longitude: number;
}

export interface LineItemData {
  sku: string;
  quantity: number;
  priceMicros: bigint;
  gift: boolean;
}

export interface OrderData {
  id: number;
  createdAtMillis: bigint;
  accountId: bigint;
  verified: boolean;
  score: number;
  ratio: number;
  name: string;
  description: string;
  checksum: Uint8Array;
  status: number;
  sampleCounts: number[];
  tags: string[];
  shipping?: AddressData | undefined;
  items: LineItemData[];
  labels: { [key: string]: string };
  warehouses: { [key: number]: AddressData };
  coupon?: string | undefined;
  payment: { case: "cardToken"; value: string } | { case: "invoiceId"; value: bigint } | { case: undefined; value?: undefined };
  version: number;
  delta: number;
}

/** 64 pseudo-random bytes (a fixed xorshift sequence), like a SHA-512 digest. */
function checksum(): Uint8Array {
  const out = new Uint8Array(64);
  let x = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A fresh copy of the sample order (≈ 720 bytes of protobuf binary, ≈ 1.3 kB of JSON). */
export function orderData(): OrderData {
  return {
    id: 48213,
    createdAtMillis: 1718035200123n,
    // A Twitter-style snowflake: a realistic uint64 above 2^53.
    accountId: 1796543217984512001n,
    verified: true,
    score: 0.8734112,
    ratio: 0.625, // exact in float32, so every implementation round-trips it unchanged
    name: "José Álvarez",
    description:
      "Two-day shipping requested; leave the parcel with the concierge if nobody answers. Fragile: glassware",
    checksum: checksum(),
    status: 1, // STATUS_ACTIVE
    sampleCounts: [3, 17, 0, 250, 1024, 65535, 42, 7, 99, 100000, 12, 5, 880, 31, 2, 4096],
    tags: ["priority", "express", "fragile", "eu-west-1", "gift-wrap"],
    shipping: {
      street: "221B Baker Street",
      city: "London",
      countryCode: "GB",
      postalCode: 10115,
      latitude: 51.523767,
      longitude: -0.1585557,
    },
    items: [
      { sku: "SKU-000123-BLU", quantity: 2, priceMicros: 19990000n, gift: false },
      { sku: "SKU-004711-RED-XL", quantity: 1, priceMicros: 129000000n, gift: true },
      { sku: "SKU-000042", quantity: 12, priceMicros: 450000n, gift: false },
      { sku: "SKU-31337-GRN", quantity: 3, priceMicros: 7250000n, gift: false },
    ],
    labels: { env: "production", team: "checkout", region: "eu-west-1", tier: "gold" },
    warehouses: {
      3: {
        street: "Industriestraße 12",
        city: "Duisburg",
        countryCode: "DE",
        postalCode: 47053,
        latitude: 51.434408,
        longitude: 6.762329,
      },
      17: {
        street: "1 Logistics Way",
        city: "Tilbury",
        countryCode: "GB",
        postalCode: 18,
        latitude: 51.462,
        longitude: 0.3578,
      },
    },
    coupon: "SPRING24",
    payment: { case: "cardToken", value: "tok_1NqX5b2eZvKYlo2C9sGk7hQp" },
    version: 7,
    delta: -12,
  };
}
