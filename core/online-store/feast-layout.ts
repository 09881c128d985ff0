/**
 * Feast's Redis online-store layout, byte for byte, defined once: the materializer writes through
 * it and the runtime reads through it, so a Feast deployment and Slipway can share one Redis.
 *
 * - key: entity key serialization v3 (`serialize_entity_key`), then the project name's UTF-8 bytes;
 * - one hash field per feature: murmur3 x86 32-bit (seed 0) of `<view>:<feature>`, 4 bytes LE;
 * - `_ts:<view>`: a serialized `google.protobuf.Timestamp` of the row's event time;
 * - values: serialized `feast.types.Value` protobufs.
 */
import type { FeatureDtype, Scalar } from '../catalog.js';
import { murmur3x86_32 } from './murmur3.js';

/** A join key's value type, as entities declare it. */
export type JoinKeyType = 'string' | 'int32' | 'int64';

/** One join key of an entity key: its name, declared type and value. */
export interface JoinKeyValue {
  readonly name: string;
  readonly valueType: JoinKeyType;
  readonly value: string | number;
}

/** A value that cannot be written or read in Feast's layout. */
export class FeastLayoutError extends Error {
  override readonly name = 'FeastLayoutError';
}

/** `feast.types.ValueType` numbers (Value.proto), which are also the `Value` oneof field numbers. */
export const FEAST_VALUE_TYPE = { bytes: 1, string: 2, int32: 3, int64: 4, double: 5, float: 6, bool: 7 } as const;

/** The `feast.types.Value` field each Slipway dtype is stored in. */
const FIELD_OF_DTYPE: Readonly<Record<FeatureDtype, number>> = {
  string: FEAST_VALUE_TYPE.string,
  int32: FEAST_VALUE_TYPE.int32,
  int64: FEAST_VALUE_TYPE.int64,
  float64: FEAST_VALUE_TYPE.double,
  float32: FEAST_VALUE_TYPE.float,
  bool: FEAST_VALUE_TYPE.bool,
};

