/**
 * Any JSON value, as `JSON.parse` returns it. Used for `google.protobuf.Struct` fields, which generated
 * code holds as plain JSON objects (like protobuf-es v2), and by the JSON codecs.
 */
export type JsonValue = number | string | boolean | null | JsonObject | JsonValue[];

/** A JSON object: the TypeScript shape of a `google.protobuf.Struct` field. */
export type JsonObject = { [key: string]: JsonValue };
