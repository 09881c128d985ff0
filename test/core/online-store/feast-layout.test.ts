/**
 * Byte vectors worked out by hand from Feast's definitions (`serialize_entity_key` v3,
 * `_redis_key`, `_mmh3`, Value.proto, google/protobuf/timestamp.proto), then round trips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeTimestamp,
  decodeValue,
  encodeTimestamp,
  encodeValue,
  FeastLayoutError,
  featureField,
  murmur3x86_32,
  redisKeyOf,
  compileRedisKey,
  serializeEntityKey,
  timestampField,
} from '../../../core/online-store/feast-layout.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string) => Buffer.from(text, 'ascii').toString('hex');

describe('entity keys (serialize_entity_key v3 + project)', () => {
  it('serializes one string join key followed by the project name', () => {
    const key = redisKeyOf([{ name: 'user_id', valueType: 'string', value: 'u1' }], 'fraud-platform');
    const expected = hex(
      '01000000' + // number of join keys
        '02000000' + '07000000' + ascii('user_id') + // ValueType.STRING, len, name
        '02000000' + '02000000' + ascii('u1') + // ValueType.STRING, len, value
        ascii('fraud-platform'),
    );
    assert.deepEqual(key, expected);
  });

  it('sorts join keys by name and writes names before values', () => {
    const key = serializeEntityKey([
      { name: 'user_id', valueType: 'string', value: 'u1' },
      { name: 'merchant', valueType: 'int64', value: -1 },
    ]);
    const expected = hex(
      '02000000' +
        '02000000' + '08000000' + ascii('merchant') +
        '02000000' + '07000000' + ascii('user_id') +
        '04000000' + '08000000' + 'ffffffffffffffff' + // INT64 as struct '<q'
        '02000000' + '02000000' + ascii('u1'),
    );
    assert.deepEqual(key, expected);
  });

  it('writes int32 join keys as 4 little-endian bytes, accepting numeric strings from CSV', () => {
    const expected = hex('01000000' + '02000000' + '02000000' + ascii('id') + '03000000' + '04000000' + '02010000');
    assert.deepEqual(serializeEntityKey([{ name: 'id', valueType: 'int32', value: 258 }]), expected);
    assert.deepEqual(serializeEntityKey([{ name: 'id', valueType: 'int32', value: '258' }]), expected);
  });

  it('rejects a value of the wrong type for the key', () => {
    assert.throws(() => serializeEntityKey([{ name: 'id', valueType: 'int64', value: 'abc' }]), FeastLayoutError);
    assert.throws(() => serializeEntityKey([{ name: 'id', valueType: 'string', value: 5 }]), FeastLayoutError);
  });

  it('compiles a key writer that equals redisKeyOf for the same join keys, whatever their order', () => {
    const joinKeys = [
      { name: 'user_id', valueType: 'string' },
      { name: 'merchant', valueType: 'int64' },
      { name: 'bucket', valueType: 'int32' },
    ] as const;
    const keyOf = compileRedisKey(joinKeys, 'fraud-platform');
    for (const values of [['u1', -1, 0], ['Zoë ✓', 2 ** 40, -7], ['', 0, '12']] as const) {
      const expected = redisKeyOf(joinKeys.map((key, index) => ({ ...key, value: values[index] })), 'fraud-platform');
      assert.deepEqual(keyOf(values), expected, JSON.stringify(values));
    }
    assert.throws(() => keyOf(['u1', 'abc', 1]), /join key 'merchant' is an int64 key/);
  });
});

describe('field names', () => {
  it('computes murmur3 x86 32-bit with seed 0 matching published vectors', () => {
    assert.equal(murmur3x86_32(Buffer.from('')), 0);
    assert.equal(murmur3x86_32(Buffer.from('test')), 0xba6bd213);
    assert.equal(murmur3x86_32(Buffer.from('hello')), 0x248bfa47);
    assert.equal(murmur3x86_32(Buffer.from('Hello, world!')), 0xc0363e43);
    assert.equal(murmur3x86_32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x2e4ff723);
    assert.equal(murmur3x86_32(Buffer.from('Hello, world!'), 1234), 0xfaf6cdb3);
  });

  it('names a feature field by the little-endian bytes of murmur3("<view>:<feature>")', () => {
    const hash = murmur3x86_32(Buffer.from('transaction-features:amount'));
    const field = featureField('transaction-features', 'amount');
    assert.equal(field.length, 4);
    assert.equal(field.readUInt32LE(0), hash);
    // struct.pack('<Q', h).hex()[:8]: the low byte comes first.
    assert.equal(field[0], hash & 0xff);
  });

  it('names the timestamp field _ts:<view>', () => {
    assert.equal(timestampField('user-features'), '_ts:user-features');
  });
});

describe('feast.types.Value encoding', () => {
  const vectors: [Parameters<typeof encodeValue>[0], string | number | boolean, string][] = [
    ['string', 'Travel', '12 06' + ascii('Travel')], // field 2, wire type 2, length 6
    ['string', '', '12 00'], // oneof members are written even when empty
    ['int32', 12, '18 0c'], // field 3, varint
    ['int32', 300, '18 ac 02'],
    ['int32', 0, '18 00'],
    ['int32', -1, '18 ff ff ff ff ff ff ff ff ff 01'], // sign-extended to 64 bits
    ['int64', 150, '20 96 01'], // the protobuf documentation's own example
    ['float64', 1.5, '29 00 00 00 00 00 00 f8 3f'], // field 5, fixed64
    ['float32', 1.5, '35 00 00 c0 3f'], // field 6, fixed32
    ['bool', true, '38 01'], // field 7, varint
    ['bool', false, '38 00'],
  ];
  for (const [dtype, value, bytes] of vectors) {
    it(`encodes ${dtype} ${JSON.stringify(value)} as ${bytes}`, () => {
      assert.deepEqual(encodeValue(dtype, value), hex(bytes));
      assert.deepEqual(decodeValue(dtype, hex(bytes)), value);
    });
  }

  it('round-trips values of every dtype', () => {
    assert.equal(decodeValue('string', encodeValue('string', 'Électronique ✓')), 'Électronique ✓');
    assert.equal(decodeValue('int32', encodeValue('int32', -2147483648)), -2147483648);
    assert.equal(decodeValue('int64', encodeValue('int64', -9007199254740991)), -9007199254740991);
    assert.equal(decodeValue('float64', encodeValue('float64', 0.1)), 0.1);
    assert.equal(decodeValue('float32', encodeValue('float32', 0.1)), Math.fround(0.1));
  });

  it('reads integers on both sides of the fast path (7-byte varints) exactly', () => {
    for (const value of [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1, -1, -(2 ** 49)]) {
      assert.equal(decodeValue('int64', encodeValue('int64', value)), value, `int64 ${value}`);
    }
    for (const value of [0, 300, 2 ** 31 - 1, -1, -(2 ** 31)]) assert.equal(decodeValue('int32', encodeValue('int32', value)), value, `int32 ${value}`);
    // An int32_val holding a wider varint keeps its low 32 bits, as protobuf parsers do.
    assert.equal(decodeValue('int32', hex('18 85 80 80 80 10')), 5);
    // A Value written with extra fields after the first takes the general parser: the last field wins.
    assert.equal(decodeValue('float64', Buffer.concat([encodeValue('float64', 1), encodeValue('float64', 2)])), 2);
  });

  it('reads a missing field or an empty Value as null', () => {
    assert.equal(decodeValue('float32', null), null);
    assert.equal(decodeValue('int32', Buffer.alloc(0)), null);
  });

  it('converts between numeric kinds written by another Feast type mapping', () => {
    assert.equal(decodeValue('float32', hex('29 00 00 00 00 00 00 f8 3f')), 1.5);
    assert.equal(decodeValue('int32', hex('20 96 01')), 150);
  });

  it('refuses values of the wrong type both ways', () => {
    assert.throws(() => encodeValue('int32', 1.5), FeastLayoutError);
    assert.throws(() => encodeValue('int32', 2 ** 31), FeastLayoutError);
    assert.throws(() => encodeValue('bool', 'true'), FeastLayoutError);
    assert.throws(() => decodeValue('bool', hex('12 01 41')), FeastLayoutError);
    assert.throws(() => decodeValue('string', hex('18 01')), FeastLayoutError);
    assert.throws(() => decodeValue('string', hex('12 05 41')), FeastLayoutError);
  });
});

describe('google.protobuf.Timestamp', () => {
  it('writes whole seconds as Feast does (seconds only, field 1)', () => {
    assert.deepEqual(encodeTimestamp(150_000), hex('08 96 01'));
    assert.deepEqual(encodeTimestamp(0), hex(''));
  });

  it('writes milliseconds as nanos (field 2)', () => {
    assert.deepEqual(encodeTimestamp(1500), hex('08 01 10 80 ca b5 ee 01'));
  });

  it('reads timestamps back, and null when absent', () => {
    assert.equal(decodeTimestamp(hex('08 96 01')), 150_000);
    assert.equal(decodeTimestamp(hex('08 01 10 80 ca b5 ee 01')), 1500);
    const now = Date.UTC(2026, 10, 23, 6, 58, 11, 123);
    assert.equal(decodeTimestamp(encodeTimestamp(now)), now);
    assert.equal(decodeTimestamp(null), null);
  });
});