/** Feast's `serialize_entity_key` (version 3): count, sorted key names, then their values. */
export function serializeEntityKey(joinKeys: readonly JoinKeyValue[]): Buffer {
  const sorted = sortedByName(joinKeys);
  const parts: Buffer[] = [joinKeyNamesPart(sorted)];
  for (const key of sorted) {
    const bytes = entityValueBytes(key);
    parts.push(u32le(FEAST_VALUE_TYPE[key.valueType]), u32le(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

/** Python sorts the (name, value) pairs by name; names are unique, so a code-point sort suffices. */
function sortedByName<K extends { readonly name: string }>(joinKeys: readonly K[]): K[] {
  return [...joinKeys].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The part of a serialized entity key before the values: the count, then each name as a string. */
function joinKeyNamesPart(sorted: readonly { readonly name: string }[]): Buffer {
  const parts: Buffer[] = [u32le(sorted.length)];
  for (const key of sorted) {
    const name = Buffer.from(key.name, 'utf8');
    parts.push(u32le(FEAST_VALUE_TYPE.string), u32le(name.length), name);
  }
  return Buffer.concat(parts);
}

/** The Redis key of an entity in a project: Feast's `_redis_key`. */
export function redisKeyOf(joinKeys: readonly JoinKeyValue[], project: string): Buffer {
  return Buffer.concat([serializeEntityKey(joinKeys), Buffer.from(project, 'utf8')]);
}

/**
 * `redisKeyOf` for a fixed set of join keys, for the online store's hot path: the key count, the
 * sorted names and the project are encoded once, and each call writes only the values, in the
 * order `joinKeys` gives them, into one buffer.
 */
export function compileRedisKey(joinKeys: readonly { readonly name: string; readonly valueType: JoinKeyType }[], project: string): (values: readonly (string | number)[]) => Buffer {
  const order = sortedByName(joinKeys.map((key, index) => ({ ...key, index })));
  const head = joinKeyNamesPart(order);
  const tail = Buffer.from(project, 'utf8');
  return (values) => {
    const bytes = order.map((key) => entityValueBytes({ name: key.name, valueType: key.valueType, value: values[key.index] }));
    let size = head.length + tail.length;
    for (const value of bytes) size += 8 + value.length;
    const out = Buffer.allocUnsafe(size);
    let offset = head.copy(out, 0);
    order.forEach((key, at) => {
      offset = out.writeUInt32LE(FEAST_VALUE_TYPE[key.valueType], offset);
      offset = out.writeUInt32LE(bytes[at].length, offset);
      offset += bytes[at].copy(out, offset);
    });
    tail.copy(out, offset);
    return out;
  };
}

/** The hash field of a feature: Feast's `_mmh3(f"{view}:{feature}")`. */
export function featureField(view: string, feature: string): Buffer {
  return u32le(murmur3x86_32(Buffer.from(`${view}:${feature}`, 'utf8')));
}

/** The hash field holding a view's event timestamp. */
export function timestampField(view: string): string {
  return `_ts:${view}`;
}

/** Serializes a value of `dtype` as a `feast.types.Value`; throws `FeastLayoutError` on a mismatch. */
export function encodeValue(dtype: FeatureDtype, value: Scalar): Buffer {
  switch (dtype) {
    case 'string': {
      if (typeof value !== 'string') throw mismatch(dtype, value);
      const length = Buffer.byteLength(value, 'utf8');
      const head = Buffer.from([(FEAST_VALUE_TYPE.string << 3) | 2, ...varint(BigInt(length))]);
      return Buffer.concat([head, Buffer.from(value, 'utf8')]);
    }
    case 'int32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw mismatch(dtype, value);
      // Negative int32s are varints of their 64-bit sign extension (10 bytes), as protobuf specifies.
      return Buffer.from([FEAST_VALUE_TYPE.int32 << 3, ...varint(BigInt.asUintN(64, BigInt(value)))]);
    case 'int64':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch(dtype, value);
      return Buffer.from([FEAST_VALUE_TYPE.int64 << 3, ...varint(BigInt.asUintN(64, BigInt(value)))]);
    case 'float64': {
      if (typeof value !== 'number') throw mismatch(dtype, value);
      const out = Buffer.allocUnsafe(9);
      out[0] = (FEAST_VALUE_TYPE.double << 3) | 1;
      out.writeDoubleLE(value, 1);
      return out;
    }
    case 'float32': {
      if (typeof value !== 'number') throw mismatch(dtype, value);
      const out = Buffer.allocUnsafe(5);
      out[0] = (FEAST_VALUE_TYPE.float << 3) | 5;
      out.writeFloatLE(value, 1);
      return out;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch(dtype, value);
      return Buffer.from([FEAST_VALUE_TYPE.bool << 3, value ? 1 : 0]);
  }
}

/**
 * Reads a serialized `feast.types.Value` as `dtype`. `null` when the field is missing or the Value
 * is empty (Feast's null). Numbers stored as another numeric kind (a Feast view declaring Float64
 * where Slipway says float32) are converted; a value of an unrelated kind throws `FeastLayoutError`.
 */
export function decodeValue(dtype: FeatureDtype, bytes: Uint8Array | null | undefined): Scalar | null {
  if (bytes === null || bytes === undefined) return null;
  const common = decodeAsWritten(dtype, bytes);
  if (common !== undefined) return common;
  const field = readValueField(bytes);
  if (field === null) return null;
  const { number, view, varintValue } = field;
  const want = FIELD_OF_DTYPE[dtype];
  if (dtype === 'string') {
    if (number !== FEAST_VALUE_TYPE.string) throw new FeastLayoutError(`expected a string_val, found Value field ${number}`);
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf8');
  }
  if (dtype === 'bool') {
    if (number !== FEAST_VALUE_TYPE.bool) throw new FeastLayoutError(`expected a bool_val, found Value field ${number}`);
    return varintValue !== 0n;
  }
  let numeric: number;
  if (number === FEAST_VALUE_TYPE.int32) numeric = Number(BigInt.asIntN(32, varintValue));
  else if (number === FEAST_VALUE_TYPE.int64) numeric = Number(BigInt.asIntN(64, varintValue));
  else if (number === FEAST_VALUE_TYPE.double) numeric = view.getFloat64(0, true);
  else if (number === FEAST_VALUE_TYPE.float) numeric = view.getFloat32(0, true);
  else throw new FeastLayoutError(`expected a numeric Value for ${dtype}, found Value field ${number}`);
  if (number !== want && (dtype === 'int32' || dtype === 'int64') && !Number.isInteger(numeric)) {
    throw new FeastLayoutError(`expected an integer for ${dtype}, found ${numeric}`);
  }
  return numeric;
}

/** Serializes an epoch-milliseconds time as a `google.protobuf.Timestamp` (seconds 1, nanos 2). */
export function encodeTimestamp(ms: number): Buffer {
  if (!Number.isFinite(ms)) throw new FeastLayoutError(`timestamp must be finite (got ${ms})`);
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  const parts: number[] = [];
  // proto3 omits zero scalars, so Timestamp(seconds=s) is exactly what Feast's writer produces.
  if (seconds !== 0) parts.push(0x08, ...varint(BigInt.asUintN(64, BigInt(seconds))));
  if (nanos !== 0) parts.push(0x10, ...varint(BigInt(nanos)));
  return Buffer.from(parts);
}

/** Reads a serialized `google.protobuf.Timestamp` as epoch milliseconds; `null` when absent. */
export function decodeTimestamp(bytes: Uint8Array | null | undefined): number | null {
  if (bytes === null || bytes === undefined) return null;
  let seconds = 0n;
  let nanos = 0n;
  let offset = 0;
  while (offset < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, offset);
    const wireType = Number(tag & 7n);
    if (wireType !== 0) throw new FeastLayoutError(`Timestamp field ${tag >> 3n} has wire type ${wireType}, expected a varint`);
    const [value, next] = readVarint(bytes, afterTag);
    if (tag >> 3n === 1n) seconds = BigInt.asIntN(64, value);
    else if (tag >> 3n === 2n) nanos = BigInt.asIntN(32, value);
    offset = next;
  }
  return Number(seconds) * 1000 + Math.floor(Number(nanos) / 1e6);
}

/** The murmur3 hash, re-exported for tests and for callers that cache field names by number. */
export { murmur3x86_32 } from './murmur3.js';

function entityValueBytes(key: JoinKeyValue): Buffer {
  const { name, valueType, value } = key;
  if (valueType === 'string') {
    if (typeof value !== 'string') throw new FeastLayoutError(`join key '${name}' is a string key, got ${JSON.stringify(value)}`);
    return Buffer.from(value, 'utf8');
  }
  const integer = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof integer !== 'number' || !Number.isSafeInteger(integer)) {
    throw new FeastLayoutError(`join key '${name}' is an ${valueType} key, got ${JSON.stringify(value)}`);
  }
  if (valueType === 'int32') {
    if (integer < -0x80000000 || integer > 0x7fffffff) throw new FeastLayoutError(`join key '${name}' overflows int32: ${integer}`);
    const out = Buffer.allocUnsafe(4);
    out.writeInt32LE(integer, 0);
    return out;
  }
  const out = Buffer.allocUnsafe(8);
  out.writeBigInt64LE(BigInt(integer), 0);
  return out;
}

/**
 * The online store's hot path: a Value holding exactly the field `encodeValue` writes for `dtype`
 * (one tag byte, then its payload), read without the general parser's BigInt varints. Anything
 * else, negative integers included, answers undefined and takes the general path.
 */
function decodeAsWritten(dtype: FeatureDtype, bytes: Uint8Array): Scalar | undefined {
  const tag = bytes[0];
  switch (dtype) {
    case 'float64':
      if (tag !== ((FEAST_VALUE_TYPE.double << 3) | 1) || bytes.length !== 9) return undefined;
      return new DataView(bytes.buffer, bytes.byteOffset + 1, 8).getFloat64(0, true);
    case 'float32':
      if (tag !== ((FEAST_VALUE_TYPE.float << 3) | 5) || bytes.length !== 5) return undefined;
      return new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getFloat32(0, true);
    case 'int32':
    case 'int64':
    case 'bool': {
      if (tag !== FIELD_OF_DTYPE[dtype] << 3) return undefined;
      const value = smallVarintToEnd(bytes, 1);
      if (value === undefined || (dtype === 'int32' && value > 0x7fffffff)) return undefined;
      return dtype === 'bool' ? value !== 0 : value;
    }
    default:
      return undefined;
  }
}

/** A varint of at most 7 bytes (below 2^49, so exact as a number) that ends the buffer; else undefined. */
function smallVarintToEnd(bytes: Uint8Array, start: number): number | undefined {
  let value = 0;
  let scale = 1;
  for (let offset = start; offset < bytes.length && offset - start < 7; offset++) {
    const byte = bytes[offset];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return offset === bytes.length - 1 ? value : undefined;
    scale *= 128;
  }
  return undefined;
}

/** The one populated field of a `Value`: its number, payload view (length-delimited/fixed) or varint. */
function readValueField(bytes: Uint8Array): { number: number; view: DataView; varintValue: bigint } | null {
  let found: { number: number; view: DataView; varintValue: bigint } | null = null;
  let offset = 0;
  while (offset < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, offset);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    let view = new DataView(bytes.buffer, bytes.byteOffset + afterTag, 0);
    let varintValue = 0n;
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, afterTag);
      varintValue = value;
      offset = next;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (afterTag + size > bytes.length) throw new FeastLayoutError('truncated fixed-width Value field');
      view = new DataView(bytes.buffer, bytes.byteOffset + afterTag, size);
      offset = afterTag + size;
    } else if (wireType === 2) {
      const [length, start] = readVarint(bytes, afterTag);
      const end = start + Number(length);
      if (end > bytes.length) throw new FeastLayoutError('truncated length-delimited Value field');
      view = new DataView(bytes.buffer, bytes.byteOffset + start, Number(length));
      offset = end;
    } else {
      throw new FeastLayoutError(`unsupported protobuf wire type ${wireType} in a Value`);
    }
    // A oneof keeps the last field written, as protobuf parsers do.
    found = { number, view, varintValue };
  }
  return found;
}

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let offset = start; offset < bytes.length && shift < 70n; offset++) {
    const byte = bytes[offset];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [BigInt.asUintN(64, result), offset + 1];
    shift += 7n;
  }
  throw new FeastLayoutError('truncated or overlong protobuf varint');
}

function varint(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

function u32le(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
}

function mismatch(dtype: FeatureDtype, value: Scalar): FeastLayoutError {
  return new FeastLayoutError(`cannot store ${JSON.stringify(value)} as ${dtype}`);
}
