/** Leakage tests on crafted data: a join never sees a value from after the row's time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PointInTimeIndex, pointInTimeJoin } from '../../features/point-in-time.js';

const H = 3_600_000;

describe('point-in-time joins', () => {
  // user u1's score changes at 10:00 (10), 12:00 (20) and 14:00 (a future value, 99).
  const index = new PointInTimeIndex(
    [
      { entityKey: 'u1', eventMs: 14 * H, values: [99] },
      { entityKey: 'u1', eventMs: 10 * H, values: [10] },
      { entityKey: 'u1', eventMs: 12 * H, values: [20] },
      { entityKey: 'u2', eventMs: 1 * H, values: [5] },
    ],
    24 * H,
  );

  it('takes the latest value at or before the row time, never a later one', () => {
    assert.deepEqual(index.asOf('u1', 13 * H), [20]);
    assert.deepEqual(index.asOf('u1', 12 * H - 1), [10]);
    assert.deepEqual(index.asOf('u1', 14 * H - 1), [20]);
  });

  it('includes a value stamped exactly at the row time', () => {
    assert.deepEqual(index.asOf('u1', 12 * H), [20]);
  });

  it('has nothing before the first value', () => {
    assert.equal(index.asOf('u1', 9 * H), null);
    assert.equal(index.asOf('u3', 20 * H), null);
  });

  it('drops values older than the TTL', () => {
    assert.deepEqual(index.asOf('u2', 25 * H), [5]);
    assert.equal(index.asOf('u2', 25 * H + 1), null);
  });

  it('joins every row as of its own time, so a label row never sees its future', () => {
    const rows = [
      { user: 'u1', eventMs: 11 * H },
      { user: 'u1', eventMs: 15 * H },
      { user: 'u2', eventMs: 2 * H },
      { user: 'u1', eventMs: 8 * H },
    ];
    const joined = pointInTimeJoin(rows, [{ index, keyOf: (row) => row.user }]);
    assert.deepEqual(joined, [[[10]], [[99]], [[5]], [null]]);
  });

  it('keeps the last of several rows with the same time', () => {
    const tied = new PointInTimeIndex(
      [
        { entityKey: 'u1', eventMs: 5, values: ['first'] },
        { entityKey: 'u1', eventMs: 9, values: ['later'] },
        { entityKey: 'u1', eventMs: 5, values: ['second'] },
      ],
      100,
    );
    assert.deepEqual(tied.asOf('u1', 6), ['second']);
  });
});
